import hashlib
import time

import pytest
from PIL import Image

from generation.base import BookRequest
from generation.offline import OfflineGenerator
from generation.offline.themes import THEMES
from tests.generation.offline import book_request as request


def picture(tmp_path, req: BookRequest, page: int, name: str = "p.jpg") -> bytes:
    out = tmp_path / name
    gen = OfflineGenerator(page_seconds=0)
    gen.illustrate_page(req, gen.write_story(req), page, out)
    return out.read_bytes()

def test_picture_is_a_1024_pixel_jpeg(tmp_path):
    picture(tmp_path, request(), 0)
    with Image.open(tmp_path / "p.jpg") as image:
        assert image.format == "JPEG"
        assert image.size == (1024, 1024)


def test_same_seed_and_page_draw_the_same_picture(tmp_path):
    assert picture(tmp_path, request(seed=9), 2, "a.jpg") == picture(tmp_path, request(seed=9), 2, "b.jpg")


def test_two_orders_get_different_pictures(tmp_path):
    first = hashlib.sha256(picture(tmp_path, request(seed=1), 1, "a.jpg")).hexdigest()
    second = hashlib.sha256(picture(tmp_path, request(seed=2), 1, "b.jpg")).hexdigest()
    assert first != second


def test_every_page_of_a_book_gets_a_different_picture(tmp_path):
    hashes = {hashlib.sha256(picture(tmp_path, request(), page, f"{page}.jpg")).digest() for page in range(6)}
    assert len(hashes) == 6


@pytest.mark.parametrize("theme", [*THEMES, "a theme this generator does not know"])
def test_every_theme_draws(tmp_path, theme):
    assert picture(tmp_path, request(theme=theme), 3)[:2] == b"\xff\xd8"


def test_offline_page_seconds_setting_delays_each_page(tmp_path, settings):
    settings.HERA_OFFLINE_PAGE_SECONDS = 0.3
    gen = OfflineGenerator()
    started = time.monotonic()
    gen.illustrate_page(request(), gen.write_story(request()), 0, tmp_path / "p.jpg")
    assert time.monotonic() - started >= 0.3
