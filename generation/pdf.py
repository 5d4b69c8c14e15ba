"""The print-ready PDF: cover, title page, dedication, one full-bleed picture per story page, closing page, back cover.

Print-ready means every word in the bundled DejaVu faces, embedded (not even reportlab's default Helvetica is named),
the metadata set (title, author, creator, language) and every page with its trim and bleed boxes.

Memory is the point of this module: pictures are JPEG files drawn by path, so reportlab copies their compressed
bytes into the PDF without ever decoding them (no ImageReader, no PIL image), and the file is written to a temporary
name and then moved, so a crash never leaves a half-written book under the real name.
"""

import contextlib
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from django.utils import translation
from django.utils.translation import gettext
from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from . import dedication
from .base import BookRequest, Story

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "HeraSans"
FONT_BOLD = "HeraSans-Bold"

TRIM = 200 * mm  # a square picture book, 20 cm
BLEED = 3 * mm  # printers trim 3 mm of picture off each edge
PAGE = TRIM + 2 * BLEED
SAFE = BLEED + 12 * mm  # text stays this far from the paper's edge

INK = HexColor("#2b2d42")
ACCENT = HexColor("#e76f51")
PAPER = HexColor("#fff8ef")
CREATOR = "Hera"



def book_words(request: BookRequest) -> dict[str, str]:
    """Return the book's own words (title page, default dedication, closing page) in the book's language."""
    name = {"name": request.child_name}
    with translation.override(request.language):
        return {
            "for": gettext("A story for %(name)s") % name,
            "dedication": gettext(
                "For %(name)s, who makes every day brighter.\nMay your dreams be as big as your adventures, "
                "and may this book keep you company for a long time."
            ) % name,
            "the_end": gettext("The End"),
            "made_for": gettext("A book written and illustrated just for %(name)s.") % name,
            "brand": gettext("Hera · personalised books"),
            "blurb": gettext(
                "From morning until bedtime, a great adventure is waiting for %(name)s. A picture book written and "
                "illustrated for one child only, with %(name)s on every page."
            ) % name,
        }


def register_fonts() -> None:
    """Register the shipped DejaVu Sans faces once, so every name renders (accents, ñ, ü, ç, apostrophes)."""
    registered = pdfmetrics.getRegisteredFontNames()
    for name, filename in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / filename)))


def font_codepoints() -> frozenset[int]:
    """Return the characters both faces of the book's font have a glyph for (generation.glyphs keeps a copy)."""
    register_fonts()
    regular, bold = (pdfmetrics.getFont(name).face.charToGlyph for name in (FONT, FONT_BOLD))
    return frozenset(regular).intersection(bold)


def font_widths() -> dict[int, int]:
    """Return the regular face's advance widths in font units, for the drawable characters (generation.glyphs)."""
    from .glyphs import UNITS_PER_EM

    register_fonts()
    widths = pdfmetrics.getFont(FONT).face.charWidths
    return {code: round(widths[code] * UNITS_PER_EM / 1000) for code in font_codepoints() if code in widths}


class JpegReadAtSave(pdfdoc.PDFImageXObject):
    """A picture drawn by the path of a JPEG file, whose bytes are read from the file only when the PDF is written.

    reportlab's own image object reads the whole file when the picture is drawn and keeps the bytes until `save()`:
    every picture of the book at once (24 × 0.5 MB with 2K answers). This one reads the file when it is drawn, for
    its size and colours, lets the bytes go, and reads them again when it is written: one picture at a time.
    """

    def __init__(self, name, source=None, mask=None):
        super().__init__(name, source, mask)
        # Only a JPEG file embedded byte for byte (DCTDecode alone, no ASCII85) can be read again when written.
        self.path = source if isinstance(source, str) and self._filters == ("DCTDecode",) else None
        if self.path:
            self.streamContent = None

    def format(self, document) -> bytes:
        if not self.path:
            return super().format(document)
        with open(self.path, "rb") as fh:
            self.streamContent = fh.read()
        try:
            return super().format(document)
        finally:
            self.streamContent = None


@contextlib.contextmanager
def jpegs_read_at_save() -> Iterator[None]:
    """Embed JPEG files as they are (no ASCII85: 25 % less memory and file size), read only when written."""
    previous = rl_config.useA85, pdfdoc.PDFImageXObject
    rl_config.useA85 = 0
    pdfdoc.PDFImageXObject = JpegReadAtSave
    try:
        yield
    finally:
        rl_config.useA85, pdfdoc.PDFImageXObject = previous


