"""The order form on the landing page: what a parent tells us, checked with messages a parent understands."""

import unicodedata
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from generation import appearance, dedication
from generation.glyphs import undrawable

from .models import MAX_AGE, MAX_PAGES, MIN_AGE, MIN_PAGES, Language, Order, Theme
from .payments import order_price_cents

NAME_MAX_LENGTH = 40
DEDICATION_MAX_LENGTH = 300
DEFAULT_PAGE_COUNT = 12
# Letters in any alphabet, plus the separators that appear in real first names (Zoë-Chloé, N'Diaye, Jean Paul).
NAME_SEPARATORS = frozenset(" -'’")


def price_display(cents: int) -> str:
    """Format a price in euros the way the active language writes it: 20,90 € or €20.90."""
    amount = number_format(Decimal(cents) / 100, decimal_pos=2, use_l10n=True)
    return gettext("€%(amount)s") % {"amount": amount}


def price_table() -> dict[int, str]:
    """Return the displayed price of every allowed page count, computed by the server's pricing."""
    return {pages: price_display(order_price_cents(pages)) for pages in range(MIN_PAGES, MAX_PAGES + 1)}


def name_is_valid(name: str) -> bool:
    """Return True when `name` holds only letters (with their combining accents), spaces, hyphens and apostrophes,
    and at least one letter."""
    previous = " "
    for ch in name:
        # A combining mark (Yoruba's ọ̀, kept apart by NFC) belongs to the letter before it, never to a separator.
        if not (ch in NAME_SEPARATORS or ch.isalpha() or (is_combining(ch) and previous not in NAME_SEPARATORS)):
            return False
        previous = ch
    return any(ch.isalpha() for ch in name)


