import hashlib
import time

import pytest
from PIL import Image

from generation.base import BookRequest
from generation.offline import OfflineGenerator
from generation.offline.hero import character_description
from generation.offline.languages import FRENCH


def request(**overrides) -> BookRequest:
    fields = {"child_name": "Zoë", "child_age": 5, "theme": "space", "language": "fr", "page_count": 6, "seed": 1}
    fields.update(overrides)
    return BookRequest(**fields)


def picture(tmp_path, req: BookRequest, page: int, name: str = "p.jpg") -> bytes:
    out = tmp_path / name
    gen = OfflineGenerator(page_seconds=0)
    gen.illustrate_page(req, gen.write_story(req), page, out)
    return out.read_bytes()


def test_story_is_about_the_child_by_name():
    story = OfflineGenerator(page_seconds=0).write_story(request(child_name="Zoë-Chloé N'Diaye"))
    assert "Zoë-Chloé N'Diaye" in story.title
    assert "Zoë-Chloé N'Diaye" in story.pages[0]
    assert "Zoë-Chloé N'Diaye" in story.pages[-1]
    assert story.character.startswith("Zoë-Chloé N'Diaye")


@pytest.mark.parametrize("pages", [2, 7, 24])
def test_story_has_the_requested_number_of_different_pages(pages):
    story = OfflineGenerator(page_seconds=0).write_story(request(page_count=pages))
    assert len(story.pages) == pages
    assert len(story.illustration_prompts) == pages
    assert len(set(story.pages)) == pages


def test_story_is_written_in_french_for_a_french_order():
    story = OfflineGenerator(page_seconds=0).write_story(request(language="fr", theme="ocean"))
    assert story.pages[0].startswith("Voici Zoë")
    assert "coquillage" in story.title


def test_story_is_written_in_english_for_an_english_order():
    story = OfflineGenerator(page_seconds=0).write_story(request(language="en", theme="ocean"))
    assert story.pages[0].startswith("This is Zoë")
    assert story.title == "Zoë and the Singing Seashell"


def test_story_follows_the_theme():
    gen = OfflineGenerator(page_seconds=0)
    assert "dinosaures" in gen.write_story(request(theme="dinosaurs")).title
    assert "trésor" in gen.write_story(request(theme="pirates")).title


def test_unknown_theme_falls_back_to_a_generic_adventure():
    story = OfflineGenerator(page_seconds=0).write_story(request(theme="robots"))
    assert story.title == "La grande aventure de Zoë"


def test_young_children_get_shorter_sentences_than_older_ones():
    gen = OfflineGenerator(page_seconds=0)
    young = gen.write_story(request(child_age=3, page_count=10))
    older = gen.write_story(request(child_age=9, page_count=10))
    words = lambda story: sum(len(page.split()) for page in story.pages)  # noqa: E731
    assert words(young) * 2 < words(older)


def test_french_typography_elides_before_a_vowel_and_contracts_articles():
    assert FRENCH.finish("Le courage de Anna grandit à le soleil !") == "Le courage d’Anna grandit au soleil\u202f!"
    assert FRENCH.finish("la quête de Zoë") == "la quête de Zoë"


def test_character_description_is_fixed_by_the_seed():
    assert character_description(request(seed=5)) == character_description(request(seed=5, page_count=12))
    looks = {character_description(request(seed=seed)) for seed in range(10)}
    assert len(looks) > 1


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


@pytest.mark.parametrize("theme", ["space", "ocean", "forest", "dinosaurs", "pirates", "castle", "farm", "jungle", "x"])
def test_every_theme_draws(tmp_path, theme):
    assert picture(tmp_path, request(theme=theme), 3)[:2] == b"\xff\xd8"


def test_offline_page_seconds_setting_delays_each_page(tmp_path, settings):
    settings.HERA_OFFLINE_PAGE_SECONDS = 0.3
    gen = OfflineGenerator()
    started = time.monotonic()
    gen.illustrate_page(request(), gen.write_story(request()), 0, tmp_path / "p.jpg")
    assert time.monotonic() - started >= 0.3