@contextlib.contextmanager
def streamed_output(fh: BinaryIO) -> Iterator[None]:
    """Make reportlab write each PDF object to `fh` as soon as it is formatted.

    reportlab 5 (pdfdoc.PDFDocument.format) collects every formatted object in a PDFFile, then joins them and writes
    the result: with 2K pictures embedded as they came, that held the pictures three times over at the end (stored,
    formatted, joined). Streamed, they are held once (bench/memory.py, bench/generation.py).
    """

    class StreamedPDFFile(pdfdoc.PDFFile):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)  # collects the header, written just below
            for chunk in self.strings:
                fh.write(chunk)
            self.strings = []
            self.write = fh.write

        def format(self, document) -> bytes:
            return b""  # everything was written already

    previous = pdfdoc.PDFFile
    pdfdoc.PDFFile = StreamedPDFFile
    try:
        yield
    finally:
        pdfdoc.PDFFile = previous


def build_pdf(
    out_path: Path, request: BookRequest, story: Story, pictures: Sequence[Path], cover: Path | None = None
) -> Path:
    """Write the book to `out_path` (through a temporary name) from the story and one JPEG path per page.

    `cover` is a picture drawn for the cover; without one, the cover shows the first page's picture.
    """
    if len(pictures) != len(story.pages):
        raise ValueError(f"{len(story.pages)} pages of text but {len(pictures)} pictures.")
    register_fonts()
    out_path = Path(out_path)
    partial = out_path.with_name(out_path.name + ".part")
    words = book_words(request)
    with jpegs_read_at_save(), open(partial, "wb") as fh:
        # The initial font is named in every page's preamble: the default would be Helvetica, which is not embedded.
        canvas = Canvas(fh, pagesize=(PAGE, PAGE), pageCompression=1, initialFontName=FONT, lang=request.language)
        canvas.setTitle(story.title)
        canvas.setAuthor(CREATOR)
        canvas.setCreator(CREATOR)
        canvas.setSubject(words["for"])
        canvas.setTrimBox((BLEED, BLEED, BLEED + TRIM, BLEED + TRIM))
        canvas.setBleedBox((0, 0, PAGE, PAGE))
        cover = cover or (pictures[0] if pictures else None)
        draw_cover(canvas, story, request, cover)
        draw_title_page(canvas, story, request, words)
        draw_dedication(canvas, request, words)
        for number, (text, picture) in enumerate(zip(story.pages, pictures, strict=True), start=1):
            draw_story_page(canvas, text, Path(picture), number)
        draw_closing(canvas, request, words)
        draw_back_cover(canvas, words)
        with streamed_output(fh):
            canvas.save()
    os.replace(partial, out_path)
    return out_path


def draw_cover(canvas: Canvas, story: Story, request: BookRequest, picture: Path | None) -> None:
    """The picture edge to edge, the title on an opaque band across the top that nothing shows through."""
    if picture:
        full_bleed(canvas, picture)
    else:
        fill_page(canvas, PAPER)
    lines = wrap(story.title, FONT_BOLD, 30, TRIM - 2 * (SAFE - BLEED))
    band_h = (SAFE - BLEED) + len(lines) * 38 + 44
    canvas.setFillColor(PAPER)
    canvas.rect(0, PAGE - BLEED - band_h, PAGE, band_h + BLEED, stroke=0, fill=1)  # through the bleed: no gap on top
    canvas.setFillColor(ACCENT)
    canvas.rect(0, PAGE - BLEED - band_h - 2 * mm, PAGE, 2 * mm, stroke=0, fill=1)
    canvas.setFillColor(INK)
    y = PAGE - SAFE - 26
    for line in lines:
        canvas.setFont(FONT_BOLD, 30)
        canvas.drawCentredString(PAGE / 2, y, line)
        y -= 38
    canvas.setFillColor(ACCENT)
    canvas.setFont(FONT, 17)
    canvas.drawCentredString(PAGE / 2, y + 6, request.child_name)
    canvas.showPage()


def draw_title_page(canvas: Canvas, story: Story, request: BookRequest, words: dict) -> None:
    fill_page(canvas, PAPER)
    canvas.setFillColor(INK)
    y = PAGE / 2 + 60
    for line in wrap(story.title, FONT_BOLD, 26, TRIM - 2 * (SAFE - BLEED)):
        canvas.setFont(FONT_BOLD, 26)
        canvas.drawCentredString(PAGE / 2, y, line)
        y -= 34
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(2)
    canvas.line(PAGE / 2 - 40 * mm, y, PAGE / 2 + 40 * mm, y)
    canvas.setFillColor(ACCENT)
    canvas.setFont(FONT, 16)
    canvas.drawCentredString(PAGE / 2, y - 32, words["for"])
    canvas.setFillColor(INK)
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(PAGE / 2, SAFE, words["brand"])
    canvas.showPage()


def draw_dedication(canvas: Canvas, request: BookRequest, words: dict) -> None:
    fill_page(canvas, PAPER)
    text = request.dedication.strip() or words["dedication"]
    # The form refuses a dedication that does not fit (dedication.fits); one typed in before that rule is cut.
    lines = dedication.lines(text)[: dedication.MAX_LINES]
    y = PAGE / 2 + len(lines) * dedication.LEADING / 2
    canvas.setFillColor(INK)
    canvas.setFont(FONT, dedication.FONT_SIZE)
    for line in lines:
        canvas.drawCentredString(PAGE / 2, y, line)
        y -= dedication.LEADING
    canvas.setFillColor(ACCENT)
    canvas.setFont(FONT_BOLD, 18)
    canvas.drawCentredString(PAGE / 2, y - 20, "♥")
    canvas.showPage()