def is_combining(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


# How the parent reads the name of a script the book cannot print yet, by the first word of Unicode's character names.
SCRIPT_NAMES = {
    "ARABIC": _("Arabic script"), "HEBREW": _("Hebrew script"), "CJK": _("Chinese characters"),
    "HIRAGANA": _("Japanese kana"), "KATAKANA": _("Japanese kana"), "HANGUL": _("Korean Hangul"),
    "DEVANAGARI": _("Devanagari script"), "BENGALI": _("Bengali script"), "TAMIL": _("Tamil script"),
    "THAI": _("Thai script"), "ETHIOPIC": _("Ethiopic script"), "SYRIAC": _("Syriac script"),
}


def script_names(characters: list[str]) -> list[str]:
    """Name, once each, the writing systems `characters` belong to ("Arabic script", "Chinese characters"…)."""
    names: list[str] = []
    for ch in characters:
        first_word = unicodedata.name(ch, "").split(" ")[0]
        name = str(SCRIPT_NAMES.get(first_word) or gettext("%(script)s script") % {"script": first_word.title()})
        if name not in names:
            names.append(name)
    return names


def whole_number_field(*, label, limits: tuple[int, int], help_text, required, invalid, out_of_range) -> forms.IntegerField:
    """Return an integer field between `limits` whose every error is said in the parent's words."""
    low, high = limits
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        error_messages={"required": required, "invalid": invalid, "min_value": out_of_range, "max_value": out_of_range},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def radio_choice_field(*, label, choices, required, invalid) -> forms.ChoiceField:
    """Return a required choice shown as radio buttons, refusing values outside `choices`."""
    return forms.ChoiceField(
        label=label,
        choices=choices,
        error_messages={"required": required, "invalid_choice": invalid},
        widget=forms.RadioSelect,
    )


class SwatchRadioSelect(forms.RadioSelect):
    """Radio buttons that show a trait's colour beside its name (plain radios without CSS; no JavaScript)."""

    def __init__(self, *args, colors: dict[str, tuple[int, int, int]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.colors = colors or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if rgb := self.colors.get(value):
            option["attrs"]["data-swatch"] = ""
            option["attrs"]["style"] = "--swatch: rgb({}, {}, {})".format(*rgb)
        return option


def look_field(trait: str, label) -> forms.ChoiceField:
    """Return an optional choice among a trait's closed list (generation/appearance.py); empty means "surprise me"."""
    options = appearance.TRAITS[trait]
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", _("Surprise me")), *appearance.form_choices(trait)],
        error_messages={"invalid_choice": _("Please choose one of the options offered, or “Surprise me”.")},
        widget=SwatchRadioSelect(colors={option.value: option.rgb for option in options if option.rgb}),
    )


LOOK_FIELDS = tuple(appearance.TRAITS)  # the hero's look, one field per trait of generation/appearance.py


class CustomerEmailField(forms.EmailField):
    """An email address we can deliver to: international domains welcome, an ASCII part before the @."""

    def run_validators(self, value):
        local, _, domain = (value or "").rpartition("@")
        if local and not local.isascii():
            # Django's SMTP path and Stripe's customer email accept only ASCII there (no SMTPUTF8).
            raise forms.ValidationError(self.error_messages["non_ascii_local"], code="non_ascii_local")
        super().run_validators(value)


class OrderForm(forms.ModelForm):
    email = CustomerEmailField(
        label=_("Your email"),
        max_length=254,
        help_text=_("We send the download link to this address."),
        error_messages={
            "required": _("Please enter your email address."),
            "invalid": _("Please enter a valid email address, like name@example.com."),
            "max_length": _("This email address is too long."),
            "non_ascii_local": _("Sorry, we cannot send email to an address with accents or other non-Latin "
                                 "letters before the @ (our email and payment services refuse it). Please use "
                                 "another address; accents after the @ are fine."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    child_name = forms.CharField(
        label=_("Your child's first name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("Latin, Greek or Cyrillic letters (accents welcome), spaces, hyphens and apostrophes: up to 40 "
                    "characters."),
        error_messages={
            "required": _("Please tell us your child's first name."),
            "max_length": _("The first name can be at most 40 characters long."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words", "spellcheck": "false"}),
    )
    child_age = whole_number_field(
        label=_("Age"),
        limits=(MIN_AGE, MAX_AGE),
        help_text=_("From 1 to 12 years old."),
        required=_("Please enter your child's age."),
        invalid=_("Please enter the age as a whole number, like 5."),
        out_of_range=_("The age must be between 1 and 12."),
    )
    theme = radio_choice_field(
        label=_("Story theme"),
        choices=Theme.choices,
        required=_("Please choose a theme for the story."),
        invalid=_("Please choose one of the themes offered."),
    )
    language = radio_choice_field(
        label=_("Language of the book"),
        choices=Language.choices,
        required=_("Please choose the language of the book."),
        invalid=_("Please choose French or English."),
    )
    page_count = whole_number_field(
        label=_("Number of pages"),
        limits=(MIN_PAGES, MAX_PAGES),
        help_text=_("From 2 to 24 illustrated pages."),
        required=_("Please choose the number of pages."),
        invalid=_("Please enter the number of pages as a whole number, like 12."),
        out_of_range=_("A book has between 2 and 24 pages."),
    )
    dedication = forms.CharField(
        label=_("Dedication (optional)"),
        required=False,
        max_length=DEDICATION_MAX_LENGTH,
        help_text=_("Printed on the first page. Up to 300 characters."),
        error_messages={"max_length": _("The dedication can be at most 300 characters long.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    skin_tone = look_field("skin_tone", _("Skin tone"))
    hair_color = look_field("hair_color", _("Hair colour"))
    hair_style = look_field("hair_style", _("Hairstyle"))
    glasses = look_field("glasses", _("Glasses"))

    class Meta:
        model = Order
        fields = ["email", "child_name", "child_age", "theme", "language", "page_count", "dedication", *LOOK_FIELDS]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels sit above their fields: no colon needed
        super().__init__(*args, **kwargs)
        current = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
        self.fields["language"].initial = current if current in Language.values else settings.LANGUAGE_CODE
        self.fields["page_count"].initial = DEFAULT_PAGE_COUNT

    def main_fields(self) -> list:
        return [field for field in self if field.name not in LOOK_FIELDS]

    def look_fields(self) -> list:
        """The hero's look: shown together, folded away until the parent opens it or chose something."""
        return [field for field in self if field.name in LOOK_FIELDS]

    def look_chosen(self) -> bool:
        return any(self[name].value() for name in LOOK_FIELDS) or any(self.errors.get(n) for n in LOOK_FIELDS)

    def clean_email(self) -> str:
        """Keep an international domain in its ASCII form (xn--…), which SMTP servers and Stripe all accept."""
        local, _, domain = self.cleaned_data["email"].rpartition("@")
        try:
            return f"{local}@{domain.encode('idna').decode('ascii')}"
        except UnicodeError:
            raise forms.ValidationError(self.fields["email"].error_messages["invalid"], code="invalid") from None

    def clean_child_name(self) -> str:
        # NFC first, so a name typed with combining accents (e + ◌́) counts as letters and as one character each.
        name = " ".join(unicodedata.normalize("NFC", self.cleaned_data["child_name"]).split())
        if not name:
            raise forms.ValidationError(_("Please tell us your child's first name."), code="required")
        if len(name) > NAME_MAX_LENGTH:
            raise forms.ValidationError(_("The first name can be at most 40 characters long."), code="max_length")
        if not name_is_valid(name):
            raise forms.ValidationError(
                _("The first name can only contain letters, spaces, hyphens and apostrophes."), code="invalid"
            )
        if missing := undrawable(name):
            raise forms.ValidationError(
                _("Sorry, the book cannot print %(scripts)s yet (%(characters)s). Please write the first name in "
                  "Latin letters."),
                code="unprintable",
                params={"characters": " ".join(missing), "scripts": ", ".join(script_names(missing))},
            )
        return name

    def clean_dedication(self) -> str:
        text = unicodedata.normalize("NFC", self.cleaned_data["dedication"].strip())
        if missing := undrawable(text):
            # Emoji above all: the book would print them as empty boxes.
            raise forms.ValidationError(
                _("Sorry, the book cannot print these characters yet: %(characters)s. Please remove them."),
                code="unprintable",
                params={"characters": " ".join(missing)},
            )
        if not dedication.fits(text):
            raise forms.ValidationError(
                _("The dedication does not fit on its page: it would take %(lines)d lines and the page holds "
                  "%(max)d. Please shorten it or use fewer line breaks."),
                code="too_long_for_page",
                params={"lines": len(dedication.lines(text)), "max": dedication.MAX_LINES},
            )
        return text

    def price_cents(self) -> int:
        """Return the price for the page count entered, or for the default one while it is not valid."""
        pages = self.cleaned_data.get("page_count") if self.is_bound and hasattr(self, "cleaned_data") else None
        return order_price_cents(pages or self.fields["page_count"].initial)
