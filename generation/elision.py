"""Elision before a first name ("de Inès" → "d’Inès", but "de Yanis"), one small rule driven by the catalog.

Which words elide, and into what, is a translation (a language without elision leaves it untranslated), and so is
the list of names that break the rule; so this module names no language. The rule itself: a name elides when it
starts with a vowel, with a mute h before a vowel (Hélène, Hugo), or with a Y sounded as a vowel, that is, before a
consonant (Yves, but not Yanis or Yann).
"""

import re
import unicodedata
from collections.abc import Iterable

from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import pgettext

VOWELS = frozenset("aeiouæœ")
ARROW = "→"


# The two catalog entries that carry the rule; a language that leaves them untranslated does not elide.
NOT_ELIDING_NAMES = "names that do not elide"


def eliding_words() -> dict[str, str]:
    """Return the active language's eliding words and their elided form: {"de": "d’", "que": "qu’"}."""
    # Translators: the words that drop their vowel before a first name starting with a vowel sound, as
    # word→elided pairs separated by spaces (French: "de→d’ De→D’ que→qu’ Que→Qu’"). Leave it untranslated in a
    # language without elision.
    rule = pgettext("elision", "words that elide before a name")
    pairs = (pair.split(ARROW, 1) for pair in rule.split() if ARROW in pair)
    return {word: elided for word, elided in pairs if word and elided}


def exceptions() -> frozenset[str]:
    """Return the first names that look elidable but are not (an aspirated h: Hannah, Harry…), without accents."""
    # Translators: first names that start with a vowel or a mute-looking h but do not elide, separated by spaces
    # (French: "Hannah Harry Hans Heidi…"). Leave it untranslated in a language without elision.
    names = pgettext("elision", "names that do not elide")
    return frozenset() if names == NOT_ELIDING_NAMES else frozenset(base_letters(name) for name in names.split())


def base_letters(word: str) -> str:
    """Return `word` lowercased without its accents: "Élise" → "elise"."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def sounds_like_a_vowel(name: str) -> bool:
    """Tell whether `name` starts with a vowel sound: a vowel, a mute h before a vowel, a Y before a consonant."""
    first_word = re.split(r"[\s\-’']", name.strip(), maxsplit=1)[0]
    letters = base_letters(first_word)
    if not letters or letters in exceptions():
        return False
    if letters[0] in VOWELS:
        return True
    if letters[0] == "h":
        return len(letters) > 1 and letters[1] in VOWELS | {"y"}
    if letters[0] == "y":
        return len(letters) > 1 and letters[1] not in VOWELS | {"y"}
    return False


def elide_names(text: str, names: Iterable[str]) -> str:
    """Write every eliding word before one of `names` as the active language wants it: "de Inès" → "d’Inès".

    A form elided wrongly beforehand ("d’Yanis", "d'Inès") is put right too. Tags between the word and the name
    (`de <strong>Inès</strong>`) are kept; a safe string stays safe (only words and apostrophes change).
    """
    words = eliding_words()
    if not words or not text:
        return text
    elided_back = {elided: word for word, elided in words.items()}
    forms = [*words, *elided_back, *(elided.replace("’", "'") for elided in elided_back)]
    alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    result = str(text)
    for name in {name for name in names if name}:
        pattern = re.compile(rf"(?<![\w’'])({alternatives})(\s?)((?:<[^>]*>)*)(?={re.escape(name)}(?!\w))")
        vowel = sounds_like_a_vowel(name)
        result = pattern.sub(lambda match, vowel=vowel: rewritten(match, words, elided_back, vowel), result)
    return mark_safe(result) if isinstance(text, SafeData) else result


def rewritten(match: re.Match, words: dict[str, str], elided_back: dict[str, str], vowel: bool) -> str:
    """Return the eliding word found before a name, elided or not as the name's first sound asks."""
    found, space, tags = match.groups()
    word = elided_back.get(found.replace("'", "’"), found)
    if found in words and not space:
        return match.group(0)  # glued to the name: not the word itself
    return (words[word] if vowel else f"{word} ") + tags
