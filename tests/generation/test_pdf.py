import contextlib
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab import rl_config
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfmetrics import stringWidth

from generation import pdf
from generation.base import BookRequest
from generation.offline import OfflineGenerator
from generation.pdf import BLEED, FONT, FONT_BOLD, PAGE, TRIM, build_pdf, register_fonts, wrap

EXTRA_PAGES = 5  # cover, title page, dedication, closing page, back cover
CLOSING = -2  # the closing page, before the back cover


def make_book(tmp_path: Path, **overrides) -> tuple[Path, BookRequest]:
    fields = {"child_name": "Zoë-Chloé N'Diaye", "child_age": 6, "theme": "castle", "language": "fr",
              "page_count": 3, "seed": 4}
    fields.update(overrides)
    req = BookRequest(**fields)
    gen = OfflineGenerator(page_seconds=0)
    story = gen.write_story(req)
    pictures = []
    for index in range(req.page_count):
        pictures.append(tmp_path / f"page-{index}.jpg")
        gen.illustrate_page(req, story, index, pictures[-1])
    return build_pdf(tmp_path / "book.pdf", req, story, pictures), req


def test_pdf_has_the_story_pages_plus_cover_title_dedication_and_closing(tmp_path):
    path, req = make_book(tmp_path, page_count=5)
    assert len(PdfReader(path).pages) == req.page_count + EXTRA_PAGES


@pytest.mark.parametrize("name", ["Zoë-Chloé N'Diaye", "Íñigo Müller-Façon", "Łucja Ørsted"])
def test_pdf_text_contains_the_childs_name_with_its_accents(tmp_path, name):
    path, _ = make_book(tmp_path, child_name=name)
    reader = PdfReader(path)
    assert name in reader.pages[0].extract_text()  # cover
    assert name in reader.pages[1].extract_text()  # title page
    assert name in reader.pages[3].extract_text()  # the first story page


def test_pdf_embeds_the_shipped_truetype_font(tmp_path):
    path, _ = make_book(tmp_path)
    fonts = PdfReader(path).pages[3]["/Resources"]["/Font"]
    assert any("DejaVuSans" in str(font.get_object()["/BaseFont"]) for font in fonts.values())


def test_pdf_pages_have_trim_and_bleed_boxes(tmp_path):
    path, _ = make_book(tmp_path)
    page = PdfReader(path).pages[4]
    assert [round(float(v), 2) for v in page.trimbox] == [round(v, 2) for v in (BLEED, BLEED, BLEED + TRIM, BLEED + TRIM)]
    assert [round(float(v), 2) for v in page.bleedbox] == [0, 0, round(PAGE, 2), round(PAGE, 2)]
    assert [round(float(v), 2) for v in page.mediabox] == [0, 0, round(PAGE, 2), round(PAGE, 2)]


def test_pictures_are_embedded_as_jpeg_without_decoding(tmp_path):
    path, _ = make_book(tmp_path)
    xobjects = PdfReader(path).pages[4]["/Resources"]["/XObject"]
    image = next(iter(xobjects.values())).get_object()
    assert list(image["/Filter"]) == ["/DCTDecode"]
    assert image["/Width"] == 1024


def test_blank_dedication_gets_a_warm_default_in_the_books_language(tmp_path):
    fr, _ = make_book(tmp_path / "fr", dedication="")
    en, _ = make_book(tmp_path / "en", dedication="", language="en")
    assert "Pour Zoë-Chloé N'Diaye, qui rend chaque jour" in PdfReader(fr).pages[2].extract_text()
    assert "For Zoë-Chloé N'Diaye, who makes every day" in PdfReader(en).pages[2].extract_text()


def test_dedication_from_the_order_is_printed(tmp_path):
    path, _ = make_book(tmp_path, dedication="Pour notre petite étoile, de Mamie Hélène")
    assert "de Mamie Hélène" in PdfReader(path).pages[2].extract_text()


def test_closing_page_says_the_end_in_the_books_language(tmp_path):
    path, req = make_book(tmp_path, language="en")
    assert "The End" in PdfReader(path).pages[CLOSING].extract_text()


def test_title_and_closing_pages_speak_the_books_language(tmp_path):
    fr, _ = make_book(tmp_path / "fr", language="fr")
    en, _ = make_book(tmp_path / "en", language="en")
    assert "Une histoire pour Zoë-Chloé N'Diaye" in PdfReader(fr).pages[1].extract_text()
    assert "A story for Zoë-Chloé N'Diaye" in PdfReader(en).pages[1].extract_text()
    assert "Fin" in PdfReader(fr).pages[CLOSING].extract_text()
    assert "Un livre écrit et illustré rien que pour" in PdfReader(fr).pages[CLOSING].extract_text()


def test_a_failed_build_leaves_no_book_under_the_real_name(tmp_path):
    req = BookRequest(child_name="Léa", child_age=5, theme="farm", language="fr", page_count=2, seed=1)
    story = OfflineGenerator(page_seconds=0).write_story(req)
    with pytest.raises(OSError):
        build_pdf(tmp_path / "book.pdf", req, story, [tmp_path / "missing-1.jpg", tmp_path / "missing-2.jpg"])
    assert not (tmp_path / "book.pdf").exists()


@pytest.mark.parametrize("font", [FONT, FONT_BOLD])
def test_a_long_hyphenated_name_breaks_after_a_hyphen_instead_of_running_off_the_page(font):
    register_fonts()
    width = TRIM / 2
    title = "Marie-Thérèse-Guillemette-Anne Dupont et l’étoile filante perdue"

    lines = wrap(title, font, 30, width)

    assert all(stringWidth(line, font, 30) <= width for line in lines), lines
    assert " ".join(lines).replace("- ", "-") == title


def test_the_streamed_pdf_is_the_file_reportlab_would_have_joined_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(rl_config, "invariant", 1)  # no timestamps or random ids, so two builds compare equal
    streamed = make_book(tmp_path)[0].read_bytes()
    monkeypatch.setattr(pdf, "streamed_output", lambda fh: contextlib.nullcontext())
    joined = make_book(tmp_path)[0].read_bytes()  # the same paths: reportlab names pictures after them

    assert streamed == joined
    assert pdfdoc.PDFFile.__name__ == "PDFFile"  # reportlab's own collector is back


def test_pictures_are_embedded_as_reportlab_would_but_read_only_when_written(tmp_path, monkeypatch):
    monkeypatch.setattr(rl_config, "invariant", 1)
    held = []
    draw_closing = pdf.draw_closing

    def closing_after_every_picture(canvas, *args):
        # Every picture is drawn by now and the PDF not yet written: no picture's bytes may be in memory.
        pictures = [obj for obj in canvas._doc.idToObject.values() if isinstance(obj, pdfdoc.PDFImageXObject)]
        held.extend((obj.path, obj.streamContent) for obj in pictures)
        draw_closing(canvas, *args)

    monkeypatch.setattr(pdf, "draw_closing", closing_after_every_picture)
    read_at_save = make_book(tmp_path)[0].read_bytes()
    monkeypatch.setattr(pdf, "JpegReadAtSave", pdfdoc.PDFImageXObject)  # reportlab's own: reads them when drawn
    monkeypatch.setattr(pdf, "draw_closing", draw_closing)
    read_when_drawn = make_book(tmp_path)[0].read_bytes()

    assert len(held) == 3  # the cover reuses page 1's picture
    assert all(path and content is None for path, content in held), held
    assert read_at_save == read_when_drawn
    assert pdfdoc.PDFImageXObject.__name__ == "PDFImageXObject"  # reportlab's own is back
