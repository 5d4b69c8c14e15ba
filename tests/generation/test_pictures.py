from io import BytesIO

from PIL import Image

from generation.book import is_complete_jpeg
from generation.pictures import save_answer_as_jpeg, save_jpeg


def png_bytes(size: tuple[int, int], mode: str = "RGB") -> bytes:
    buffer = BytesIO()
    Image.new(mode, size, "orange").save(buffer, "PNG")
    return buffer.getvalue()


def test_answer_is_written_as_an_rgb_jpeg(tmp_path):
    assert save_answer_as_jpeg(png_bytes((1024, 1024), "RGBA"), tmp_path / "p.jpg") == (1024, 1024)
    with Image.open(tmp_path / "p.jpg") as image:
        assert (image.format, image.mode) == ("JPEG", "RGB")


def test_a_larger_answer_is_scaled_down_to_1024_pixels(tmp_path):
    assert save_answer_as_jpeg(png_bytes((2048, 1536)), tmp_path / "p.jpg") == (1024, 768)


def test_save_jpeg_leaves_only_the_finished_file(tmp_path):
    save_jpeg(Image.new("RGB", (64, 64), "blue"), tmp_path / "pages" / "p.jpg")
    assert [p.name for p in (tmp_path / "pages").iterdir()] == ["p.jpg"]


def test_a_jpeg_answer_with_trailing_padding_is_written_as_a_whole_jpeg(tmp_path):
    # Written as it came, it would end in padding and the build would refuse the page (is_complete_jpeg).
    buffer = BytesIO()
    Image.new("RGB", (64, 64), "green").save(buffer, "JPEG")
    assert save_answer_as_jpeg(buffer.getvalue() + b"\0" * 16, tmp_path / "p.jpg") == (64, 64)
    assert is_complete_jpeg(tmp_path / "p.jpg")
