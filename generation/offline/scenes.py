"""The scenery of a page: sky, sun or moon, ground, and the painters that draw each theme's objects with Pillow."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from random import Random
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the web imports the theme records (orders.models): Pillow is loaded where pictures are drawn
    from PIL import ImageDraw

SIZE = 1024

Colour = tuple[int, int, int]
Painter = Callable[["ImageDraw.ImageDraw", Random, int, "World"], None]


TIMES = ("morning", "afternoon", "evening", "night")
WEATHERS = ("clear", "fair", "cloudy")


@dataclass(frozen=True)
class Scene:
    """A theme's scenery: sky top and bottom colours for (day, dusk, night), the ground, and its painter."""

    skies: tuple[tuple[Colour, Colour], tuple[Colour, Colour], tuple[Colour, Colour]]
    ground: Colour
    painter: Painter  # the theme's world behind the story: trees, ferns, a castle; never a word of the vocabulary
    night: bool = False  # every page is a night sky (space)
    underwater: bool = False  # light rays instead of a sky
    sea: bool = False  # the ground is water: waves, and the child stands on a raft


class Picture:
    """A page being drawn, and the record of what is on it, written by the drawings themselves as they draw."""

    def __init__(self, size: int = SIZE):
        from PIL import Image, ImageDraw

        self.image = Image.new("RGB", (size, size))
        self.draw = ImageDraw.Draw(self.image)
        self.drawn: list[str] = []  # the hero and the vocabulary's drawings, in the order they were drawn
        self.time = ""
        self.weather = ""
        self.world: World | None = None  # the weather and palette the sky and scenery were drawn in

    def shows(self, key: str) -> None:
        self.drawn.append(key)


@dataclass(frozen=True)
class World:
    """What stays the same on every page of a book: the weather and the greens of its trees."""

    weather: str
    green: Colour


def world_for(seed: int) -> World:
    rng = Random(f"world:{seed}")
    return World(weather=rng.choice(WEATHERS), green=rng.choice([(60, 150, 70), (90, 170, 60), (40, 130, 80)]))


def blend(a: Colour, b: Colour, t: float) -> Colour:
    return tuple(int(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def sky_colours(scene: Scene, time: str, world: World) -> tuple[Colour, Colour]:
    day, dusk, night = scene.skies
    top, bottom = {
        "morning": (blend(day[0], (255, 200, 170), 0.3), blend(day[1], (255, 225, 190), 0.5)),
        "afternoon": day,
        "evening": dusk,
        "night": night,
    }[time]
    if world.weather == "cloudy" and not scene.night:
        top, bottom = blend(top, (150, 155, 165), 0.25), blend(bottom, (170, 175, 185), 0.25)
    return top, bottom


def draw_sky(pic: Picture, scene: Scene, time: str, world: World, rng: Random) -> None:
    """Draw the sky of `time` in the book's weather: the sun rises, crosses and sets; the moon and stars at night."""
    draw = pic.draw
    gradient(draw, *sky_colours(scene, time, world))
    if scene.underwater:
        if time != "night":
            light_rays(draw, rng, 6 if time == "afternoon" else 3)
    elif scene.night:
        stars(draw, rng, 60 + rng.randrange(60))
    elif time == "night":
        stars(draw, rng, 40 + rng.randrange(60))
        moon(draw, 760, 170, 60)
    else:
        x, y = {"morning": (190, 330), "afternoon": (512, 140), "evening": (840, 330)}[time]
        sun(draw, x, y, 70 if time == "afternoon" else 80, evening=time == "evening")
    if not scene.underwater and not scene.night:
        grey = (235, 235, 240) if time != "night" else (90, 95, 120)
        for _ in range({"clear": 0, "fair": 2, "cloudy": 5}[world.weather]):
            cloud(draw, rng.randint(0, SIZE - 100), rng.randint(60, 330), rng.uniform(0.7, 1.4), grey)
    pic.time, pic.weather, pic.world = time, world.weather, world


def draw_scenery(pic: Picture, scene: Scene, time: str, world: World, rng: Random) -> int:
    """Draw the theme's world at `time`: sky, ground and its painter's scenery; return the horizon's height."""
    draw_sky(pic, scene, time, world, rng)
    horizon = rng.randint(560, 620)
    ground(pic.draw, rng, scene.ground, horizon, sea=scene.sea)
    scene.painter(pic.draw, rng, horizon, world)
    return horizon


HOME_SCENE = Scene(
    skies=(((130, 195, 250), (225, 240, 255)), ((245, 160, 130), (255, 225, 190)), ((20, 30, 80), (70, 80, 140))),
    ground=(110, 175, 80), painter=lambda draw, rng, horizon, world: None,
)


def gradient(draw: ImageDraw.ImageDraw, top: tuple, bottom: tuple) -> None:
    for y in range(SIZE):
        t = y / (SIZE - 1)
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (SIZE, y)], fill=colour)


def stars(draw, rng, count: int) -> None:
    for _ in range(count):
        x, y, r = rng.randrange(SIZE), rng.randrange(int(SIZE * 0.7)), rng.choice([1, 1, 2, 2, 3])
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, rng.randint(200, 255)))


