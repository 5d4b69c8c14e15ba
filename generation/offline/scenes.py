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
Painter = Callable[["ImageDraw.ImageDraw", Random, int], None]


@dataclass(frozen=True)
class Scene:
    """A theme's scenery: sky top and bottom colours for (day, dusk, night), the ground, and its objects' painter."""

    skies: tuple[tuple[Colour, Colour], tuple[Colour, Colour], tuple[Colour, Colour]]
    ground: Colour
    painter: Painter
    night: bool = False  # every page is a night sky (space)
    underwater: bool = False  # light rays instead of a sky
    sea: bool = False  # the ground is water: waves, and the child stands on a raft


def draw_scenery(draw: ImageDraw.ImageDraw, scene: Scene, rng: Random) -> int:
    """Draw the sky, the ground and the theme's objects; return the horizon's height."""
    mood = rng.randrange(3)
    top, bottom = scene.skies[mood]
    gradient(draw, top, bottom)
    night = scene.night or mood == 2
    if scene.underwater:
        light_rays(draw, rng)
    else:
        if night:
            stars(draw, rng, 40 + rng.randrange(80))
        sun_or_moon(draw, rng, night)
        if not night:
            for _ in range(rng.randint(1, 4)):
                cloud(draw, rng.randint(0, SIZE), rng.randint(60, 380), rng.uniform(0.6, 1.4))
    horizon = rng.randint(600, 760)
    ground(draw, rng, scene.ground, horizon, sea=scene.sea)
    scene.painter(draw, rng, horizon)
    return horizon


def gradient(draw: ImageDraw.ImageDraw, top: tuple, bottom: tuple) -> None:
    for y in range(SIZE):
        t = y / (SIZE - 1)
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (SIZE, y)], fill=colour)


def stars(draw, rng, count: int) -> None:
    for _ in range(count):
        x, y, r = rng.randrange(SIZE), rng.randrange(int(SIZE * 0.7)), rng.choice([1, 1, 2, 2, 3])
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, rng.randint(200, 255)))


def sun_or_moon(draw, rng, night: bool) -> None:
    x, y, r = rng.randint(120, SIZE - 120), rng.randint(90, 260), rng.randint(45, 85)
    if night:
        draw.ellipse([x - r - 12, y - r - 12, x + r + 12, y + r + 12], outline=(250, 245, 210), width=2)  # halo
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(250, 245, 210))
        draw.ellipse([x - r // 3, y - r // 3, x, y], fill=(230, 225, 190))
    else:
        for i in range(12):
            angle = i * math.pi / 6 + rng.random() * 0.2
            draw.line(
                [(x + math.cos(angle) * r * 1.2, y + math.sin(angle) * r * 1.2),
                 (x + math.cos(angle) * r * 1.6, y + math.sin(angle) * r * 1.6)],
                fill=(255, 210, 60), width=6,
            )
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 221, 87))


def cloud(draw, x: int, y: int, scale: float) -> None:
    for dx, dy, r in ((0, 0, 40), (45, -15, 50), (95, 0, 40), (48, 15, 42)):
        r = int(r * scale)
        cx, cy = x + int(dx * scale), y + int(dy * scale)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(255, 255, 255))


def light_rays(draw, rng) -> None:
    for _ in range(rng.randint(3, 6)):
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


# Theme objects. Each painter draws a varying number of its objects at positions drawn from the page's rng.


