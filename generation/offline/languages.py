"""The offline story's templates per language: sentence patterns by age band, the age phrase, the typography.

Adding a language to the offline generator means one StoryLanguage here and the theme words in that language
(generation/offline/themes.py). French sentences avoid gendered agreement (present tense, no participle after
« être ») because the order does not say whether the child is a girl or a boy; the child is named, never referred
to by a pronoun.
"""

from collections.abc import Callable
from dataclasses import dataclass


def unchanged(text: str) -> str:
    return text


@dataclass(frozen=True)
class StoryLanguage:
    """How stories are told in one language; patterns are keyed by age band (see story.age_band)."""

    code: str
    opening: dict[str, str]
    middle: dict[str, list[str]]
    ending: dict[str, str]
    one_year: str  # "{age} an", completing « Voici Léa, 1 an »
    years: str
    finish: Callable[[str], str] = unchanged  # the language's typography, applied to every finished sentence
    definite: Callable[[str], str] = unchanged  # "a hedgehog" → "the hedgehog", for things already met

    def age_phrase(self, age: int) -> str:
        return (self.one_year if age == 1 else self.years).format(age=age)


FRENCH_VOWELS = set("aeiouyàâäéèêëîïôöùûüÿæœAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÆŒ")


def elide(text: str) -> str:
    """Apply French elision before a vowel: « de Anna » → « d’Anna », « que Élise » → « qu’Élise »."""
    words = text.split(" ")
    out: list[str] = []
    for word in words:
        previous = out[-1] if out else None
        if word and word[0] in FRENCH_VOWELS and previous in ("de", "De", "que", "Que", "le", "la", "Le", "La"):
            out[-1] = {"de": "d’", "De": "D’", "que": "qu’", "Que": "Qu’"}.get(previous, previous[0] + "’") + word
            continue
        out.append(word)
    return " ".join(out)


def contract_a(text: str) -> str:
    """Contract French « à le », « de les »… into « au », « des »…"""
    for before, after in ((" à le ", " au "), (" à les ", " aux "), (" de le ", " du "), (" de les ", " des ")):
        text = text.replace(before, after)
    return text


def french_definite(thing: str) -> str:
    """Turn « un hibou » into « le hibou » for sentences that greet what was already seen."""
    for article, definite in (("un ", "le "), ("une ", "la "), ("des ", "les ")):
        if thing.startswith(article):
            return definite + thing[len(article):]
    return thing


def french_typography(text: str) -> str:
    """Apply elision, contractions and narrow non-breaking spaces before « ! ? : ; »."""
    text = contract_a(elide(text))
    for mark in ("!", "?", ":", ";"):
        text = text.replace(f" {mark}", f"\u202f{mark}")
    return text


FRENCH = StoryLanguage(
    code="fr",
    opening={
        "young": "Voici {name}. Un jour, {start} !",
        "middle": "Voici {name}, {age_phrase}. Un beau matin, {start}.",
        "older": "Voici {name}, {age_phrase}, qui rêve d’aventures. Un beau matin, {start}, "
        "et {friend}, en sort pour demander de l’aide.",
    },
    middle={
        "young": [
            "{name} voit {thing}.",
            "Oh ! Voici {thing}.",
            "{friend_short} montre {thing} à {name}.",
            "{name} dit bonjour à {thing_bare}.",
            "Regarde, {name} : {thing} !",
        ],
        "middle": [
            "{name} découvre {thing}. Quelle surprise !",
            "Sur le chemin, {friend_short} montre {thing} à {name}. Tout le monde rit.",
            "Soudain, {name} aperçoit {thing}. {name} fait un grand sourire.",
            "Avec {friend_short}, {name} rencontre {thing}. C’est le début d’une amitié.",
            "Plus loin, {name} trouve {thing}. {friend_short} applaudit.",
        ],
        "older": [
            "Au cœur de {place}, {name} découvre {thing}. {friend_short} chuchote que c’est un indice "
            "pour trouver {quest}. Le courage de {name} grandit à chaque pas.",
            "Le chemin monte et descend, puis {name} aperçoit {thing}. Il faut réfléchir vite : "
            "{name} a une idée brillante. {friend_short} n’en revient pas.",
            "Plus loin, {friend_short} montre {thing} à {name}. Ensemble, ils observent, écoutent et "
            "comprennent un nouveau secret de {place}.",
            "Personne n’avait encore vu {thing}. {name} prend le temps de regarder chaque détail, "
            "car les vrais explorateurs sont patients.",
            "Grâce à {thing}, {name} avance encore. La quête de {quest} ne fait que commencer, "
            "et {friend_short} chante de joie.",
        ],
    },
    ending={
        "young": "{name} trouve {quest}. Bravo, {name} ! Bonne nuit.",
        "middle": "Enfin, {name} trouve {quest}. De retour à la maison, {name} s’endort en souriant.",
        "older": "Enfin, {name} trouve {quest}, et c’est la fête dans {place}. Le soir, de retour à la maison, "
        "{name} s’endort en pensant déjà à la prochaine aventure.",
    },
    one_year="{age} an",
    years="{age} ans",
    finish=french_typography,
    definite=french_definite,
)

ENGLISH = StoryLanguage(
    code="en",
    opening={
        "young": "This is {name}. One day, {start}!",
        "middle": "This is {name}, {age_phrase}. One fine morning, {start}.",
        "older": "This is {name}, {age_phrase}, who dreams of adventures. One fine morning, {start}, "
        "and out comes {friend}, asking for help.",
    },
    middle={
        "young": [
            "{name} sees {thing}.",
            "Oh! Here is {thing}.",
            "{friend_short} shows {name} {thing}.",
            "{name} says hello to {thing}.",
            "Look, {name}: {thing}!",
        ],
        "middle": [
            "{name} finds {thing}. What a surprise!",
            "On the way, {friend_short} shows {name} {thing}. Everyone laughs.",
            "Suddenly, {name} spots {thing}. {name} smiles from ear to ear.",
            "Together with {friend_short}, {name} meets {thing}. A new friendship begins.",
            "A little further on, {name} discovers {thing}. {friend_short} claps.",
        ],
        "older": [
            "Deep in {place}, {name} discovers {thing}. {friend_short} whispers that it is a clue to "
            "{quest}. With every step, {name} feels braver.",
            "The path goes up and down, and then {name} spots {thing}. There is no time to lose: "
            "{name} has a brilliant idea. {friend_short} can hardly believe it.",
            "Further on, {friend_short} shows {name} {thing}. Together they watch, listen and learn "
            "another secret of {place}.",
            "Nobody has ever seen {thing} before. {name} takes the time to look at every detail, "
            "because real explorers are patient.",
            "Thanks to {thing}, {name} keeps going. The search for {quest} has only just begun, "
            "and {friend_short} sings with joy.",
        ],
    },
    ending={
        "young": "{name} finds {quest}. Well done, {name}! Good night.",
        "middle": "At last, {name} finds {quest}. Back home, {name} falls asleep smiling.",
        "older": "At last, {name} finds {quest}, and everyone in {place} celebrates. That night, back home, "
        "{name} falls asleep already dreaming of the next adventure.",
    },
    one_year="{age} year old",
    years="{age} years old",
)

STORY_LANGUAGES = {language.code: language for language in (FRENCH, ENGLISH)}
FALLBACK = ENGLISH  # for a language the offline templates do not cover yet


def story_language(code: str) -> StoryLanguage:
    """Return the templates for `code`, or the fallback's for a language without offline templates."""
    return STORY_LANGUAGES.get(code, FALLBACK)
