"""The offline story: the theme's vocabulary poured into the language's sentence patterns, shuffled by the order's seed.

Each page has a beat: what its picture shows (keys of the theme's vocabulary, which its text names), where it
happens (at home or in the theme's world) and the time of day, which only moves forward (morning to night).
The painter draws a page from its beat alone, so picture and text cannot drift apart.
"""

import random
from dataclasses import asdict, dataclass

from ..base import BookRequest, Story
from .hero import character_description
from .languages import ENGLISH, story_language
from .themes import Named, ThemeWords, theme_for

# The picture prompts are read by image models, which follow English best, whatever the book's language.
PROMPT_LANGUAGE = ENGLISH.code
TIMES = ("morning", "afternoon", "evening", "night")
HOME = "home"  # the drawing of the child's house and garden, where the book begins and ends


@dataclass(frozen=True)
class Beat:
    """What one page's picture shows, where and when."""

    shows: tuple[str, ...]  # drawings of the vocabulary, the companion included once introduced
    setting: str  # HOME or "world" (the theme's scenery)
    time: str  # one of TIMES

    @classmethod
    def from_dict(cls, data: dict) -> "Beat":
        return cls(shows=tuple(data["shows"]), setting=data["setting"], time=data["time"])


def theme_words(theme: str, language: str) -> ThemeWords:
    """Return the theme's words in `language` (the fallback language's for a language without templates)."""
    code = story_language(language).code
    return theme_for(theme).words[code]


def age_band(age: int) -> str:
    if age <= 4:
        return "young"
    if age <= 7:
        return "middle"
    return "older"


def time_of_page(index: int, page_count: int) -> str:
    """Morning on the first page, night on the last, the day going by in between; never backwards."""
    if index == 0:
        return TIMES[0]
    if index == page_count - 1:
        return TIMES[-1]
    return TIMES[min(2, (index - 1) * 3 // max(1, page_count - 2))]


def tails_on_page(index: int, pages: int, tails: int, most: int) -> int:
    """Spread the tails over the middle pages (a long book gets fewer per page), each used once at most."""
    if not pages:
        return 0
    return min(most, (index + 1) * tails // pages - index * tails // pages)


def page_order(words: ThemeWords, count: int, rng: random.Random) -> list[Named]:
    """The thing each middle page shows: every thing once in the seed's order, then again in the same order."""
    things = list(words.things)
    rng.shuffle(things)
    return [things[i % len(things)] for i in range(count)]


def compose_story(request: BookRequest) -> Story:
    """Compose the title, one text per page, each page's beat and the picture prompts from the theme's templates."""
    language = story_language(request.language)
    words = theme_words(request.theme, language.code)
    band = age_band(request.child_age)
    rng = random.Random(f"story:{request.seed}")
    fill = {
        "name": request.child_name,
        "age_phrase": language.age_phrase(request.child_age),
        "place": words.place,
        "start": words.start.phrase,
        "friend": words.friend.phrase,
        "friend_short": words.friend_short,
        "quest": words.quest.phrase,
    }
    opening = language.opening[band]
    friend_from = 0 if "{friend}" in opening else 1  # the companion is introduced before it is named
    middle = max(0, request.page_count - 2)
    things = page_order(words, middle, rng)
    leads = language.leads[band]
    offset = rng.randrange(len(leads))
    tails = list(language.tails[band])
    rng.shuffle(tails)

    def companion(index: int) -> tuple[str, ...]:
        return (words.friend.key,) if index >= friend_from else ()

    texts = [opening.format(**fill)]
    beats = [Beat((HOME, words.start.key, *companion(0)), HOME, TIMES[0])]
    for i, thing in enumerate(things):
        index = i + 1
        again = i >= len(words.things)
        # A thing met again is greeted as "the owl", and with another lead, so no sentence comes twice.
        lead = leads[(offset + i + i // len(words.things)) % len(leads)]
        named = language.definite(thing.phrase) if again else thing.phrase
        sentences = [language.introduce.format(**fill)] if index == friend_from else []
        sentences.append(lead.format(**fill, thing=named, thing_bare=language.definite(thing.phrase)))
        for _ in range(tails_on_page(i, len(things), len(language.tails[band]), language.tails_per_page[band])):
            sentences.append(tails.pop().format(**fill))
        texts.append(" ".join(sentences))
        beats.append(Beat((thing.key, *companion(index)), "world", time_of_page(index, request.page_count)))
    texts.append(language.ending[band].format(**fill))
    last = request.page_count - 1
    beats.append(Beat((HOME, words.quest.key, *companion(last)), HOME, TIMES[-1]))
    if request.page_count == 1:
        texts, beats = texts[:1], beats[:1]
    character = character_description(request)
    return Story(
        title=language.finish(words.title.format(name=request.child_name)),
        pages=[language.finish(text) for text in texts],
        illustration_prompts=picture_prompts(request, character, beats),
        character=character,
        extra={"generator": "offline", "beats": [asdict(beat) for beat in beats]},
    )


def story_beats(request: BookRequest, story: Story | None = None) -> list[Beat]:
    """Return each page's beat: from the story when it carries them, else composed again from the request."""
    beats = (story.extra.get("beats") if story else None) or compose_story(request).extra["beats"]
    return [Beat.from_dict(beat) for beat in beats]


def vocabulary_marks(theme: str, language: str) -> dict[str, str]:
    """Return, by drawing, the word a sentence naming it contains, in `language` (home included)."""
    language = story_language(language)
    words = theme_words(theme, language.code)
    return {HOME: language.home, **{named.key: named.mark for named in words.vocabulary()}}


def picture_prompts(request: BookRequest, character: str, beats: list[Beat]) -> list[str]:
    """Describe each page's picture in English, as the Google generator's prompts do."""
    words = theme_words(request.theme, PROMPT_LANGUAGE)
    said = {named.key: named.phrase for named in words.vocabulary()}
    said[words.start.key] = words.start.phrase
    prompts = []
    for index, beat in enumerate(beats):
        shown = ", ".join(said[key] for key in beat.shows if key in said)
        where = "at home" if beat.setting == HOME else f"in {words.place}"
        prompts.append(
            f"{character}, {where} in the {beat.time}, with {shown}. "
            f"Page {index + 1} of a children's picture book about {words.place}."
        )
    return prompts