def paint_space(draw, rng, horizon):
    for _ in range(rng.randint(1, 3)):
        x, y, r = rng.randint(60, SIZE - 60), rng.randint(60, horizon - 200), rng.randint(30, 110)
        colour = rng.choice([(240, 120, 160), (120, 200, 240), (250, 190, 90), (160, 240, 160)])
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
        if rng.random() < 0.6:
            draw.arc([x - r * 1.7, y - r * 0.4, x + r * 1.7, y + r * 0.4], 0, 360, fill=(250, 240, 200), width=5)
    rocket(draw, rng.randint(100, SIZE - 100), rng.randint(250, horizon - 40), rng.uniform(0.7, 1.3), rng)
    for _ in range(rng.randint(2, 6)):
        x, y, r = rng.randrange(SIZE), rng.randint(horizon + 30, SIZE - 20), rng.randint(10, 40)
        draw.ellipse([x - r, y - r // 3, x + r, y + r // 3], fill=(120, 110, 140))


def rocket(draw, x, y, s, rng):
    w, h = int(50 * s), int(160 * s)
    draw.polygon([(x - w, y), (x - w - 30 * s, y + 40 * s), (x - w, y + 20 * s)], fill=(230, 60, 60))
    draw.polygon([(x + w, y), (x + w + 30 * s, y + 40 * s), (x + w, y + 20 * s)], fill=(230, 60, 60))
    draw.rounded_rectangle([x - w, y - h, x + w, y + int(30 * s)], radius=int(30 * s), fill=(225, 228, 235))
    draw.polygon([(x - w, y - h + 20 * s), (x, y - h - 70 * s), (x + w, y - h + 20 * s)], fill=(230, 60, 60))
    draw.ellipse([x - 22 * s, y - h + 40 * s, x + 22 * s, y - h + 84 * s], fill=(90, 170, 230))
    draw.polygon([(x - 25 * s, y + 30 * s), (x, y + (90 + rng.randint(0, 40)) * s), (x + 25 * s, y + 30 * s)],
                 fill=(255, 170, 40))


def paint_ocean(draw, rng, horizon):
    for _ in range(rng.randint(3, 7)):
        fish(draw, rng.randint(60, SIZE - 60), rng.randint(120, horizon - 20), rng.uniform(0.5, 1.4), rng)
    for _ in range(rng.randint(10, 30)):
        x, y, r = rng.randrange(SIZE), rng.randrange(horizon), rng.randint(4, 16)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=(200, 240, 255), width=2)
    for _ in range(rng.randint(2, 5)):
        x = rng.randrange(SIZE)
        colour = rng.choice([(240, 110, 140), (250, 160, 80), (180, 90, 200)])
        for _ in range(rng.randint(3, 6)):
            draw.line([(x, horizon + 40), (x + rng.randint(-60, 60), horizon - rng.randint(40, 160))], fill=colour, width=10)
        draw.ellipse([x - 6, horizon + 30, x + 6, horizon + 42], fill=colour)


def fish(draw, x, y, s, rng):
    colour = rng.choice([(255, 140, 0), (255, 220, 60), (90, 200, 250), (250, 100, 150), (130, 230, 130)])
    direction = rng.choice([-1, 1])
    w, h = int(60 * s), int(32 * s)
    draw.ellipse([x - w, y - h, x + w, y + h], fill=colour)
    tail = x - direction * w
    draw.polygon([(tail, y), (tail - direction * 40 * s, y - 28 * s), (tail - direction * 40 * s, y + 28 * s)], fill=colour)
    ex = x + direction * int(w * 0.55)
    draw.ellipse([ex - 6 * s, y - 10 * s, ex + 6 * s, y + 2 * s], fill=(20, 20, 30))


def paint_forest(draw, rng, horizon):
    trees = sorted((rng.randint(-40, SIZE + 40), rng.uniform(0.7, 1.5)) for _ in range(rng.randint(4, 9)))
    for x, s in trees:
        if rng.random() < 0.5:
            pine(draw, x, horizon + rng.randint(-10, 40), s)
        else:
            round_tree(draw, x, horizon + rng.randint(-10, 40), s, rng)
    for _ in range(rng.randint(1, 4)):
        x, y = rng.randrange(SIZE), rng.randint(horizon + 60, SIZE - 30)
        draw.rectangle([x - 8, y - 30, x + 8, y], fill=(245, 235, 220))
        draw.chord([x - 34, y - 62, x + 34, y - 10], 180, 360, fill=(220, 50, 50))
        draw.ellipse([x - 8, y - 52, x + 2, y - 42], fill=(255, 255, 255))


def pine(draw, x, base, s):
    draw.rectangle([x - 12 * s, base - 40 * s, x + 12 * s, base], fill=(100, 70, 40))
    for k in range(3):
        w, top = (90 - 20 * k) * s, base - (40 + 70 * k) * s
        draw.polygon([(x - w, top), (x, top - 120 * s), (x + w, top)], fill=(30 + 15 * k, 110 + 10 * k, 60))


def round_tree(draw, x, base, s, rng):
    draw.rectangle([x - 16 * s, base - 130 * s, x + 16 * s, base], fill=(110, 75, 45))
    green = rng.choice([(60, 150, 70), (90, 170, 60), (40, 130, 80)])
    draw.ellipse([x - 90 * s, base - 290 * s, x + 90 * s, base - 110 * s], fill=green)
    if rng.random() < 0.5:
        for _ in range(5):
            ax, ay = x + rng.randint(-60, 60) * s, base - rng.randint(150, 260) * s
            draw.ellipse([ax - 9, ay - 9, ax + 9, ay + 9], fill=(220, 40, 40))


def paint_dinosaurs(draw, rng, horizon):
    if rng.random() < 0.6:
        x = rng.randint(150, SIZE - 150)
        draw.polygon([(x - 220, horizon + 10), (x - 50, horizon - 260), (x + 50, horizon - 260), (x + 220, horizon + 10)],
                     fill=(120, 90, 80))
        for _ in range(4):
            r = rng.randint(20, 45)
            cx, cy = x + rng.randint(-40, 40), horizon - 290 - rng.randint(0, 120)
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(200, 200, 200))
    for _ in range(rng.randint(2, 5)):
        fern(draw, rng.randrange(SIZE), horizon + rng.randint(0, 60), rng.uniform(0.6, 1.3))
    for _ in range(rng.randint(1, 3)):
        dinosaur(draw, rng.randint(100, SIZE - 100), horizon + rng.randint(10, 120), rng.uniform(0.6, 1.3), rng)


