"""Make an offline book and save two of its pages as small PNGs (the README shows them): `make sample-book`."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from generation.base import BookRequest
from generation.offline import OfflineGenerator
from generation.offline.themes import THEMES
from generation.pdf import build_pdf
from generation.pdf_pages import render_pages

SAMPLES = Path(settings.BASE_DIR) / "generation" / "offline" / "samples"
FRONT_MATTER = 3  # cover, title page, dedication: the story's page n is the PDF's page n + 3


def make_book(request: BookRequest, folder: Path) -> Path:
    """Write the story, draw every page and the cover, and build the PDF in `folder`; return the PDF's path."""
    generator = OfflineGenerator(page_seconds=0)
    story = generator.write_story(request)
    pictures = []
    for index in range(request.page_count):
        pictures.append(folder / f"page-{index + 1:02d}.jpg")
        generator.illustrate_page(request, story, index, pictures[-1])
    generator.illustrate_cover(request, story, folder / "cover.jpg")
    return build_pdf(folder / "book.pdf", request, story, pictures, cover=folder / "cover.jpg")


class Command(BaseCommand):
    help = "Make an offline book and save its cover and one story page as PNGs, to see at a glance how books look."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--theme", default="forest", choices=sorted(THEMES))
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, choices=[code for code, _ in settings.LANGUAGES])
        parser.add_argument("--name", default="Zoë")
        parser.add_argument("--age", type=int, default=6)
        parser.add_argument("--page", type=int, default=2, help="the story page to save beside the cover (1-based)")
        parser.add_argument("--width", type=int, default=480, help="width of the PNGs in pixels")
        parser.add_argument("--out", type=Path, default=SAMPLES)
        parser.add_argument("--keep-pdf", action="store_true", help="also copy the whole book.pdf into --out")

    def handle(self, *args, **options) -> None:
        request = BookRequest(child_name=options["name"], child_age=options["age"], theme=options["theme"],
                              language=options["language"], page_count=6, seed=7, hair_style="long")
        if not 1 <= options["page"] <= request.page_count:
            raise CommandError(f"--page must be between 1 and {request.page_count}.")
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="hera-sample-") as tmp:
            pdf = make_book(request, Path(tmp))
            cover, page = render_pages(pdf, [0, FRONT_MATTER + options["page"] - 1], options["width"])
            if options["keep_pdf"]:
                (out / "book.pdf").write_bytes(pdf.read_bytes())
        for name, image in (("cover.png", cover), ("page.png", page)):
            image.quantize(colors=128).save(out / name, optimize=True)
            self.stdout.write(f"{out / name}: {(out / name).stat().st_size // 1024} KB")