def draw_story_page(canvas: Canvas, text: str, picture: Path, number: int) -> None:
    """Draw the picture edge to edge, then the text on an opaque panel at the bottom, the page number under it."""
    full_bleed(canvas, picture)
    size = 17 if len(text) < 160 else 14 if len(text) < 320 else 12
    width = TRIM - 2 * (SAFE - BLEED) - 12 * mm
    lines = wrap(text, FONT, size, width)
    leading = size * 1.35
    number_room = 12 * mm
    band_h = len(lines) * leading + 12 * mm + number_room
    panel(canvas, SAFE - 6 * mm, SAFE - 6 * mm, PAGE - 2 * (SAFE - 6 * mm), band_h)
    canvas.setFillColor(INK)
    canvas.setFont(FONT, size)
    y = SAFE - 6 * mm + band_h - 7 * mm - size * 0.8
    for line in lines:
        canvas.drawCentredString(PAGE / 2, y, line)
        y -= leading
    page_number(canvas, number, PAGE / 2, SAFE - 6 * mm + number_room / 2 + 1 * mm)
    canvas.showPage()


def page_number(canvas: Canvas, number: int, x: float, y: float) -> None:
    """A number a child can read: 14 pt bold, white in an orange disc."""
    canvas.setFillColor(ACCENT)
    canvas.circle(x, y, 4.5 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(FONT_BOLD, 14)
    canvas.drawCentredString(x, y - 5, str(number))


def draw_closing(canvas: Canvas, request: BookRequest, words: dict) -> None:
    fill_page(canvas, PAPER)
    canvas.setFillColor(ACCENT)
    canvas.setFont(FONT_BOLD, 40)
    canvas.drawCentredString(PAGE / 2, PAGE / 2 + 20, words["the_end"])
    canvas.setFillColor(INK)
    canvas.setFont(FONT, 13)
    for i, line in enumerate(wrap(words["made_for"], FONT, 13, TRIM * 0.7)):
        canvas.drawCentredString(PAGE / 2, PAGE / 2 - 24 - i * 18, line)
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(PAGE / 2, SAFE, words["brand"])
    canvas.showPage()


def draw_back_cover(canvas: Canvas, words: dict) -> None:
    """The back cover: a short blurb and the shop's name."""
    fill_page(canvas, ACCENT)
    panel(canvas, SAFE, PAGE / 2 - 30 * mm, PAGE - 2 * SAFE, 70 * mm)
    canvas.setFillColor(INK)
    lines = wrap(words["blurb"], FONT, 15, PAGE - 2 * SAFE - 20 * mm)
    y = PAGE / 2 + 5 * mm + (len(lines) - 1) * 21 / 2 - 5  # centred on the panel
    for line in lines:
        canvas.setFont(FONT, 15)
        canvas.drawCentredString(PAGE / 2, y, line)
        y -= 21
    canvas.setFillColor(white)
    canvas.setFont(FONT_BOLD, 34)
    canvas.drawCentredString(PAGE / 2, SAFE + 14 * mm, CREATOR)
    canvas.setFont(FONT, 10)
    canvas.drawCentredString(PAGE / 2, SAFE + 6 * mm, words["brand"])
    canvas.showPage()


def full_bleed(canvas: Canvas, picture: Path) -> None:
    # By path: reportlab embeds the JPEG's own bytes (DCTDecode) without decoding the picture.
    canvas.drawImage(str(picture), 0, 0, width=PAGE, height=PAGE)


def fill_page(canvas: Canvas, colour: Color) -> None:
    canvas.setFillColor(colour)
    canvas.rect(0, 0, PAGE, PAGE, stroke=0, fill=1)


def panel(canvas: Canvas, x: float, y: float, w: float, h: float) -> None:
    """An opaque panel for text: nothing of the picture behind shows through the words."""
    canvas.setFillColor(PAPER)
    canvas.roundRect(x, y, w, h, 5 * mm, stroke=0, fill=1)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Split `text` into lines of at most `width`, breaking after a hyphen when a word alone is wider."""
    lines = simpleSplit(text, font, size, width)
    if all(pdfmetrics.stringWidth(line, font, size) <= width for line in lines):
        return lines
    # A long hyphenated first name (Marie-Thérèse-Guillemette) would run off the page in one piece.
    lines, line = [], ""
    for word in text.split():
        for index, piece in enumerate(re.findall(r"[^-]+-*|-+", word)):
            candidate = line + piece if index or not line else f"{line} {piece}"
            if line and pdfmetrics.stringWidth(candidate, font, size) > width:
                lines.append(line)
                line = piece
            else:
                line = candidate
    return [*lines, line] if line else lines
