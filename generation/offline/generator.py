"""The offline generator: the story from templates, each page drawn with Pillow from its beat, deterministic per seed."""

import random
import time
from pathlib import Path

from PIL import Image

from ..base import BookRequest, Story
from ..pictures import save_jpeg
from .elements import ELEMENTS
from .hero import character_look, draw_child
from .scenes import HOME_SCENE, SIZE, Picture, draw_scenery, raft, world_for
from .story import HOME, compose_story, story_beats, theme_words
from .themes import theme_for

COVER_TIME = "afternoon"


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
        save(paint_page(request, page_index, story), out_path)

    def illustrate_cover(self, request: BookRequest, story: Story, out_path: Path) -> None:
        """Draw the cover's picture: the hero and the companion, the sky at the top left free for the title."""
        save(paint_cover(request), out_path)


def save(pic: Picture, out_path: Path) -> None:
    save_jpeg(pic.image, Path(out_path))
    pic.image.close()


def draw_page(request: BookRequest, page_index: int) -> Image.Image:
    """Draw page `page_index` and return the image alone (benchmarks)."""
    return paint_page(request, page_index).image


def paint_page(request: BookRequest, page_index: int, story: Story | None = None) -> Picture:
    """Draw page `page_index` from its beat: the place and time of day, then what the text names, then the child."""
    beat = story_beats(request, story)[page_index]
    rng = random.Random(f"page:{request.seed}:{page_index}")
    theme = theme_for(request.theme)
    scene = HOME_SCENE if beat.setting == HOME else theme.scene
    pic = Picture()
    horizon = draw_scenery(pic, scene, beat.time, world_for(request.seed), rng)
    side = rng.choice([-1, 1])  # which half of the page the child stands in
    feet = horizon + rng.randint(70, 100)
    hero_x = SIZE // 2 + side * rng.randint(250, 290)
    if HOME in beat.shows:
        ELEMENTS[HOME].draw(pic, SIZE // 2 - side * 330, horizon + 30, 0.85, rng)
    things = [key for key in beat.shows if key != HOME and ELEMENTS[key].kind != "companion"]
    for key in things:
        element = ELEMENTS[key]
        x = SIZE // 2 - side * (80 if HOME in beat.shows else 200)
        if element.sky:
            element.draw(pic, x, rng.randint(230, 290), 1.0, rng)
        else:
            element.draw(pic, x, feet - rng.randint(0, 20), 1.0 if HOME in beat.shows else 1.2, rng)
    for key in beat.shows:
        if ELEMENTS[key].kind == "companion":
            ELEMENTS[key].draw(pic, hero_x - side * 170, feet, 1.1, rng)
    if scene.sea:
        raft(pic.draw, hero_x, feet, 1.25)
    draw_child(pic, character_look(request), hero_x, feet, 1.25, rng, toward=-side)  # showing what the page names
    return pic


def paint_cover(request: BookRequest) -> Picture:
    """Draw the cover: the theme's world, the hero and the companion large in the lower half."""
    rng = random.Random(f"cover:{request.seed}")
    theme = theme_for(request.theme)
    companion = theme_words(request.theme, request.language).friend.key
    pic = Picture()
    scene = theme.scene
    draw_scenery(pic, scene, COVER_TIME, world_for(request.seed), rng)
    feet = 940  # the title's band covers the top quarter: the two friends stand large below it
    if scene.sea:
        raft(pic.draw, 370, feet, 1.9)
    ELEMENTS[companion].draw(pic, 720, feet, 1.7, rng)
    draw_child(pic, character_look(request), 370, feet, 1.9, rng)
    return pic
