"""Look at a finished book: its pages rendered to small pictures by PDFium, as a reader's PDF viewer shows them."""

from collections.abc import Iterable
from pathlib import Path

from PIL import Image


def render_pages(pdf_path: Path, indexes: Iterable[int], width: int) -> list[Image.Image]:
    """Render the pages `indexes` (0-based) of the PDF at `width` pixels wide, trim and bleed included."""
    import pypdfium2 as pdfium  # a tool for tests and samples, not needed to make books

    document = pdfium.PdfDocument(str(pdf_path))
    try:
        images = []
        for index in indexes:
            page = document[index]
            images.append(page.render(scale=width / page.get_width()).to_pil().convert("RGB"))
            page.close()
        return images
    finally:
        document.close()
