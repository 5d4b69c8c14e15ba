"""How the hero looks, as the parent may describe it: closed lists of values, the one place they are defined.

The order form offers these choices (empty means "surprise me"), the order stores the chosen values, and the
generators receive only these enumerated values, never free text: the Google generator puts their English words in
the character description, the offline painter draws them with their colours.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Choice:
    value: str  # stored on the order and sent to the generators
    label: str  # shown to the parent (translated)
    words: str  # English words for a picture prompt
    rgb: tuple[int, int, int] | None = None  # the offline painter's colour, where the trait is a colour


SKIN_TONES = (
    Choice("light", pgettext_lazy("skin tone", "Light"), "light skin", (255, 224, 196)),
    Choice("fair", pgettext_lazy("skin tone", "Fair"), "fair skin", (241, 194, 158)),
    Choice("medium", pgettext_lazy("skin tone", "Medium"), "medium skin", (224, 172, 125)),
    Choice("tan", pgettext_lazy("skin tone", "Tan"), "tan skin", (198, 134, 90)),
    Choice("brown", pgettext_lazy("skin tone", "Brown"), "brown skin", (141, 85, 54)),
    Choice("dark", pgettext_lazy("skin tone", "Dark"), "dark brown skin", (98, 60, 38)),
)

HAIR_COLORS = (
    Choice("black", _("Black"), "black", (30, 30, 36)),
    Choice("dark_brown", _("Dark brown"), "dark brown", (40, 28, 20)),
    Choice("brown", _("Brown"), "brown", (92, 56, 30)),
    Choice("auburn", _("Auburn"), "auburn", (176, 112, 52)),
    Choice("blond", _("Blond"), "blond", (224, 184, 96)),
    Choice("red", _("Red"), "red", (196, 72, 36)),
)

HAIR_STYLES = (
    Choice("short", _("Short"), "short hair"),
    Choice("curly", _("Curly"), "curly hair"),
    Choice("coily", _("Afro"), "a round afro of coily hair"),
    Choice("long", _("Long"), "long straight hair down to the shoulders"),
    Choice("bunches", _("Bunches"), "hair in two bunches"),
    Choice("braids", _("Braids"), "hair in two braids"),
)

GLASSES = (
    Choice("yes", _("With glasses"), "round glasses"),
    Choice("no", _("No glasses"), "no glasses"),
)

TRAITS = {"skin_tone": SKIN_TONES, "hair_color": HAIR_COLORS, "hair_style": HAIR_STYLES, "glasses": GLASSES}


def choice(trait: str, value: str) -> Choice | None:
    """Return the Choice for `value` of `trait`, or None for "" ("surprise me"); an unknown value is a ValueError."""
    if not value:
        return None
    for option in TRAITS[trait]:
        if option.value == value:
            return option
    raise ValueError(f"{value!r} is not a {trait} of generation.appearance")


def form_choices(trait: str) -> list[tuple[str, str]]:
    """The (value, label) pairs of a trait for a form or a model field, "surprise me" excluded."""
    return [(option.value, option.label) for option in TRAITS[trait]]
