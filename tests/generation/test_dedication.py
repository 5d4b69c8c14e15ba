"""A dedication at its limit fits its page: every line drawn inside the margins, measured in the PDF itself."""

import pytest
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from generation import dedication
from generation.base import BookRequest, Story
from generation.offline import OfflineGenerator
from generation.pdf import FONT, PAGE, SAFE, build_pdf

LIMITS = {
    "many short lines": "\n".join(f"Ligne {n}" for n in range(dedication.MAX_LINES)),
    "one long word": "https://example.com/" + "a-very-long-path-without-spaces" * 8,
    "long lines": " ".join(["Pour Fọ̀láṣadé, avec tout notre amour,"] * 8),
}


def dedication_page_runs(pdf_path) -> list[tuple[str, float, float]]:
    """Return (text, x, y) of every text run on the dedication page (the third page)."""
    runs: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((text, tm[4] + cm[4], tm[5] + cm[5]))

    PdfReader(pdf_path).pages[2].extract_text(visitor_text=visit)
    return runs


@pytest.mark.parametrize("text", LIMITS.values(), ids=LIMITS.keys())
def test_a_dedication_at_its_limit_is_drawn_inside_the_page(tmp_path, text):
    assert dedication.fits(text)
    request = BookRequest(child_name="Zoë", child_age=5, theme="space", language="fr", page_count=2, dedication=text)
    generator = OfflineGenerator(page_seconds=0)
    story = generator.write_story(request)
    pictures = []
    for index in range(2):
        pictures.append(tmp_path / f"page-{index}.jpg")
        generator.illustrate_page(request, story, index, pictures[-1])
    pdf = build_pdf(tmp_path / "book.pdf", request, Story(**story.to_dict()), pictures)

    runs = [run for run in dedication_page_runs(pdf) if run[0].strip() != "♥"]
    assert len(runs) == len(dedication.lines(text))
    for line, x, y in runs:
        width = pdfmetrics.stringWidth(line, FONT, dedication.FONT_SIZE)
        assert SAFE <= x and x + width <= PAGE - SAFE, (line, x, width)
        assert SAFE <= y <= PAGE - SAFE - dedication.FONT_SIZE, (line, y)


def test_one_line_more_does_not_fit():
    assert not dedication.fits(LIMITS["many short lines"] + "\nUne de trop")
