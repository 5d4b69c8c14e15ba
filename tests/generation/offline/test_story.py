import pytest

from generation.offline import OfflineGenerator
from tests.generation.offline import book_request as request


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