def moon(draw, x: int, y: int, r: int) -> None:
    draw.ellipse([x - r - 12, y - r - 12, x + r + 12, y + r + 12], outline=(250, 245, 210), width=2)  # halo
    draw.ellipse([x - r, y - r, x + r, y + r], fill=(250, 245, 210))
    draw.ellipse([x - r // 3, y - r // 3, x, y], fill=(230, 225, 190))


def sun(draw, x: int, y: int, r: int, *, evening: bool) -> None:
    rays, disc = ((250, 150, 70), (250, 130, 60)) if evening else ((255, 210, 60), (255, 221, 87))
    for i in range(12):
        angle = i * math.pi / 6
        draw.line(
            [(x + math.cos(angle) * r * 1.2, y + math.sin(angle) * r * 1.2),
             (x + math.cos(angle) * r * 1.6, y + math.sin(angle) * r * 1.6)],
            fill=rays, width=6,
        )
    draw.ellipse([x - r, y - r, x + r, y + r], fill=disc)


def cloud(draw, x: int, y: int, scale: float, colour: Colour = (255, 255, 255)) -> None:
    for dx, dy, r in ((0, 0, 40), (45, -15, 50), (95, 0, 40), (48, 15, 42)):
        r = int(r * scale)
        cx, cy = x + int(dx * scale), y + int(dy * scale)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)


def light_rays(draw, rng, count: int) -> None:
    for _ in range(count):
        x = rng.randint(0, SIZE)
        w = rng.randint(30, 90)
        draw.polygon([(x, 0), (x + w, 0), (x + w * 3, SIZE), (x + w, SIZE)], fill=(70, 160, 210))


def ground(draw, rng, colour: tuple, horizon: int, *, sea: bool) -> None:
    phase, amplitude, waves = rng.random() * math.tau, rng.randint(10, 45), rng.uniform(1.0, 3.0)
    points = [(0, SIZE)]
    for x in range(0, SIZE + 16, 16):
        points.append((x, horizon + amplitude * math.sin(phase + waves * x / SIZE * math.tau)))
    points.append((SIZE, SIZE))
    draw.polygon(points, fill=colour)
    darker = tuple(max(0, c - 30) for c in colour)
    for _ in range(rng.randint(8, 20)):
        x, y = rng.randrange(SIZE), rng.randint(horizon + 40, SIZE - 10)
        if sea:
            draw.arc([x - 30, y - 10, x + 30, y + 10], 200, 340, fill=(220, 240, 255), width=3)
        else:
            draw.ellipse([x - 6, y - 3, x + 6, y + 3], fill=darker)


def raft(draw, x: int, feet_y: int, s: float) -> None:
    for k in range(-3, 4):
        draw.rounded_rectangle([x + (k * 26 - 12) * s, feet_y - 8 * s, x + (k * 26 + 12) * s, feet_y + 22 * s],
                               radius=int(6 * s), fill=(170, 120, 70))


# The themes' worlds. Each painter draws the scenery behind the story at positions from the page's rng, and never a
# drawing of the vocabulary (generation/offline/elements.py): those appear only where a page's text names them.


def paint_space(draw, rng, horizon, world):
    for _ in range(rng.randint(2, 6)):
        x, y, r = rng.randrange(SIZE), rng.randint(horizon + 30, SIZE - 20), rng.randint(10, 40)
        draw.ellipse([x - r, y - r // 3, x + r, y + r // 3], fill=(120, 110, 140))


def paint_ocean(draw, rng, horizon, world):
    for _ in range(rng.randint(10, 30)):
        x, y, r = rng.randrange(SIZE), rng.randrange(horizon), rng.randint(4, 14)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=(200, 240, 255), width=2)
    for _ in range(rng.randint(3, 6)):
        x = rng.randrange(SIZE)
        for k in range(6):  # seaweed
            draw.line([(x + (8 if k % 2 else -8), horizon + 40 - k * 30), (x + (-8 if k % 2 else 8), horizon + 10 - k * 30)],
                      fill=(40, 140, 90), width=9)


def paint_forest(draw, rng, horizon, world):
    trees = sorted((rng.randint(-40, SIZE + 40), rng.uniform(0.6, 1.2)) for _ in range(rng.randint(4, 8)))
    for x, s in trees:
        if rng.random() < 0.5:
            pine(draw, x, horizon + rng.randint(-10, 20), s)
        else:
            round_tree(draw, x, horizon + rng.randint(-10, 20), s, world.green)


def pine(draw, x, base, s):
    draw.rectangle([x - 12 * s, base - 40 * s, x + 12 * s, base], fill=(100, 70, 40))
    for k in range(3):
        w, top = (90 - 20 * k) * s, base - (40 + 70 * k) * s
        draw.polygon([(x - w, top), (x, top - 120 * s), (x + w, top)], fill=(30 + 15 * k, 110 + 10 * k, 60))


def round_tree(draw, x, base, s, green):
    draw.rectangle([x - 16 * s, base - 130 * s, x + 16 * s, base], fill=(110, 75, 45))
    draw.ellipse([x - 90 * s, base - 290 * s, x + 90 * s, base - 110 * s], fill=green)


def paint_dinosaurs(draw, rng, horizon, world):
    for _ in range(rng.randint(3, 6)):
        fern(draw, rng.randrange(SIZE), horizon + rng.randint(0, 30), rng.uniform(0.6, 1.3))


def fern(draw, x, base, s):
    for k in range(-3, 4):
        draw.line([(x, base), (x + k * 30 * s, base - (150 - abs(k) * 20) * s)], fill=(50, 130, 50), width=int(10 * s) + 1)


def paint_pirates(draw, rng, horizon, world):
    for _ in range(rng.randint(1, 3)):  # gulls
        x, y = rng.randrange(SIZE), rng.randint(100, 300)
        draw.arc([x - 20, y - 10, x, y + 10], 200, 340, fill=(40, 40, 40), width=3)
        draw.arc([x, y - 10, x + 20, y + 10], 200, 340, fill=(40, 40, 40), width=3)


def paint_castle(draw, rng, horizon, world):
    x, s = rng.choice([170, SIZE - 170]), 0.55
    stone = (200, 195, 210)
    base = horizon + 10
    draw.rectangle([x - 200 * s, base - 260 * s, x + 200 * s, base], fill=stone)
    for tx in (-200, 200):
        draw.rectangle([x + (tx - 50) * s, base - 380 * s, x + (tx + 50) * s, base], fill=stone)
        draw.polygon([(x + (tx - 65) * s, base - 380 * s), (x + tx * s, base - 500 * s), (x + (tx + 65) * s, base - 380 * s)],
                     fill=(60, 90, 200))
    for k in range(-4, 5):
        draw.rectangle([x + (k * 40 - 12) * s, base - 285 * s, x + (k * 40 + 12) * s, base - 260 * s], fill=stone)
    draw.chord([x - 55 * s, base - 150 * s, x + 55 * s, base + 40 * s], 180, 360, fill=(90, 60, 40))
    draw.rectangle([x - 55 * s, base - 55 * s, x + 55 * s, base], fill=(90, 60, 40))
    draw.line([(x + 200 * s, base - 500 * s), (x + 200 * s, base - 560 * s)], fill=(80, 80, 80), width=4)
    draw.polygon([(x + 200 * s, base - 560 * s), (x + 260 * s, base - 545 * s), (x + 200 * s, base - 530 * s)],
                 fill=(250, 200, 40))


def paint_farm(draw, rng, horizon, world):
    x, s = rng.choice([150, SIZE - 150]), 0.6
    base = horizon + 10
    red = (190, 40, 40)
    draw.rectangle([x - 160 * s, base - 220 * s, x + 160 * s, base], fill=red)
    draw.polygon([(x - 180 * s, base - 220 * s), (x, base - 340 * s), (x + 180 * s, base - 220 * s)], fill=(120, 40, 30))
    draw.rectangle([x - 50 * s, base - 130 * s, x + 50 * s, base], fill=(250, 240, 220))
    draw.line([(x - 50 * s, base - 130 * s), (x + 50 * s, base)], fill=red, width=8)
    draw.line([(x + 50 * s, base - 130 * s), (x - 50 * s, base)], fill=red, width=8)
    fy = horizon + 20
    for fx in range(0, SIZE, 60):
        draw.rectangle([fx, fy - 40, fx + 10, fy + 10], fill=(200, 170, 120))
    draw.line([(0, fy - 25), (SIZE, fy - 25)], fill=(200, 170, 120), width=6)


def paint_jungle(draw, rng, horizon, world):
    for _ in range(rng.randint(3, 5)):
        palm(draw, rng.choice([rng.randint(-20, 250), rng.randint(SIZE - 250, SIZE + 20)]), horizon + rng.randint(0, 30),
             rng.uniform(0.8, 1.4), rng)
    for _ in range(rng.randint(3, 6)):
        x = rng.randrange(SIZE)
        draw.line([(x, 0), (x + rng.randint(-30, 30), rng.randint(120, 300))], fill=(40, 110, 40), width=6)


def palm(draw, x, base, s, rng):
    lean = rng.randint(-40, 40)
    draw.line([(x, base), (x + lean * s, base - 260 * s)], fill=(140, 100, 60), width=int(24 * s))
    tx, ty = x + lean * s, base - 260 * s
    for a in range(0, 360, 50):
        r = math.radians(a + rng.randint(-10, 10))
        draw.line([(tx, ty), (tx + math.cos(r) * 140 * s, ty + math.sin(r) * 60 * s + 30 * s)],
                  fill=(40, 140, 60), width=int(22 * s))


def paint_generic(draw, rng, horizon, world):
    for _ in range(rng.randint(2, 4)):
        round_tree(draw, rng.choice([rng.randint(0, 220), rng.randint(SIZE - 220, SIZE)]), horizon + rng.randint(0, 30),
                   rng.uniform(0.6, 1.0), world.green)
