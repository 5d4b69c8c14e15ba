"""Adding a language is a .po file, the language in settings and the offline story templates: nothing else."""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

from generation.offline.languages import STORY_LANGUAGES
from generation.offline.themes import GENERIC, THEMES

ROOT = Path(settings.BASE_DIR)
LANGUAGE_CODES = [code for code, _ in settings.LANGUAGES]
SOURCE_LANGUAGE = "en"  # the msgids are English
# The offline story templates are the one place in code allowed to name languages.
TEMPLATES = {ROOT / "generation/offline/languages.py", ROOT / "generation/offline/themes.py"}


def po_entries(path: Path) -> list[dict]:
    """Parse a .po file into entries: msgid, msgid_plural, msgstr (or msgstr[n]) and flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": ""}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] = line
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
            elif line.startswith("msg"):
                key, _, value = line.partition(" ")
                entry[key] = ast.literal_eval(value)
        if entry.get("msgid"):
            entries.append(entry)
    return entries


def catalog_key(entry: dict) -> str:
    """The .mo file's key of an entry: its msgid, after its context and EOT when it has one (pgettext)."""
    return f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_every_language_has_a_catalog_with_every_message_translated(code):
    entries = po_entries(ROOT / f"locale/{code}/LC_MESSAGES/django.po")
    assert len(entries) > 50
    assert not [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    if code != SOURCE_LANGUAGE:
        assert not [e["msgid"] for e in entries if not all(translations(e))]


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_committed_mo_file_is_compiled_from_the_po_file(code):
    folder = ROOT / f"locale/{code}/LC_MESSAGES"
    with open(folder / "django.mo", "rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    for entry in po_entries(folder / "django.po"):
        if "msgid_plural" in entry:
            for index in range(2):
                assert catalog.get((entry["msgid"], index)) == entry[f"msgstr[{index}]"] or not entry["msgstr[0]"]
        elif entry["msgstr"]:
            assert catalog.get(catalog_key(entry)) == entry["msgstr"], entry["msgid"]


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_every_language_has_offline_story_templates_for_every_theme(code):
    assert code in STORY_LANGUAGES
    for theme in [*THEMES.values(), GENERIC]:
        assert theme.words[code].things, theme.key


def language_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in LANGUAGE_CODES
    ]


def test_no_code_outside_the_offline_templates_names_a_language():
    sources = [
        path
        for folder in ("orders", "generation")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts and path not in TEMPLATES
    ]
    assert len(sources) > 20
    assert [literal for path in sources for literal in language_literals(path)] == []
