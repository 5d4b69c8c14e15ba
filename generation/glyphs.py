"""Which characters the book can print, known without loading reportlab or the fonts (the web process checks names).

The ranges in fonts/drawable.txt are the characters both faces of the book's font have a glyph for;
`python -m generation.glyphs` rewrites them from the fonts, and tests/generation/test_glyphs.py checks they match.
"""

import functools
import unicodedata
from pathlib import Path

DRAWABLE_FILE = Path(__file__).resolve().parent / "fonts" / "drawable.txt"
# The regular face's advance widths, in font units (UNITS_PER_EM), as `XXXX-YYYY units` lines: text is measured as
# reportlab measures it (the sum of the advances, no kerning) without loading reportlab or the font.
WIDTHS_FILE = Path(__file__).resolve().parent / "fonts" / "widths.txt"
UNITS_PER_EM = 2048


@functools.cache
def drawable_codepoints() -> frozenset[int]:
    """Return the characters the book's font draws, from the ranges file."""
    codepoints: set[int] = set()
    for line in DRAWABLE_FILE.read_text().split():
        first, _, last = line.partition("-")
        codepoints.update(range(int(first, 16), int(last or first, 16) + 1))
    return frozenset(codepoints)


def undrawable(text: str) -> list[str]:
    """Return, once each, the characters of `text` the book would print as an empty box or backwards."""
    # No glyph in DejaVu Sans (emoji, Chinese…); reportlab lays text out left to right, without Arabic or Hebrew shaping.
    drawable = drawable_codepoints()
    missing: list[str] = []
    for ch in text:
        wrong = ord(ch) not in drawable or unicodedata.bidirectional(ch) in ("R", "AL")
        if wrong and not ch.isspace() and ch not in missing:
            missing.append(ch)
    return missing


@functools.cache
def advance_widths() -> dict[int, int]:
    """Return each drawable character's advance width in font units, from the widths file."""
    widths: dict[int, int] = {}
    for line in WIDTHS_FILE.read_text().splitlines():
        span, units = line.split()
        first, _, last = span.partition("-")
        for codepoint in range(int(first, 16), int(last or first, 16) + 1):
            widths[codepoint] = int(units)
    return widths


def text_width(text: str, size: float) -> float:
    """Return the width in points of `text` set in the book's regular face at `size` (as reportlab's stringWidth)."""
    widths = advance_widths()
    default = widths.get(0xFFFD, UNITS_PER_EM // 2)  # what an unknown character costs; forms refuse those anyway
    return sum(widths.get(ord(ch), default) for ch in text) * size / UNITS_PER_EM


def widths_text(widths: dict[int, int]) -> str:
    """Return `widths` as the widths file writes them: runs of consecutive characters of equal width."""
    runs: list[list[int]] = []
    for codepoint in sorted(widths):
        if runs and runs[-1][1] == codepoint - 1 and runs[-1][2] == widths[codepoint]:
            runs[-1][1] = codepoint
        else:
            runs.append([codepoint, codepoint, widths[codepoint]])
    return "".join(f"{a:04X} {w}\n" if a == b else f"{a:04X}-{b:04X} {w}\n" for a, b, w in runs)


def ranges_text(codepoints: frozenset[int]) -> str:
    """Return `codepoints` as the ranges file writes them: one `XXXX-YYYY` (or `XXXX`) per line."""
    ranges: list[list[int]] = []
    for codepoint in sorted(codepoints):
        if ranges and ranges[-1][1] == codepoint - 1:
            ranges[-1][1] = codepoint
        else:
            ranges.append([codepoint, codepoint])
    return "".join(f"{a:04X}\n" if a == b else f"{a:04X}-{b:04X}\n" for a, b in ranges)


if __name__ == "__main__":
    from generation.pdf import font_codepoints, font_widths

    DRAWABLE_FILE.write_text(ranges_text(font_codepoints()))
    WIDTHS_FILE.write_text(widths_text(font_widths()))
