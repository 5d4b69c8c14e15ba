"""Where a book's small pictures are stored: one per page as it is drawn, and the cover's (no imaging here, so the
web process can name them without loading Pillow or reportlab)."""

# The long side of a page's preview, and of the cover's picture on the done page and in the `ready` email.
PREVIEW_SIDE = 320
COVER_SIDE = 640


def preview_name(preview_prefix: str, index: int) -> str:
    """The small picture of page `index` (0-based): kept after the page checkpoints are purged."""
    return f"{preview_prefix.rstrip('/')}/page-{index + 1:02d}.jpg"


def cover_name(preview_prefix: str) -> str:
    """The cover's picture: the one the PDF opens with (the offline cover, else the first page's), larger than a preview."""
    return f"{preview_prefix.rstrip('/')}/cover.jpg"