def fern(draw, x, base, s):
    for k in range(-3, 4):
        draw.line([(x, base), (x + k * 30 * s, base - (150 - abs(k) * 20) * s)], fill=(50, 130, 50), width=int(10 * s) + 1)


def dinosaur(draw, x, base, s, rng):
    colour = rng.choice([(110, 180, 90), (230, 150, 70), (120, 150, 220), (200, 110, 170)])
    d = rng.choice([-1, 1])
    draw.ellipse([x - 110 * s, base - 150 * s, x + 110 * s, base - 40 * s], fill=colour)
    draw.polygon([(x - d * 100 * s, base - 100 * s), (x - d * 230 * s, base - 60 * s), (x - d * 90 * s, base - 70 * s)],
                 fill=colour)
    draw.line([(x + d * 80 * s, base - 120 * s), (x + d * 150 * s, base - 260 * s)], fill=colour, width=int(40 * s))
    draw.ellipse([x + d * 150 * s - 40 * s, base - 295 * s, x + d * 150 * s + 40 * s, base - 240 * s], fill=colour)
    draw.ellipse([x + d * 160 * s - 6 * s, base - 280 * s, x + d * 160 * s + 6 * s, base - 268 * s], fill=(20, 20, 20))
    for k in (-60, -20, 30, 70):
        draw.rectangle([x + k * s - 14 * s, base - 60 * s, x + k * s + 14 * s, base], fill=colour)
    for k in range(4):
        px = x - 60 * s + k * 40 * s
        draw.polygon([(px - 14 * s, base - 145 * s), (px, base - 180 * s), (px + 14 * s, base - 145 * s)],
                     fill=tuple(max(0, c - 40) for c in colour))


def paint_pirates(draw, rng, horizon):
    if rng.random() < 0.7:
        ix = rng.randint(100, SIZE - 100)
        draw.chord([ix - 200, horizon - 60, ix + 200, horizon + 80], 180, 360, fill=(236, 214, 160))
        palm(draw, ix + rng.randint(-80, 80), horizon - 20, rng.uniform(0.6, 1.0), rng)
    ship(draw, rng.randint(160, SIZE - 160), horizon + rng.randint(-10, 30), rng.uniform(0.7, 1.2), rng)
    for _ in range(rng.randint(1, 3)):
        x, y = rng.randrange(SIZE), rng.randint(100, 350)
        draw.arc([x - 20, y - 10, x, y + 10], 200, 340, fill=(40, 40, 40), width=3)
        draw.arc([x, y - 10, x + 20, y + 10], 200, 340, fill=(40, 40, 40), width=3)


