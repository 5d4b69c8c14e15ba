"""A test book for each theme in each language, drawn, built and rendered to PNG, and read as a parent would."""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from PIL import Image

from generation.base import BookRequest, Story
from generation.offline import OfflineGenerator
from generation.offline.elements import ELEMENTS
from generation.offline.generator import paint_cover, paint_page
from generation.offline.scenes import Picture
from generation.offline.story import HOME, TIMES, compose_story, story_beats, theme_words, vocabulary_marks
from generation.offline.themes import GENERIC, THEMES
from generation.pdf import build_pdf
from generation.pdf_pages import render_pages
from generation.pictures import save_jpeg

THEME_KEYS = [*THEMES, "a theme this generator does not know"]
LANGUAGES = ["fr", "en"]
BOOKS = [(theme, language) for theme in THEME_KEYS for language in LANGUAGES]
PNG_WIDTH = 96  # small: the suite stays fast, and a page is still a page


@dataclass
class Book:
    request: BookRequest
    story: Story
    pictures: list[Picture]  # each page's record of what was drawn (images closed once saved)
    pdf: Path
    pngs: list[Path]


def sentences(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"(?<=[.!?])\s+", text) if part.strip()]


@cache
def book(theme: str, language: str, tmp_root: Path) -> Book:
    """Draw and build an 8-page book (age 6) once per theme and language, and render every page to a small PNG."""
    folder = tmp_root / f"{theme[:12]}-{language}"
    folder.mkdir()
    request = BookRequest(child_name="Zoë", child_age=6, theme=theme, language=language, page_count=8, seed=11,
                          hair_style="long", glasses="yes")
    story = OfflineGenerator(page_seconds=0).write_story(request)
    pictures, paths = [], []
    for index in range(request.page_count):
        pic = paint_page(request, index, story)
        paths.append(folder / f"page-{index}.jpg")
        save_jpeg(pic.image, paths[-1])
        pic.image.close()
        pictures.append(pic)
    cover = paint_cover(request)
    save_jpeg(cover.image, folder / "cover.jpg")
    pdf = build_pdf(folder / "book.pdf", request, story, paths, cover=folder / "cover.jpg")
    pngs = []
    for index, image in enumerate(render_pages(pdf, range(request.page_count + 5), PNG_WIDTH)):
        pngs.append(folder / f"pdf-page-{index}.png")
        image.save(pngs[-1])
    return Book(request, story, pictures, pdf, pngs)


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("books")


@pytest.mark.parametrize(("theme", "language"), BOOKS)
def test_every_picture_shows_what_its_page_names(theme, language, tmp_root):
    made = book(theme, language, tmp_root)
    marks = vocabulary_marks(theme, language)
    for index, (text, pic) in enumerate(zip(made.story.pages, made.pictures, strict=True)):
        named = {key for key, mark in marks.items() if mark.lower() in text.lower()}
        assert named <= set(pic.drawn), (index, text, pic.drawn)
        assert "hero" in pic.drawn


@pytest.mark.parametrize(("theme", "language"), BOOKS)
def test_the_painter_draws_exactly_the_pages_beat(theme, language, tmp_root):
    made = book(theme, language, tmp_root)
    for beat, pic in zip(story_beats(made.request, made.story), made.pictures, strict=True):
        assert sorted(key for key in pic.drawn if key != "hero") == sorted(beat.shows)


@pytest.mark.parametrize(("theme", "language"), BOOKS)
def test_the_companion_is_introduced_before_it_is_named(theme, language, tmp_root):
    made = book(theme, language, tmp_root)
    friend = theme_words(theme, language).friend
    first = next(index for index, text in enumerate(made.story.pages) if friend.mark in text)
    assert friend.phrase in made.story.pages[first]
    assert all(friend.key not in pic.drawn for pic in made.pictures[:first])


@pytest.mark.parametrize(("theme", "language"), BOOKS)
def test_time_of_day_never_goes_backwards(theme, language, tmp_root):
    times = [TIMES.index(pic.time) for pic in book(theme, language, tmp_root).pictures]
    assert times == sorted(times)
    assert (times[0], times[-1]) == (0, len(TIMES) - 1)


@pytest.mark.parametrize(("theme", "language"), BOOKS)
def test_one_weather_and_palette_for_the_whole_book(theme, language, tmp_root):
    assert len({pic.world for pic in book(theme, language, tmp_root).pictures}) == 1


@pytest.mark.parametrize(("theme", "language"), BOOKS)
def test_every_page_of_the_book_renders_to_png(theme, language, tmp_root):
    made = book(theme, language, tmp_root)
    assert len(made.pngs) == made.request.page_count + 5  # cover, title, dedication, story, the end, back cover
    for png in made.pngs:
        with Image.open(png) as image:
            assert abs(image.width - PNG_WIDTH) <= 1  # PDFium rounds the scaled page up
            assert any(low != high for low, high in image.getextrema()), png  # something is printed on it


@pytest.mark.parametrize("theme", THEME_KEYS)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("age", [3, 6, 9])
@pytest.mark.parametrize("pages", [2, 3, 12, 24])
def test_no_sentence_comes_twice_in_a_book(theme, language, age, pages):
    request = BookRequest(child_name="Zoë", child_age=age, theme=theme, language=language, page_count=pages, seed=3)
    said = [sentence for page in compose_story(request).pages for sentence in sentences(page)]
    assert len(said) == len(set(said)), [s for s in said if said.count(s) > 1]


@pytest.mark.parametrize("theme", THEME_KEYS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_long_book_names_nothing_from_another_theme(theme, language):
    request = BookRequest(child_name="Zoë", child_age=9, theme=theme, language=language, page_count=24, seed=5)
    text = " ".join(compose_story(request).pages)
    own = {named.phrase for named in theme_words(theme, language).vocabulary()}
    others = {named.phrase for other in [*THEMES.values(), GENERIC] for named in other.words[language].things} - own
    assert not [phrase for phrase in others if phrase.split(" ", 1)[1] in text]


@pytest.mark.parametrize("theme", THEME_KEYS)
def test_every_word_of_a_theme_has_a_drawing_the_same_in_both_languages(theme):
    keys = {language: [named.key for named in theme_words(theme, language).vocabulary()] for language in LANGUAGES}
    assert keys["fr"] == keys["en"]
    assert set(keys["en"]) <= set(ELEMENTS)
    assert ELEMENTS[theme_words(theme, "en").friend.key].kind == "companion"


def test_the_cover_shows_the_hero_and_the_companion():
    request = BookRequest(child_name="Zoë", child_age=6, theme="jungle", language="fr", page_count=4, seed=2)
    assert sorted(paint_cover(request).drawn) == ["hero", "monkey"]


def test_the_book_starts_and_ends_at_home():
    request = BookRequest(child_name="Zoë", child_age=6, theme="space", language="en", page_count=5, seed=2)
    beats = story_beats(request)
    assert HOME in beats[0].shows and HOME in beats[-1].shows
    assert all(HOME not in beat.shows for beat in beats[1:-1])
