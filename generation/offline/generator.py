"""The offline generator: the story from templates, each page drawn with Pillow, both deterministic per seed."""

import random
import time
from pathlib import Path

from PIL import Image, ImageDraw

from ..base import BookRequest, Story
from ..pictures import save_jpeg
from .hero import character_look, draw_child
from .scenes import SIZE, draw_scenery, raft
from .story import compose_story
from .themes import theme_for


class OfflineGenerator:
    """Write stories from templates and draw pictures with Pillow; no network, deterministic for a seed."""

    def __init__(self, page_seconds: float | None = None):
        """Wait `page_seconds` per page (default: settings.HERA_OFFLINE_PAGE_SECONDS; pass it to run without Django)."""
        if page_seconds is None:
            from django.conf import settings

            page_seconds = settings.HERA_OFFLINE_PAGE_SECONDS
        self.page_seconds = page_seconds

    def write_story(self, request: BookRequest) -> Story:
        return compose_story(request)

    def illustrate_page(self, request: BookRequest, story: Story, page_index: int, out_path: Path) -> None:
        if self.page_seconds:
            time.sleep(self.page_seconds)
        image = draw_page(request, page_index)
        save_jpeg(image, Path(out_path))
        image.close()


def draw_page(request: BookRequest, page_index: int) -> Image.Image:
    """Draw page `page_index`: the theme's scenery and the child, composed by the seed and the page number."""
    rng = random.Random(f"page:{request.seed}:{page_index}")
    scene = theme_for(request.theme).scene
    image = Image.new("RGB", (SIZE, SIZE))
    draw = ImageDraw.Draw(image)
    horizon = draw_scenery(draw, scene, rng)
    child_x = rng.randint(180, SIZE - 180)
    child_scale = rng.uniform(0.8, 1.25)
    # The bottom fifth of the page carries the text band, so the child stands above it.
    feet_y = min(horizon + rng.randint(30, 110), 800)
    if scene.sea:
        raft(draw, child_x, feet_y, child_scale)
    draw_child(draw, character_look(request.seed), child_x, feet_y, child_scale, rng)
    return image