def ship(draw, x, waterline, s, rng):
    hull = rng.choice([(120, 70, 40), (90, 50, 30), (140, 40, 40)])
    draw.polygon([(x - 170 * s, waterline - 60 * s), (x + 170 * s, waterline - 60 * s), (x + 120 * s, waterline + 10 * s),
                  (x - 120 * s, waterline + 10 * s)], fill=hull)
    draw.rectangle([x - 6 * s, waterline - 330 * s, x + 6 * s, waterline - 60 * s], fill=(80, 50, 30))
    sail = rng.choice([(250, 250, 245), (220, 60, 50)])
    draw.polygon([(x + 10 * s, waterline - 320 * s), (x + 130 * s, waterline - 110 * s), (x + 10 * s, waterline - 100 * s)],
                 fill=sail)
    draw.polygon([(x - 10 * s, waterline - 300 * s), (x - 120 * s, waterline - 120 * s), (x - 10 * s, waterline - 110 * s)],
                 fill=sail)
    draw.rectangle([x - 6 * s, waterline - 370 * s, x + 50 * s, waterline - 335 * s], fill=(20, 20, 20))


def palm(draw, x, base, s, rng):
    lean = rng.randint(-40, 40)
    draw.line([(x, base), (x + lean * s, base - 260 * s)], fill=(140, 100, 60), width=int(24 * s))
    tx, ty = x + lean * s, base - 260 * s
    for a in range(0, 360, 50):
        r = math.radians(a + rng.randint(-10, 10))
        draw.line([(tx, ty), (tx + math.cos(r) * 140 * s, ty + math.sin(r) * 60 * s + 30 * s)],
                  fill=(40, 140, 60), width=int(22 * s))
    for k in range(3):
        draw.ellipse([tx - 20 * s + k * 14 * s, ty, tx + k * 14 * s, ty + 20 * s], fill=(110, 70, 30))


def paint_castle(draw, rng, horizon):
    x, s = rng.randint(200, SIZE - 200), rng.uniform(0.7, 1.2)
    stone = rng.choice([(200, 195, 210), (215, 200, 180), (180, 185, 200)])
    base = horizon + 10
    draw.rectangle([x - 200 * s, base - 260 * s, x + 200 * s, base], fill=stone)
    for tx in (-200, 200):
        draw.rectangle([x + (tx - 50) * s, base - 380 * s, x + (tx + 50) * s, base], fill=stone)
        draw.polygon([(x + (tx - 65) * s, base - 380 * s), (x + tx * s, base - 500 * s), (x + (tx + 65) * s, base - 380 * s)],
                     fill=rng.choice([(60, 90, 200), (200, 60, 80), (120, 60, 160)]))
    for k in range(-4, 5):
        draw.rectangle([x + (k * 40 - 12) * s, base - 285 * s, x + (k * 40 + 12) * s, base - 260 * s], fill=stone)
    draw.chord([x - 55 * s, base - 150 * s, x + 55 * s, base + 40 * s], 180, 360, fill=(90, 60, 40))
    draw.rectangle([x - 55 * s, base - 55 * s, x + 55 * s, base], fill=(90, 60, 40))
    draw.line([(x + 200 * s, base - 500 * s), (x + 200 * s, base - 560 * s)], fill=(80, 80, 80), width=4)
    draw.polygon([(x + 200 * s, base - 560 * s), (x + 260 * s, base - 545 * s), (x + 200 * s, base - 530 * s)],
                 fill=(250, 200, 40))


def paint_farm(draw, rng, horizon):
    x, s = rng.randint(180, SIZE - 180), rng.uniform(0.7, 1.2)
    base = horizon + 20
    red = rng.choice([(190, 40, 40), (170, 60, 40), (200, 70, 60)])
    draw.rectangle([x - 160 * s, base - 220 * s, x + 160 * s, base], fill=red)
    draw.polygon([(x - 180 * s, base - 220 * s), (x, base - 340 * s), (x + 180 * s, base - 220 * s)], fill=(120, 40, 30))
    draw.rectangle([x - 50 * s, base - 130 * s, x + 50 * s, base], fill=(250, 240, 220))
    draw.line([(x - 50 * s, base - 130 * s), (x + 50 * s, base)], fill=red, width=8)
    draw.line([(x + 50 * s, base - 130 * s), (x - 50 * s, base)], fill=red, width=8)
    for _ in range(rng.randint(2, 5)):
        animal(draw, rng.randint(60, SIZE - 60), horizon + rng.randint(80, 260), rng.uniform(0.5, 0.9), rng)
    fy = horizon + rng.randint(40, 90)
    for fx in range(0, SIZE, 60):
        draw.rectangle([fx, fy - 40, fx + 10, fy + 20], fill=(200, 170, 120))
    draw.line([(0, fy - 25), (SIZE, fy - 25)], fill=(200, 170, 120), width=6)


