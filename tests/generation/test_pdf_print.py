"""The book as a print shop and a parent receive it: fonts embedded, metadata, boxes, opaque panels, a back cover."""

from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from PIL import Image, ImageChops
from pypdf import PdfReader

from generation.base import BookRequest
from generation.book import build_book
from generation.offline import OfflineGenerator
from generation.pdf import BLEED, PAGE, TRIM, build_pdf
from generation.pdf_pages import render_pages
from generation.pictures import save_jpeg

FRONT = 3  # cover, title page, dedication


def book_request(**overrides) -> BookRequest:
    fields = {"child_name": "Zoë", "child_age": 6, "theme": "forest", "language": "fr", "page_count": 3, "seed": 4}
    fields.update(overrides)
    return BookRequest(**fields)


def solid_jpeg(path: Path, colour) -> Path:
    save_jpeg(Image.new("RGB", (256, 256), colour), path)
    return path


def build(tmp_path: Path, colour=(90, 160, 220), cover=None, **overrides) -> tuple[Path, BookRequest]:
    """A book whose every picture is one flat colour, so what shows through the text would be seen."""
    request = book_request(**overrides)
    story = OfflineGenerator(page_seconds=0).write_story(request)
    pictures = [solid_jpeg(tmp_path / f"p{index}-{colour}.jpg", colour) for index in range(request.page_count)]
    name = f"book-{colour}-{cover.stem if cover else 'no-cover'}.pdf"  # one file per build: each is rendered
    return build_pdf(tmp_path / name, request, story, pictures, cover=cover), request


def fonts_of(reader: PdfReader) -> list[dict]:
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            fonts.append(font)
            fonts.extend(descendant.get_object() for descendant in font.get("/DescendantFonts", []))
    return fonts


def test_every_font_of_the_book_is_embedded_and_none_is_a_standard_font(tmp_path):
    path, _ = build(tmp_path)
    fonts = fonts_of(PdfReader(path))
    assert fonts
    for font in fonts:
        if font["/Subtype"] == "/Type0":
            continue  # its glyphs are in its descendant, checked in turn
        assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
        assert "DejaVuSans" in font["/BaseFont"]
    assert b"Helvetica" not in path.read_bytes()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_metadata_give_the_title_author_creator_and_language(tmp_path, language):
    path, _ = build(tmp_path, language=language)
    reader = PdfReader(path)
    story_title = OfflineGenerator(page_seconds=0).write_story(book_request(language=language)).title
    assert reader.metadata.title == story_title
    assert reader.metadata.author == "Hera"
    assert reader.metadata.creator == "Hera"
    assert reader.trailer["/Root"]["/Lang"] == language


def test_every_page_keeps_its_trim_and_bleed_boxes(tmp_path):
    path, _ = build(tmp_path)
    for page in PdfReader(path).pages:
        assert [round(float(v), 2) for v in page.trimbox] == [round(v, 2) for v in (BLEED, BLEED, BLEED + TRIM, BLEED + TRIM)]
        assert [round(float(v), 2) for v in page.bleedbox] == [0, 0, round(PAGE, 2), round(PAGE, 2)]


def around_the_ink(image: Image.Image, top_fraction: float = 1.0) -> tuple[int, int, int, int]:
    """The box around the dark text printed on `image` (within its top `top_fraction`), with a margin."""
    height = int(image.height * top_fraction)
    ink = image.crop((0, 0, image.width, height)).convert("L").point(lambda v: 255 if v < 90 else 0)
    left, top, right, bottom = ink.getbbox()
    return left - 4, top - 4, right + 4, bottom + 4


def difference(a: Image.Image, b: Image.Image, box) -> int:
    return max(high for _, high in ImageChops.difference(a.crop(box), b.crop(box)).getextrema())


def test_nothing_of_the_picture_shows_through_a_page_text(tmp_path):
    light, _ = build(tmp_path, colour=(255, 255, 255))
    dark, _ = build(tmp_path, colour=(0, 0, 0))
    on_light, on_dark = (render_pages(path, [FRONT], 300)[0] for path in (light, dark))
    assert difference(on_light, on_dark, around_the_ink(on_light)) <= 12


def test_nothing_of_the_picture_shows_through_the_cover_title(tmp_path):
    light, _ = build(tmp_path, cover=solid_jpeg(tmp_path / "light.jpg", (255, 255, 255)))
    dark, _ = build(tmp_path, cover=solid_jpeg(tmp_path / "dark.jpg", (0, 0, 0)))
    on_light, on_dark = (render_pages(path, [0], 300)[0] for path in (light, dark))
    assert difference(on_light, on_dark, around_the_ink(on_light, top_fraction=0.4)) <= 12


def printed_on(page) -> list[tuple[str, float, str]]:
    """Each piece of text of the page with its size and font."""
    printed = []
    page.extract_text(
        visitor_text=lambda text, cm, tm, font, size: printed.append((text.strip(), size, font and font["/BaseFont"]))
    )
    return printed


def test_page_numbers_are_printed_large_and_bold(tmp_path):
    path, request = build(tmp_path)
    reader = PdfReader(path)
    for number in range(1, request.page_count + 1):
        size, font = next((size, font) for text, size, font in printed_on(reader.pages[FRONT + number - 1])
                          if text == str(number))
        assert size >= 14
        assert font.endswith("Bold")


@pytest.mark.parametrize(("language", "blurb"), [("fr", "une grande aventure attend Zoë"), ("en", "a great adventure is waiting for Zoë")])
def test_the_back_cover_has_a_blurb_and_the_shops_name(tmp_path, language, blurb):
    path, _ = build(tmp_path, language=language)
    back = " ".join(PdfReader(path).pages[-1].extract_text().split())
    assert blurb in back
    assert "Hera" in back


def test_an_offline_book_gets_a_cover_picture_of_its_own(tmp_path):
    storage = FileSystemStorage(location=tmp_path / "media")
    result = build_book(book_request(), OfflineGenerator(page_seconds=0), work_prefix="work/1", book_name="books/a.pdf",
                        storage=storage, concurrency=1)
    pages = PdfReader(storage.path(result.pdf_name)).pages

    def picture(page):
        return next(iter(page["/Resources"]["/XObject"].values())).get_object()._data

    assert picture(pages[0]) != picture(pages[FRONT])
    assert picture(pages[0])[:2] == b"\xff\xd8"  # a JPEG, drawn by path like every page
