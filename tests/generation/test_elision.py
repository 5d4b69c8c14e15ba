"""French elision before a first name: one rule (vowel, mute h, Y before a consonant) and the catalog's exceptions."""

import pytest
from django.utils import translation
from django.utils.safestring import SafeData, mark_safe

from generation.elision import elide_names

# (name, the French form after « de »)
NAMES = [
    ("Inès", "d’Inès"), ("Emma", "d’Emma"), ("Hélène", "d’Hélène"), ("Hugo", "d’Hugo"), ("Yves", "d’Yves"),
    ("Yanis", "de Yanis"), ("Yann", "de Yann"), ("Alice", "d’Alice"), ("Éloïse", "d’Éloïse"), ("Oscar", "d’Oscar"),
    ("Ugo", "d’Ugo"), ("Ambre", "d’Ambre"), ("Isaac", "d’Isaac"), ("Yvonne", "d’Yvonne"), ("Ysé", "d’Ysé"),
    ("Yasmine", "de Yasmine"), ("Youssef", "de Youssef"), ("Yohan", "de Yohan"), ("Léa", "de Léa"),
    ("Zoë", "de Zoë"), ("Hannah", "de Hannah"), ("Harry", "de Harry"), ("Hector", "d’Hector"),
    ("Ève", "d’Ève"), ("Œnone", "d’Œnone"), ("Anne-Sophie", "d’Anne-Sophie"), ("Ulysse", "d’Ulysse"),
    ("Noé", "de Noé"), ("Hamza", "de Hamza"), ("Iñaki", "d’Iñaki"), ("ÉLIOTT", "d’ÉLIOTT"), ("Jean", "de Jean"),
]


@pytest.mark.parametrize(("name", "expected"), NAMES, ids=[name for name, _ in NAMES])
def test_a_french_heading_elides_before_a_vowel_sound_only(name, expected):
    with translation.override("fr"):
        assert elide_names(f"Le livre de {name}", [name]) == f"Le livre {expected}"


def test_the_list_has_thirty_names_or_more():
    assert len(NAMES) >= 30


@pytest.mark.parametrize(("text", "expected"), [
    ("Il sait que Inès viendra.", "Il sait qu’Inès viendra."),
    ("Que Emma rêve !", "Qu’Emma rêve !"),
    ("De Inès, avec amour", "D’Inès, avec amour"),
    ("lorsque Alice chante", "lorsqu’Alice chante"),
])
def test_que_and_a_capital_elide_too(text, expected):
    name = "Inès" if "Inès" in text else "Emma" if "Emma" in text else "Alice"
    with translation.override("fr"):
        assert elide_names(text, [name]) == expected


def test_a_wrong_elision_written_beforehand_is_put_right():
    with translation.override("fr"):
        assert elide_names("Le voyage d’Yanis et d'Inès", ["Yanis", "Inès"]) == "Le voyage de Yanis et d’Inès"


def test_tags_between_the_word_and_the_name_are_kept_and_safe_text_stays_safe():
    html = mark_safe("le livre de <strong>Inès</strong>")
    with translation.override("fr"):
        result = elide_names(html, ["Inès"])
    assert result == "le livre d’<strong>Inès</strong>"
    assert isinstance(result, SafeData)


def test_only_the_word_before_the_name_changes():
    with translation.override("fr"):
        assert elide_names("de Emmanuel et de Emma", ["Emma"]) == "de Emmanuel et d’Emma"


def test_english_has_no_elision():
    with translation.override("en"):
        assert elide_names("a book de Inès", ["Inès"]) == "a book de Inès"


def test_every_french_message_uses_the_typographic_apostrophe():
    from tests.test_translations import ROOT, po_entries, translations

    entries = po_entries(ROOT / "locale/fr/LC_MESSAGES/django.po")
    assert [e["msgid"] for e in entries for text in translations(e) if "'" in text] == []