def animal(draw, x, base, s, rng):
    kind = rng.choice(["sheep", "cow", "pig", "hen"])
    body = {"sheep": (250, 250, 250), "cow": (250, 250, 250), "pig": (250, 180, 190), "hen": (240, 230, 210)}[kind]
    if kind == "hen":
        draw.ellipse([x - 40 * s, base - 80 * s, x + 40 * s, base - 10 * s], fill=body)
        draw.ellipse([x + 20 * s, base - 110 * s, x + 60 * s, base - 70 * s], fill=body)
        draw.polygon([(x + 58 * s, base - 95 * s), (x + 80 * s, base - 88 * s), (x + 58 * s, base - 82 * s)], fill=(250, 170, 40))
        draw.ellipse([x + 32 * s, base - 122 * s, x + 50 * s, base - 104 * s], fill=(220, 40, 40))
        return
    draw.ellipse([x - 80 * s, base - 110 * s, x + 80 * s, base - 30 * s], fill=body)
    for k in (-50, -20, 25, 55):
        draw.rectangle([x + (k - 8) * s, base - 45 * s, x + (k + 8) * s, base], fill=(60, 50, 50))
    draw.ellipse([x + 60 * s, base - 130 * s, x + 120 * s, base - 70 * s], fill=(60, 50, 50) if kind == "sheep" else body)
    if kind == "cow":
        for _ in range(3):
            sx, sy = x + rng.randint(-50, 40) * s, base - rng.randint(60, 95) * s
            draw.ellipse([sx - 15 * s, sy - 12 * s, sx + 15 * s, sy + 12 * s], fill=(40, 40, 40))
    draw.ellipse([x + 92 * s, base - 112 * s, x + 102 * s, base - 102 * s], fill=(20, 20, 20))


def paint_jungle(draw, rng, horizon):
    for _ in range(rng.randint(3, 6)):
        palm(draw, rng.randint(-20, SIZE + 20), horizon + rng.randint(0, 50), rng.uniform(0.8, 1.6), rng)
    for _ in range(rng.randint(3, 7)):
        x = rng.randrange(SIZE)
        draw.line([(x, 0), (x + rng.randint(-30, 30), rng.randint(150, 450))], fill=(40, 110, 40), width=6)
    for _ in range(rng.randint(2, 6)):
        x, y = rng.randrange(SIZE), rng.randint(horizon + 40, SIZE - 20)
        colour = rng.choice([(250, 80, 120), (250, 200, 40), (240, 120, 40)])
        for a in range(0, 360, 72):
            r = math.radians(a)
            draw.ellipse([x + math.cos(r) * 14 - 10, y + math.sin(r) * 14 - 10, x + math.cos(r) * 14 + 10,
                          y + math.sin(r) * 14 + 10], fill=colour)
        draw.ellipse([x - 7, y - 7, x + 7, y + 7], fill=(250, 240, 120))


def paint_generic(draw, rng, horizon):
    for _ in range(rng.randint(2, 5)):
        round_tree(draw, rng.randint(0, SIZE), horizon + rng.randint(0, 40), rng.uniform(0.6, 1.2), rng)
    x, y = rng.randint(100, SIZE - 100), rng.randint(120, 400)
    for k, colour in enumerate([(230, 60, 60), (250, 160, 40), (250, 230, 60), (80, 190, 90), (60, 120, 230)]):
        r = 300 - k * 22
        draw.arc([x - r, y, x + r, y + 2 * r], 180, 360, fill=colour, width=22)

