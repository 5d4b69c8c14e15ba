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
    introduce: str  # the companion's first appearance, on the first page after an opening that does not name it
    leads: dict[str, list[str]]  # a middle page's first sentence, naming the thing it shows
    tails: dict[str, list[str]]  # sentences that may follow a lead, each used at most once in a book
    tails_per_page: dict[str, int]  # how many tails follow a lead, while some are left
    ending: dict[str, str]
    home: str  # the word every ending says the child comes back to (the house drawn on the first and last pages)
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


def english_definite(thing: str) -> str:
    """Turn "an owl" into "the owl" for sentences that greet what was already seen."""
    for article in ("a ", "an "):
        if thing.startswith(article):
            return "the " + thing[len(article):]
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
    introduce="Au bout du chemin, {name} rencontre {friend}.",
    leads={
        "young": [
            "{name} voit {thing}.",
            "Oh, voici {thing} !",
            "{friend_short} montre {thing} à {name}.",
            "{name} dit bonjour à {thing_bare}.",
            "Regarde, {name} : {thing} !",
        ],
        "middle": [
            "{name} découvre {thing}.",
            "Sur le chemin, {friend_short} montre {thing} à {name}.",
            "Soudain, {name} aperçoit {thing}.",
            "Avec {friend_short}, {name} rencontre {thing}.",
            "Plus loin, {name} trouve {thing}.",
        ],
        "older": [
            "Au cœur de {place}, {name} découvre {thing}.",
            "Le chemin monte et descend, puis {name} aperçoit {thing}.",
            "Plus loin, {friend_short} montre {thing} à {name}.",
            "Personne n’avait encore vu {thing} de si près.",
            "Au détour d’un rocher, {name} et {friend_short} tombent sur {thing}.",
        ],
    },
    tails={
        "young": [],  # one short sentence a page
        "middle": [
            "Quelle surprise !", "Tout le monde rit.", "{name} fait un grand sourire.",
            "{name} et {friend_short} se tapent dans la main.", "{friend_short} applaudit.", "{name} n’a jamais rien vu d’aussi beau.",
            "{friend_short} saute de joie.", "Quelle belle journée !",
        ],
        "older": [
            "{friend_short} chuchote que c’est un indice.", "Le courage de {name} grandit à chaque pas.",
            "Il faut réfléchir vite : {name} a une idée brillante.", "{friend_short} n’en revient pas.",
            "Ensemble, ils observent, écoutent et comprennent un nouveau secret de {place}.",
            "{name} prend le temps de regarder chaque détail, car les vrais explorateurs sont patients.",
            "La quête ne fait que commencer, et {friend_short} chante de joie.",
            "{name} note tout dans un petit carnet.", "Le vent apporte une odeur d’aventure.",
            "{friend_short} propose de continuer un peu plus loin.",
        ],
    },
    tails_per_page={"young": 0, "middle": 1, "older": 2},
    ending={
        "young": "{name} trouve {quest}. Bravo, {name} ! Bonne nuit.",
        "middle": "Enfin, {name} trouve {quest}. De retour à la maison, {name} s’endort en souriant.",
        "older": "Enfin, {name} trouve {quest}, et c’est la fête dans {place}. Le soir, de retour à la maison, "
        "{name} s’endort en pensant déjà à la prochaine aventure.",
    },
    home="maison",
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
    introduce="At the end of the path, {name} meets {friend}.",
    leads={
        "young": [
            "{name} sees {thing}.",
            "Oh, here is {thing}!",
            "{friend_short} shows {name} {thing}.",
            "{name} says hello to {thing_bare}.",
            "Look, {name}: {thing}!",
        ],
        "middle": [
            "{name} finds {thing}.",
            "On the way, {friend_short} shows {name} {thing}.",
            "Suddenly, {name} spots {thing}.",
            "Together with {friend_short}, {name} meets {thing}.",
            "A little further on, {name} discovers {thing}.",
        ],
        "older": [
            "Deep in {place}, {name} discovers {thing}.",
            "The path goes up and down, and then {name} spots {thing}.",
            "Further on, {friend_short} shows {name} {thing}.",
            "Nobody has ever seen {thing} this close.",
            "Around a rock, {name} and {friend_short} come upon {thing}.",
        ],
    },
    tails={
        "young": [],  # one short sentence a page
        "middle": [
            "What a surprise!", "Everyone laughs.", "{name} smiles from ear to ear.",
            "{name} and {friend_short} high-five.", "{friend_short} claps.", "{name} has never seen anything so lovely.",
            "{friend_short} jumps for joy.", "What a day!",
        ],
        "older": [
            "{friend_short} whispers that it is a clue.", "With every step, {name} feels braver.",
            "There is no time to lose: {name} has a brilliant idea.", "{friend_short} can hardly believe it.",
            "Together they watch, listen and learn another secret of {place}.",
            "{name} takes the time to look at every detail, because real explorers are patient.",
            "The search has only just begun, and {friend_short} sings with joy.",
            "{name} writes everything down in a little notebook.", "The wind smells of adventure.",
            "{friend_short} suggests going a little further.",
        ],
    },
    tails_per_page={"young": 0, "middle": 1, "older": 2},
    ending={
        "young": "{name} finds {quest}. Well done, {name}! Good night.",
        "middle": "At last, {name} finds {quest}. Back home, {name} falls asleep smiling.",
        "older": "At last, {name} finds {quest}, and everyone in {place} celebrates. That night, back home, "
        "{name} falls asleep already dreaming of the next adventure.",
    },
    home="home",
    one_year="{age} year old",
    years="{age} years old",
    definite=english_definite,
)

STORY_LANGUAGES = {language.code: language for language in (FRENCH, ENGLISH)}
FALLBACK = ENGLISH  # for a language the offline templates do not cover yet


def story_language(code: str) -> StoryLanguage:
    """Return the templates for `code`, or the fallback's for a language without offline templates."""
    return STORY_LANGUAGES.get(code, FALLBACK)
