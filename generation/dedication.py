"""The dedication page's text: lines measured with the book's font, long words broken, and how many lines fit.

The order form asks `fits()` before payment, and generation/pdf.py draws `lines()`: one measure for both, taken from
generation.glyphs' width table, so the web process never loads reportlab or the font.
"""

from .glyphs import text_width

POINTS_PER_MM = 72 / 25.4
FONT_SIZE = 15
LEADING = 22
WIDTH = 200 * POINTS_PER_MM * 0.62  # 62 % of the 20 cm trim, centred
# The page holds up to 20 lines with the heart under them inside the margins; 16 keeps the page airy.
MAX_LINES = 16


def lines(text: str) -> list[str]:
    """Return the dedication as drawn: each paragraph wrapped to WIDTH, a word wider than the line broken in pieces."""
    result: list[str] = []
    for paragraph in text.strip().splitlines():
        result.extend(wrap(paragraph) or [""])
    return result


def fits(text: str) -> bool:
    return len(lines(text)) <= MAX_LINES


def wrap(paragraph: str) -> list[str]:
    out: list[str] = []
    line = ""
    for word in paragraph.split():
        for piece in pieces(word):
            candidate = f"{line} {piece}" if line and not line.endswith("-") else line + piece
            if line and text_width(candidate, FONT_SIZE) > WIDTH:
                out.append(line)
                line = piece
            else:
                line = candidate
    return [*out, line] if line else out


def pieces(word: str) -> list[str]:
    """Split a word wider than a line: after its hyphens first, then wherever the line is full (a URL)."""
    if text_width(word, FONT_SIZE) <= WIDTH:
        return [word]
    result: list[str] = []
    for part in word.replace("-", "-\n").split("\n"):
        while text_width(part, FONT_SIZE) > WIDTH:
            cut = len(part) - 1
            while cut > 1 and text_width(part[:cut], FONT_SIZE) > WIDTH:
                cut -= 1
            result.append(part[:cut])
            part = part[cut:]
        if part:
            result.append(part)
    return result
