from generation.glyphs import DRAWABLE_FILE, ranges_text, undrawable
from generation.pdf import font_codepoints


def test_the_ranges_file_lists_exactly_what_the_fonts_draw():
    assert DRAWABLE_FILE.read_text() == ranges_text(font_codepoints()), "run: python -m generation.glyphs"


def test_latin_names_with_accents_are_drawable():
    assert undrawable("Zoë-Chloé N’Diaye Ñuño Çağla") == []


def test_chinese_emoji_and_right_to_left_letters_are_named_once_each():
    assert undrawable("小明 🦄🦄 שלום") == ["小", "明", "🦄", "ש", "ל", "ו", "ם"]
