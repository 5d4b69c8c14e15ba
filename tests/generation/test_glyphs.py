import pytest

from generation.glyphs import DRAWABLE_FILE, ranges_text, undrawable
from generation.pdf import font_codepoints


def test_the_ranges_file_lists_exactly_what_the_fonts_draw():
    assert DRAWABLE_FILE.read_text() == ranges_text(font_codepoints()), "run: python -m generation.glyphs"


def test_latin_names_with_accents_are_drawable():
    assert undrawable("Zoë-Chloé N’Diaye Ñuño Çağla") == []


def test_chinese_emoji_and_right_to_left_letters_are_named_once_each():
    assert undrawable("小明 🦄🦄 שלום") == ["小", "明", "🦄", "ש", "ל", "ו", "ם"]


def test_the_widths_file_has_the_fonts_advances_and_measures_as_reportlab_does():
    from reportlab.pdfbase import pdfmetrics

    from generation.glyphs import WIDTHS_FILE, text_width, widths_text
    from generation.pdf import FONT, font_widths

    assert WIDTHS_FILE.read_text() == widths_text(font_widths()), "run: python -m generation.glyphs"
    for text in ("Zoë-Chloé N’Diaye", "Fọ̀láṣadé", "Анастасия", "WWWW iiii", "https://example.com/x"):
        assert text_width(text, 15) == pytest.approx(pdfmetrics.stringWidth(text, FONT, 15))
