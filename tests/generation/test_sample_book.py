from django.core.management import call_command
from PIL import Image


def test_sample_book_saves_the_cover_and_a_story_page_as_small_pngs(tmp_path):
    call_command("sample_book", out=tmp_path, width=120, page=3, language="en")
    for name in ("cover.png", "page.png"):
        with Image.open(tmp_path / name) as image:
            assert image.format == "PNG"
            assert abs(image.width - 120) <= 1
        assert (tmp_path / name).stat().st_size < 100_000
