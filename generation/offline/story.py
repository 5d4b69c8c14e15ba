"""The offline story: the theme's words poured into the language's sentence patterns, shuffled by the order's seed."""

import dataclasses
import random

from ..base import BookRequest, Story
from .hero import character_description
from .languages import ENGLISH, story_language
from .themes import GENERIC, ThemeWords, theme_for

# The picture prompts are read by image models, which follow English best, whatever the book's language.
PROMPT_LANGUAGE = ENGLISH.code


def theme_words(theme: str, language: str) -> ThemeWords:
    """Return the theme's words in `language`, with the generic things appended so long books never run short."""
    code = story_language(language).code
    own = theme_for(theme).words.get(code) or GENERIC.words[code]
    generic = GENERIC.words[code].things
    return dataclasses.replace(own, things=own.things + tuple(t for t in generic if t not in own.things))


def age_band(age: int) -> str:
    if age <= 4:
        return "young"
    if age <= 7:
        return "middle"
    return "older"


def compose_story(request: BookRequest) -> Story:
    """Compose the title, one text per page and the picture prompts from the theme's templates."""
    language = story_language(request.language)
    words = theme_words(request.theme, language.code)
    band = age_band(request.child_age)
    rng = random.Random(f"story:{request.seed}")
    # The theme's own things come first, each list shuffled by the seed; the generic ones only lengthen long books.
    own = [t for t in words.things if t not in GENERIC.words[language.code].things]
    extra = [t for t in words.things if t not in own]
    rng.shuffle(own)
    rng.shuffle(extra)
    things = own + extra
    patterns = language.middle[band]
    offset = rng.randrange(len(patterns))
    fill = {
        "name": request.child_name,
        "age_phrase": language.age_phrase(request.child_age),
        "place": words.place,
        "start": words.start,
        "friend": words.friend,
        "friend_short": words.friend_short,
        "quest": words.quest,
    }
    texts = [language.opening[band].format(**fill)]
    scenes = ["opening"]
    for i in range(max(0, request.page_count - 2)):
        thing = things[i % len(things)]
        # Past the list of things, the pattern shifts so a repeated thing never repeats a sentence.
        pattern = patterns[(offset + i + i // len(things)) % len(patterns)]
        texts.append(pattern.format(**fill, thing=thing, thing_bare=language.definite(thing)))
        scenes.append(thing)
    texts.append(language.ending[band].format(**fill))
    scenes.append("ending")
    character = character_description(request)
    return Story(
        title=language.finish(words.title.format(name=request.child_name)),
        pages=[language.finish(text) for text in texts[: request.page_count]],
        illustration_prompts=picture_prompts(request, character),
        character=character,
        extra={"generator": "offline", "scenes": scenes[: request.page_count]},
    )


def picture_prompts(request: BookRequest, character: str) -> list[str]:
    """Describe each page's picture in English, as the Google generator's prompts do."""
    words = theme_words(request.theme, PROMPT_LANGUAGE)
    prompts = []
    for index in range(request.page_count):
        if index == 0:
            what = f"at home as {words.start}"
        elif index == request.page_count - 1:
            what = f"happily finding {words.quest}"
        else:
            what = f"meeting {words.things[index % len(words.things)]} in {words.place}"
        prompts.append(f"{character}, {what}. Page {index + 1} of a children's picture book about {words.place}.")
    return prompts

