"""The drawings of the themes' vocabulary: one function per companion, creature, place or object a story can name.

Each drawing is registered under the key generation/offline/themes.py uses for it, and records itself on the Picture
as it draws (`Picture.drawn`), so a test can hold every page's picture to its text.
"""

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FONT = Path(__file__).resolve().parent.parent / "fonts" / "DejaVuSans-Bold.ttf"

KINDS = ("companion", "creature", "place", "object")
INK = (30, 30, 40)
WHITE = (255, 255, 255)
GOLD = (250, 200, 40)


@dataclass(frozen=True)
class Element:
    key: str
    kind: str
    sky: bool  # drawn up in the sky (x, and a height of its own) rather than standing on the ground at `base`
    draw: Callable


ELEMENTS: dict[str, Element] = {}


def element(key: str, kind: str, *, sky: bool = False):
    """Register a drawing under `key`; the registered function records `key` on the picture once it has drawn."""
    assert kind in KINDS, kind

    def register(paint):
        @functools.wraps(paint)
        def drawing(pic, x: float, base: float, s: float, rng) -> None:
            paint(pic.draw, x, base, s, rng)
            pic.shows(key)

        ELEMENTS[key] = Element(key, kind, sky, drawing)
        return drawing

    return register


def oval(d, cx, cy, rx, ry, fill=None, outline=None, width=1):
    d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=fill, outline=outline, width=int(width))


def eye(d, cx, cy, s, closed=False):
    if closed:
        d.arc([cx - 7 * s, cy - 5 * s, cx + 7 * s, cy + 5 * s], 20, 160, fill=INK, width=max(2, int(3 * s)))
        return
    oval(d, cx, cy, 7 * s, 7 * s, WHITE)
    oval(d, cx + 1 * s, cy, 4 * s, 4 * s, INK)


def smile(d, cx, cy, s, width=10):
    d.arc([cx - width * s, cy - 6 * s, cx + width * s, cy + 6 * s], 20, 160, fill=INK, width=max(2, int(3 * s)))


def notes(d, x, y, s, colour=INK):
    """Musical notes: whatever sings, hums or chimes."""
    for k, (dx, dy) in enumerate(((0, 0), (36, -30), (70, 6))):
        nx, ny = x + dx * s, y + dy * s
        oval(d, nx, ny, 8 * s, 6 * s, colour)
        d.line([(nx + 7 * s, ny), (nx + 7 * s, ny - 30 * s)], fill=colour, width=max(2, int(3 * s)))
        if k == 1:
            d.line([(nx + 7 * s, ny - 30 * s), (nx + 20 * s, ny - 22 * s)], fill=colour, width=max(2, int(3 * s)))


@functools.cache
def lettering(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT), size)


def say(d, x, y, text, s, size=30):
    """A sound in the picture ("hic!", "zzz"), in the book's own font, large enough to read."""
    d.text((x, y), text, fill=INK, font=lettering(max(10, int(size * s))))


def star(d, cx, cy, r, fill):
    points = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        radius = r if i % 2 == 0 else r * 0.45
        points.append((cx + math.cos(a) * radius, cy + math.sin(a) * radius))
    d.polygon(points, fill=fill)


def sparkles(d, x, y, s, rng, count=6, colour=(255, 250, 200)):
    for _ in range(count):
        star(d, x + rng.uniform(-90, 90) * s, y + rng.uniform(-80, 60) * s, rng.uniform(6, 12) * s, colour)


def beast(d, x, base, s, colour, *, facing=1, body=(100, 50), leg=50, neck=0, head=32, ears=None, tail=None,
          snout=None, closed=False):
    """A four-legged animal standing on `base`; return its head's centre for the details of each kind."""
    bw, bh = body[0] * s, body[1] * s
    by = base - leg * s - bh * 0.6
    darker = tuple(max(0, c - 40) for c in colour)
    for k in (-0.7, -0.4, 0.4, 0.7):
        d.rectangle([x + k * bw - 9 * s, by, x + k * bw + 9 * s, base], fill=darker)
    if tail == "bushy":
        oval(d, x - facing * (bw + 30 * s), by - 40 * s, 32 * s, 55 * s, colour)
    elif tail == "thin":
        d.line([(x - facing * bw, by - 10 * s), (x - facing * (bw + 40 * s), by + 30 * s)], fill=colour,
               width=max(2, int(8 * s)))
    oval(d, x, by, bw, bh, colour)
    hx, hy = x + facing * (bw + 10 * s), by - bh * 0.6 - neck * s
    if neck:
        d.line([(x + facing * bw * 0.7, by - bh * 0.3), (hx, hy)], fill=colour, width=int(34 * s))
    if ears == "pointed":
        for e in (-0.6, 0.5):
            d.polygon([(hx + e * head * s - 12 * s, hy - head * s * 0.6), (hx + e * head * s, hy - head * s * 1.5),
                       (hx + e * head * s + 12 * s, hy - head * s * 0.6)], fill=colour)
    elif ears == "round":
        for e in (-0.7, 0.7):
            oval(d, hx + e * head * s, hy - head * s * 0.8, 12 * s, 12 * s, darker)
    elif ears == "long":
        for e in (-0.4, 0.4):
            oval(d, hx + e * head * s, hy - head * s * 1.3, 10 * s, 30 * s, colour)
    oval(d, hx, hy, head * s, head * s * 0.9, colour)
    if snout:
        oval(d, hx + facing * head * s * 0.8, hy + 8 * s, head * s * 0.5, head * s * 0.35, snout)
        oval(d, hx + facing * head * s * 1.15, hy + 4 * s, 5 * s, 5 * s, INK)
    eye(d, hx + facing * 8 * s, hy - 6 * s, s, closed)
    return hx, hy


def bird(d, x, y, s, colour, *, beak=(250, 170, 40), belly=None, facing=1, big_beak=False):
    """A sitting bird; return its head's centre."""
    oval(d, x, y, 38 * s, 50 * s, colour)
    if belly:
        oval(d, x + facing * 6 * s, y + 10 * s, 24 * s, 34 * s, belly)
    hx, hy = x + facing * 6 * s, y - 52 * s
    oval(d, hx, hy, 28 * s, 26 * s, colour)
    tip = 70 if big_beak else 26
    d.polygon([(hx + facing * 20 * s, hy - 8 * s), (hx + facing * (20 + tip) * s, hy + 4 * s),
               (hx + facing * 20 * s, hy + 12 * s)], fill=beak)
    eye(d, hx + facing * 6 * s, hy - 6 * s, s)
    d.polygon([(x - facing * 30 * s, y - 10 * s), (x - facing * 60 * s, y + 40 * s), (x - facing * 20 * s, y + 30 * s)],
              fill=tuple(max(0, c - 40) for c in colour))
    for k in (-10, 10):
        d.line([(x + k * s, y + 48 * s), (x + k * s, y + 62 * s)], fill=(200, 130, 40), width=max(2, int(4 * s)))
    return hx, hy


def person(d, x, base, s, robe, *, head=(241, 194, 158), hat=None):
    """A grown-up of the tales (knight, wizard): return the head's centre."""
    d.polygon([(x - 50 * s, base), (x + 50 * s, base), (x + 28 * s, base - 150 * s), (x - 28 * s, base - 150 * s)],
              fill=robe)
    hx, hy = x, base - 180 * s
    oval(d, hx, hy, 30 * s, 30 * s, head)
    eye(d, hx - 10 * s, hy - 4 * s, s)
    eye(d, hx + 10 * s, hy - 4 * s, s)
    if hat:
        d.polygon([(hx - 36 * s, hy - 18 * s), (hx, hy - 110 * s), (hx + 36 * s, hy - 18 * s)], fill=hat)
    return hx, hy


def fish(d, x, y, s, colour, facing=1):
    w, h = 50 * s, 26 * s
    oval(d, x, y, w, h, colour)
    tail = x - facing * w
    d.polygon([(tail, y), (tail - facing * 34 * s, y - 24 * s), (tail - facing * 34 * s, y + 24 * s)], fill=colour)
    oval(d, x + facing * w * 0.55, y - 4 * s, 5 * s, 5 * s, INK)


# Companions


@element("robot", "companion")
def robot(d, x, base, s, rng):
    d.rectangle([x - 20 * s, base - 40 * s, x - 8 * s, base], fill=(150, 155, 170))
    d.rectangle([x + 8 * s, base - 40 * s, x + 20 * s, base], fill=(150, 155, 170))
    d.rounded_rectangle([x - 45 * s, base - 130 * s, x + 45 * s, base - 36 * s], radius=int(12 * s), fill=(190, 200, 215))
    for k, light in enumerate(((240, 80, 80), (80, 220, 120), (250, 200, 40))):
        oval(d, x - 22 * s + k * 22 * s, base - 90 * s, 8 * s, 8 * s, light)
    d.rounded_rectangle([x - 38 * s, base - 200 * s, x + 38 * s, base - 136 * s], radius=int(14 * s), fill=(210, 215, 230))
    eye(d, x - 14 * s, base - 172 * s, s)
    eye(d, x + 14 * s, base - 172 * s, s)
    d.line([(x, base - 200 * s), (x, base - 230 * s)], fill=(120, 120, 140), width=max(2, int(4 * s)))
    oval(d, x, base - 234 * s, 9 * s, 9 * s, (250, 80, 80))


@element("sea_turtle", "companion")
def sea_turtle(d, x, base, s, rng):
    y = base - 70 * s
    for k in (-1, 1):
        oval(d, x + k * 60 * s, y + 30 * s, 30 * s, 14 * s, (120, 190, 120))
    oval(d, x + 85 * s, y - 10 * s, 28 * s, 24 * s, (130, 200, 130))
    eye(d, x + 92 * s, y - 16 * s, s)
    oval(d, x, y, 75 * s, 48 * s, (70, 140, 90))
    for k in (-35, 0, 35):
        oval(d, x + k * s, y - 5 * s, 16 * s, 14 * s, (100, 170, 110))


@element("squirrel", "companion")
def squirrel(d, x, base, s, rng):
    colour = (190, 110, 50)
    oval(d, x - 40 * s, base - 90 * s, 30 * s, 70 * s, colour)  # the tail, curled up behind
    oval(d, x - 55 * s, base - 160 * s, 28 * s, 24 * s, colour)
    oval(d, x, base - 45 * s, 30 * s, 45 * s, colour)
    oval(d, x + 5 * s, base - 40 * s, 16 * s, 28 * s, (240, 210, 170))
    oval(d, x + 8 * s, base - 100 * s, 24 * s, 22 * s, colour)
    d.polygon([(x - 6 * s, base - 114 * s), (x, base - 138 * s), (x + 8 * s, base - 116 * s)], fill=colour)
    eye(d, x + 16 * s, base - 104 * s, s)
    oval(d, x + 30 * s, base - 96 * s, 4 * s, 4 * s, INK)
    oval(d, x + 20 * s, base - 58 * s, 9 * s, 9 * s, (150, 90, 40))  # a hazelnut in its paws


@element("triceratops", "companion")
def triceratops(d, x, base, s, rng):
    hx, hy = beast(d, x, base, s, (120, 160, 210), body=(70, 40), leg=36, head=30)
    oval(d, hx - 20 * s, hy - 10 * s, 34 * s, 40 * s, (90, 130, 190))  # the frill
    oval(d, hx, hy, 30 * s, 27 * s, (120, 160, 210))
    eye(d, hx + 8 * s, hy - 6 * s, s)
    for dx, dy in ((10, -26), (26, -20)):
        d.polygon([(hx + dx * s - 5 * s, hy + dy * s), (hx + (dx + 14) * s, hy + (dy - 28) * s),
                   (hx + dx * s + 5 * s, hy + dy * s + 4 * s)], fill=(250, 245, 220))


@element("parrot", "companion")
def parrot(d, x, base, s, rng):
    hx, hy = bird(d, x, base - 70 * s, s, (220, 50, 50), beak=(240, 220, 120), belly=(250, 200, 60))
    d.polygon([(hx - 26 * s, hy - 20 * s), (hx + 26 * s, hy - 20 * s), (hx, hy - 60 * s)], fill=INK)  # a pirate hat
    oval(d, hx, hy - 34 * s, 6 * s, 6 * s, WHITE)


@element("dragon", "companion")
def dragon(d, x, base, s, rng):
    colour = (90, 180, 100)
    d.polygon([(x - 10 * s, base - 110 * s), (x - 90 * s, base - 200 * s), (x - 40 * s, base - 100 * s)], fill=(60, 140, 80))
    d.polygon([(x + 10 * s, base - 110 * s), (x + 60 * s, base - 210 * s), (x + 50 * s, base - 100 * s)], fill=(60, 140, 80))
    hx, hy = beast(d, x, base, s, colour, body=(70, 45), leg=36, neck=30, head=28, tail="thin")
    oval(d, hx + 20 * s, hy + 6 * s, 16 * s, 10 * s, colour)
    d.polygon([(hx + 34 * s, hy + 6 * s), (hx + 70 * s, hy - 6 * s), (hx + 60 * s, hy + 10 * s),
               (hx + 72 * s, hy + 22 * s)], fill=(250, 150, 40))  # a small, harmless flame


@element("cow", "companion")
def cow(d, x, base, s, rng):
    hx, hy = beast(d, x, base, s, (250, 250, 245), body=(90, 50), head=32, ears="round", tail="thin",
                   snout=(250, 190, 190))
    for dx, dy, r in ((-40, -70, 16), (10, -80, 12), (30, -55, 14)):
        oval(d, x + dx * s, base + dy * s, r * s, r * s * 0.8, INK)
    for k in (-1, 1):
        d.line([(hx + k * 12 * s, hy - 26 * s), (hx + k * 22 * s, hy - 44 * s)], fill=(230, 220, 180), width=int(6 * s))
    notes(d, hx + 20 * s, hy - 60 * s, s * 0.8)


@element("monkey", "companion")
def monkey(d, x, base, s, rng):
    colour = (140, 90, 50)
    d.arc([x - 80 * s, base - 120 * s, x, base - 20 * s], 90, 270, fill=colour, width=int(8 * s))
    oval(d, x, base - 50 * s, 34 * s, 46 * s, colour)
    for k in (-1, 1):
        oval(d, x + k * 22 * s, base - 6 * s, 14 * s, 8 * s, colour)
        oval(d, x + k * 36 * s, base - 130 * s, 14 * s, 14 * s, (230, 190, 150))
    oval(d, x, base - 125 * s, 34 * s, 32 * s, colour)
    oval(d, x, base - 115 * s, 22 * s, 18 * s, (230, 190, 150))
    eye(d, x - 11 * s, base - 132 * s, s)
    eye(d, x + 11 * s, base - 132 * s, s)
    smile(d, x, base - 112 * s, s)


@element("bluebird", "companion")
def bluebird(d, x, base, s, rng):
    bird(d, x, base - 70 * s, s * 0.9, (70, 130, 230), belly=(180, 210, 250))


# Space


@element("rocket", "object")
def rocket(d, x, base, s, rng):
    y = base - 40 * s
    w, h = 45 * s, 150 * s
    d.polygon([(x - w, y), (x - w - 28 * s, y + 38 * s), (x - w, y + 18 * s)], fill=(230, 60, 60))
    d.polygon([(x + w, y), (x + w + 28 * s, y + 38 * s), (x + w, y + 18 * s)], fill=(230, 60, 60))
    d.rounded_rectangle([x - w, y - h, x + w, y + 28 * s], radius=int(28 * s), fill=(225, 228, 235))
    d.polygon([(x - w, y - h + 20 * s), (x, y - h - 65 * s), (x + w, y - h + 20 * s)], fill=(230, 60, 60))
    oval(d, x, y - h + 60 * s, 20 * s, 20 * s, (90, 170, 230))
    d.polygon([(x - 22 * s, y + 28 * s), (x, y + 40 * s), (x + 22 * s, y + 28 * s)], fill=(255, 170, 40))


@element("shooting_star", "object")
def shooting_star(d, x, base, s, rng):
    y = base - 120 * s
    for k, colour in enumerate(((250, 230, 150), (250, 200, 90), (240, 150, 80))):
        d.line([(x - (40 + 50 * k) * s, y + (30 + 30 * k) * s), (x - (140 + 40 * k) * s, y + (90 + 40 * k) * s)],
               fill=colour, width=int((14 - 3 * k) * s))
    star(d, x, y, 60 * s, GOLD)
    eye(d, x - 14 * s, y - 4 * s, s)
    eye(d, x + 14 * s, y - 4 * s, s)
    smile(d, x, y + 14 * s, s, 8)


@element("pink_planet", "place", sky=True)
def pink_planet(d, x, base, s, rng):
    oval(d, x, base, 110 * s, 110 * s, (245, 140, 190))
    for k in (-50, 0, 50):
        d.arc([x - 110 * s, base + k * s - 30 * s, x + 110 * s, base + k * s + 30 * s], 0, 180, fill=WHITE,
              width=int(8 * s))
    d.polygon([(x - 30 * s, base - 106 * s), (x, base - 150 * s), (x + 30 * s, base - 106 * s)], fill=(245, 140, 190))


@element("comet", "object", sky=True)
def comet(d, x, base, s, rng):
    for k in range(6):
        d.line([(x, base), (x - (180 + 20 * k) * s, base - (40 - 16 * k) * s)], fill=(250, 210, 90), width=int(6 * s))
    oval(d, x, base, 36 * s, 36 * s, (255, 240, 200))


@element("ice_rings", "object", sky=True)
def ice_rings(d, x, base, s, rng):
    oval(d, x, base, 80 * s, 80 * s, (120, 180, 240))
    for k in range(3):
        d.arc([x - (150 + 16 * k) * s, base - (30 + 6 * k) * s, x + (150 + 16 * k) * s, base + (30 + 6 * k) * s],
              0, 360, fill=(210, 240, 255), width=int(6 * s))
    notes(d, x + 120 * s, base - 80 * s, s * 0.8, (210, 240, 255))


@element("alien", "creature")
def alien(d, x, base, s, rng):
    green = (120, 220, 110)
    oval(d, x, base - 60 * s, 50 * s, 60 * s, green)
    oval(d, x, base - 140 * s, 45 * s, 40 * s, green)
    for k in (-1, 1):
        d.line([(x + k * 18 * s, base - 175 * s), (x + k * 30 * s, base - 215 * s)], fill=green, width=int(6 * s))
        oval(d, x + k * 30 * s, base - 218 * s, 9 * s, 9 * s, (250, 230, 90))
    eye(d, x, base - 145 * s, s * 1.6)
    smile(d, x, base - 118 * s, s)
    for k in range(5):
        oval(d, x + (60 + 30 * k) * s, base - (150 + 40 * k) * s, (10 + 5 * k) * s, (10 + 5 * k) * s,
             outline=(200, 240, 255), width=3)


@element("space_station", "place", sky=True)
def space_station(d, x, base, s, rng):
    for a in range(0, 360, 60):
        r = math.radians(a)
        oval(d, x + math.cos(r) * 80 * s, base + math.sin(r) * 80 * s, 45 * s, 45 * s, (240, 170, 210))
    oval(d, x, base, 55 * s, 55 * s, (230, 230, 240))
    for k in (-20, 0, 20):
        oval(d, x + k * s, base, 7 * s, 7 * s, (250, 220, 90))


# Ocean


@element("giant_bubble", "object")
def giant_bubble(d, x, base, s, rng):
    oval(d, x, base - 130 * s, 125 * s, 125 * s, outline=(150, 210, 250), width=int(8 * s))
    d.arc([x - 95 * s, base - 225 * s, x + 20 * s, base - 120 * s], 190, 260, fill=WHITE, width=int(8 * s))


@element("singing_shell", "object")
def singing_shell(d, x, base, s, rng):
    for k in range(5):
        r = (70 - 12 * k) * s
        oval(d, x + k * 6 * s, base - 60 * s - k * 4 * s, r, r * 0.8, (250, 190 - 10 * k, 200 - 10 * k))
    for k in range(-3, 4):
        d.line([(x, base - 10 * s), (x + k * 20 * s, base - 110 * s)], fill=(240, 150, 170), width=max(2, int(3 * s)))
    notes(d, x + 50 * s, base - 150 * s, s)


@element("rainbow_fish", "creature")
def rainbow_fish(d, x, base, s, rng):
    colours = ((240, 80, 80), (250, 160, 40), (250, 220, 60), (90, 200, 110), (80, 150, 240), (170, 100, 230))
    for k, colour in enumerate(colours):
        fish(d, x + (k % 3 - 1) * 100 * s, base - 220 * s + (k // 3) * 70 * s + (k % 2) * 20 * s, s * 0.8, colour)


@element("octopus", "creature")
def octopus(d, x, base, s, rng):
    purple = (180, 90, 200)
    for k in range(8):
        a = math.radians(200 + k * 20)
        d.line([(x, base - 80 * s), (x - math.cos(a) * 110 * s, base - 10 * s - abs(k - 3.5) * 6 * s)], fill=purple,
               width=int(16 * s))
    oval(d, x, base - 120 * s, 65 * s, 70 * s, purple)
    eye(d, x - 22 * s, base - 120 * s, s * 1.3)
    eye(d, x + 22 * s, base - 120 * s, s * 1.3)
    smile(d, x, base - 95 * s, s)
    for k in range(3):  # the pearls it juggles
        oval(d, x + (k - 1) * 60 * s, base - (230 + 30 * (k % 2)) * s, 12 * s, 12 * s, (250, 245, 235))


@element("coral_garden", "place")
def coral_garden(d, x, base, s, rng):
    for k, colour in enumerate(((240, 110, 140), (250, 160, 120), (240, 90, 170), (250, 130, 150))):
        cx = x + (k - 1.5) * 60 * s
        for j in range(4):
            d.line([(cx, base), (cx + (j - 1.5) * 26 * s, base - (90 + 30 * ((j + k) % 3)) * s)], fill=colour,
                   width=int(12 * s))
        oval(d, cx, base - 2 * s, 16 * s, 10 * s, colour)


@element("whale", "creature")
def whale(d, x, base, s, rng):
    blue = (80, 120, 190)
    y = base - 200 * s
    d.polygon([(x - 150 * s, y), (x - 230 * s, y - 50 * s), (x - 220 * s, y + 40 * s)], fill=blue)
    oval(d, x, y, 160 * s, 80 * s, blue)
    oval(d, x + 10 * s, y + 35 * s, 120 * s, 40 * s, (180, 210, 240))
    eye(d, x + 100 * s, y - 14 * s, s * 1.2)
    smile(d, x + 120 * s, y + 12 * s, s)
    notes(d, x + 60 * s, y - 120 * s, s, WHITE)


@element("crab", "creature")
def crab(d, x, base, s, rng):
    red = (230, 80, 60)
    for k in (-1, 1):
        for j in range(3):
            d.line([(x + k * 30 * s, base - 30 * s), (x + k * (70 + 10 * j) * s, base - (j * 6) * s)], fill=red,
                   width=int(7 * s))
        d.line([(x + k * 40 * s, base - 50 * s), (x + k * 70 * s, base - 110 * s)], fill=red, width=int(9 * s))
        d.pieslice([x + k * 70 * s - 22 * s, base - 140 * s, x + k * 70 * s + 22 * s, base - 96 * s], 300, 240,
                   fill=red)
        eye(d, x + k * 16 * s, base - 82 * s, s)
    oval(d, x, base - 40 * s, 55 * s, 32 * s, red)
    smile(d, x, base - 40 * s, s)


# Forest


@element("fireflies", "creature")
def fireflies(d, x, base, s, rng):
    for k in range(14):
        fx, fy = x + (k - 7) * 28 * s, base - 40 * s - math.sin(k / 2) * 60 * s - k * 8 * s
        oval(d, fx, fy, 13 * s, 13 * s, (250, 250, 160))
        oval(d, fx, fy, 6 * s, 6 * s, (255, 230, 60))


@element("oak_key", "object")
def oak_key(d, x, base, s, rng):
    y = base - 120 * s
    oval(d, x - 60 * s, y, 36 * s, 36 * s, outline=GOLD, width=int(14 * s))
    d.line([(x - 26 * s, y), (x + 90 * s, y)], fill=GOLD, width=int(14 * s))
    for k in (50, 80):
        d.rectangle([x + k * s, y, x + (k + 12) * s, y + 34 * s], fill=GOLD)
    d.polygon([(x - 70 * s, y - 60 * s), (x - 40 * s, y - 90 * s), (x - 30 * s, y - 54 * s)], fill=(90, 170, 70))


@element("mushroom", "object")
def mushroom(d, x, base, s, rng):
    d.rounded_rectangle([x - 30 * s, base - 150 * s, x + 30 * s, base], radius=int(12 * s), fill=(245, 235, 220))
    d.chord([x - 120 * s, base - 260 * s, x + 120 * s, base - 100 * s], 180, 360, fill=(220, 50, 50))
    for dx, dy in ((-70, -150), (-20, -220), (40, -170), (80, -140), (5, -150)):
        oval(d, x + dx * s, base + dy * s, 14 * s, 11 * s, WHITE)


@element("owl", "creature")
def owl(d, x, base, s, rng):
    brown = (150, 110, 70)
    oval(d, x, base - 90 * s, 55 * s, 80 * s, brown)
    oval(d, x, base - 70 * s, 36 * s, 50 * s, (220, 190, 150))
    for k in (-1, 1):
        d.polygon([(x + k * 20 * s, base - 160 * s), (x + k * 48 * s, base - 200 * s), (x + k * 50 * s, base - 150 * s)],
                  fill=brown)
        oval(d, x + k * 22 * s, base - 135 * s, 17 * s, 17 * s, WHITE)
        oval(d, x + k * 22 * s, base - 135 * s, 7 * s, 7 * s, INK)
        oval(d, x + k * 22 * s, base - 135 * s, 22 * s, 22 * s, outline=INK, width=max(2, int(4 * s)))  # glasses
    d.line([(x - 2 * s, base - 137 * s), (x + 2 * s, base - 137 * s)], fill=INK, width=max(2, int(4 * s)))
    d.polygon([(x - 8 * s, base - 115 * s), (x + 8 * s, base - 115 * s), (x, base - 100 * s)], fill=(240, 170, 40))
    d.rectangle([x - 70 * s, base - 12 * s, x + 70 * s, base], fill=(110, 75, 45))  # its branch


@element("fox", "creature")
def fox(d, x, base, s, rng):
    beast(d, x, base, s, (230, 120, 40), body=(80, 38), head=30, ears="pointed", tail="bushy", snout=(250, 240, 230))


@element("fairies", "creature")
def fairies(d, x, base, s, rng):
    oval(d, x, base - 10 * s, 170 * s, 40 * s, (170, 220, 120))  # the clearing
    for k in range(3):
        fx, fy = x + (k - 1) * 100 * s, base - (150 + 40 * (k % 2)) * s
        for side in (-1, 1):
            oval(d, fx + side * 22 * s, fy - 10 * s, 22 * s, 32 * s, (210, 235, 255))
        d.polygon([(fx - 14 * s, fy + 40 * s), (fx + 14 * s, fy + 40 * s), (fx, fy)],
                  fill=((240, 130, 200), (150, 120, 240), (120, 210, 200))[k])
        oval(d, fx, fy - 8 * s, 12 * s, 12 * s, (250, 215, 180))
    sparkles(d, x, base - 160 * s, s, rng, 8)


@element("root_bridge", "place")
def root_bridge(d, x, base, s, rng):
    d.rectangle([x - 170 * s, base - 30 * s, x + 170 * s, base], fill=(90, 150, 210))  # the stream below
    for k in range(5):
        d.arc([x - 170 * s, base - (150 - k * 8) * s, x + 170 * s, base + (60 + k * 8) * s], 190, 350,
              fill=(120 - k * 6, 80, 45), width=int(12 * s))


@element("hedgehogs", "creature")
def hedgehogs(d, x, base, s, rng):
    for k, size in enumerate((1.0, 0.7, 0.6)):
        hx = x + (k - 1) * 100 * s
        z = s * size
        for j in range(9):
            a = math.radians(180 + j * 20)
            d.polygon([(hx + math.cos(a) * 30 * z, base - 30 * z + math.sin(a) * 22 * z),
                       (hx + math.cos(a) * 62 * z, base - 30 * z + math.sin(a) * 50 * z),
                       (hx + math.cos(a + 0.2) * 30 * z, base - 30 * z + math.sin(a + 0.2) * 22 * z)],
                      fill=(110, 80, 50))
        oval(d, hx, base - 30 * z, 50 * z, 32 * z, (140, 100, 60))
        oval(d, hx + 44 * z, base - 24 * z, 22 * z, 18 * z, (230, 200, 160))
        oval(d, hx + 64 * z, base - 26 * z, 5 * z, 5 * z, INK)
        eye(d, hx + 44 * z, base - 32 * z, z)


# Dinosaurs


@element("spotted_egg", "object")
def spotted_egg(d, x, base, s, rng):
    oval(d, x, base - 100 * s, 75 * s, 100 * s, (245, 240, 220))
    for dx, dy, r in ((-30, -140, 14), (20, -100, 18), (-10, -60, 12), (35, -160, 10), (-40, -90, 10)):
        oval(d, x + dx * s, base + dy * s, r * s, r * s, (120, 170, 110))


@element("nest", "object")
def nest(d, x, base, s, rng):
    for k in range(3):
        oval(d, x + (k - 1) * 40 * s, base - 70 * s, 30 * s, 40 * s, (245, 240, 220))
    d.chord([x - 120 * s, base - 110 * s, x + 120 * s, base], 0, 180, fill=(150, 110, 60))
    for k in range(6):
        d.line([(x - 110 * s, base - (50 - k * 7) * s), (x + 110 * s, base - (40 - k * 6) * s)], fill=(110, 80, 40),
               width=max(2, int(4 * s)))


@element("diplodocus", "creature")
def diplodocus(d, x, base, s, rng):
    hx, hy = beast(d, x, base, s, (110, 180, 90), body=(120, 60), leg=60, neck=160, head=26, tail="thin")
    smile(d, hx + 6 * s, hy + 10 * s, s, 8)


@element("volcano", "place")
def volcano(d, x, base, s, rng):
    d.polygon([(x - 200 * s, base), (x - 50 * s, base - 260 * s), (x + 50 * s, base - 260 * s), (x + 200 * s, base)],
              fill=(120, 90, 80))
    d.polygon([(x - 50 * s, base - 260 * s), (x + 50 * s, base - 260 * s), (x + 30 * s, base - 220 * s),
               (x - 35 * s, base - 230 * s)], fill=(240, 110, 50))
    for k in range(4):
        oval(d, x + (k % 2 * 30 - 15) * s, base - (300 + 45 * k) * s, (24 + 8 * k) * s, (24 + 8 * k) * s, (215, 215, 215))


@element("pterodactyl", "creature", sky=True)
def pterodactyl(d, x, base, s, rng):
    colour = (200, 120, 90)
    d.polygon([(x, base), (x - 150 * s, base - 60 * s), (x - 40 * s, base + 20 * s)], fill=colour)
    d.polygon([(x, base), (x + 150 * s, base - 60 * s), (x + 40 * s, base + 20 * s)], fill=colour)
    oval(d, x, base + 6 * s, 30 * s, 20 * s, colour)
    d.polygon([(x + 20 * s, base - 10 * s), (x + 80 * s, base + 6 * s), (x + 20 * s, base + 10 * s)], fill=colour)
    d.polygon([(x + 10 * s, base - 12 * s), (x - 30 * s, base - 34 * s), (x, base - 4 * s)], fill=colour)
    eye(d, x + 20 * s, base - 2 * s, s * 0.8)


@element("stegosaurus", "creature")
def stegosaurus(d, x, base, s, rng):
    colour = (230, 150, 70)
    for k in range(5):
        px = x - 80 * s + k * 40 * s
        d.polygon([(px - 18 * s, base - 110 * s), (px, base - 165 * s), (px + 18 * s, base - 110 * s)],
                  fill=(200, 90, 60))
    beast(d, x, base, s, colour, body=(110, 48), leg=34, head=24, tail="thin", closed=True)
    for k in range(3):  # asleep
        say(d, x + (120 + k * 22) * s, base - (170 + k * 28) * s, "z", s, 24 + 6 * k)


@element("tyrannosaurus", "creature")
def tyrannosaurus(d, x, base, s, rng):
    colour = (120, 150, 220)
    d.polygon([(x - 40 * s, base - 100 * s), (x - 170 * s, base - 30 * s), (x - 40 * s, base - 60 * s)], fill=colour)
    for k in (-1, 1):
        d.rectangle([x + k * 26 * s - 12 * s, base - 70 * s, x + k * 26 * s + 12 * s, base], fill=colour)
    oval(d, x, base - 130 * s, 60 * s, 85 * s, colour)
    oval(d, x + 40 * s, base - 240 * s, 60 * s, 42 * s, colour)
    d.line([(x + 40 * s, base - 140 * s), (x + 65 * s, base - 125 * s)], fill=colour, width=int(8 * s))
    eye(d, x + 50 * s, base - 252 * s, s)
    smile(d, x + 70 * s, base - 222 * s, s)
    oval(d, x + 150 * s, base - 300 * s, 48 * s, 28 * s, WHITE)
    say(d, x + 118 * s, base - 317 * s, "hic!", s, 26)


# Pirates


@element("red_ship", "object")
def red_ship(d, x, base, s, rng):
    hull = (120, 70, 40)
    d.polygon([(x - 160 * s, base - 60 * s), (x + 160 * s, base - 60 * s), (x + 110 * s, base + 10 * s),
               (x - 110 * s, base + 10 * s)], fill=hull)
    d.rectangle([x - 6 * s, base - 320 * s, x + 6 * s, base - 60 * s], fill=(80, 50, 30))
    for k in (-1, 1):
        d.polygon([(x + k * 10 * s, base - 310 * s), (x + k * 125 * s, base - 110 * s), (x + k * 10 * s, base - 100 * s)],
                  fill=(215, 50, 45))


@element("treasure", "object")
def treasure(d, x, base, s, rng):
    d.rectangle([x - 90 * s, base - 110 * s, x + 90 * s, base], fill=(140, 90, 40))
    d.chord([x - 90 * s, base - 170 * s, x + 90 * s, base - 60 * s], 180, 360, fill=(160, 100, 45))
    for k in range(7):
        oval(d, x + (k - 3) * 24 * s, base - 120 * s - (k % 3) * 10 * s, 14 * s, 14 * s, GOLD)
    d.rectangle([x - 14 * s, base - 100 * s, x + 14 * s, base - 70 * s], fill=GOLD)
    sparkles(d, x, base - 170 * s, s, rng, 5)


@element("map", "object")
def treasure_map(d, x, base, s, rng):
    y = base - 120 * s
    d.polygon([(x - 100 * s, y - 70 * s), (x + 100 * s, y - 80 * s), (x + 90 * s, y + 70 * s), (x + 40 * s, y + 60 * s),
               (x + 30 * s, y + 80 * s), (x - 95 * s, y + 72 * s)], fill=(240, 220, 170))
    d.line([(x - 70 * s, y + 40 * s), (x - 20 * s, y), (x + 20 * s, y + 20 * s), (x + 50 * s, y - 30 * s)],
           fill=(170, 80, 60), width=max(2, int(4 * s)))
    for k in (-1, 1):
        d.line([(x + 40 * s, y - 40 * s + k * 0), (x + 60 * s, y - 20 * s)], fill=(220, 40, 40), width=int(6 * s))
    d.line([(x + 60 * s, y - 40 * s), (x + 40 * s, y - 20 * s)], fill=(220, 40, 40), width=int(6 * s))


@element("turtle_island", "place")
def turtle_island(d, x, base, s, rng):
    oval(d, x + 170 * s, base - 40 * s, 40 * s, 30 * s, (120, 170, 90))
    eye(d, x + 180 * s, base - 48 * s, s)
    d.chord([x - 170 * s, base - 140 * s, x + 170 * s, base + 40 * s], 180, 360, fill=(120, 170, 90))
    for k in (-80, 0, 80):
        oval(d, x + k * s, base - 60 * s, 30 * s, 20 * s, (100, 150, 80))
    d.line([(x, base - 90 * s), (x + 20 * s, base - 230 * s)], fill=(140, 100, 60), width=int(16 * s))
    for a in range(0, 360, 60):
        r = math.radians(a)
        d.line([(x + 20 * s, base - 230 * s), (x + 20 * s + math.cos(r) * 90 * s, base - 210 * s + math.sin(r) * 40 * s)],
               fill=(40, 140, 60), width=int(16 * s))


@element("dolphin", "creature")
def dolphin(d, x, base, s, rng):
    colour = (110, 150, 200)
    d.arc([x - 130 * s, base - 200 * s, x + 130 * s, base + 60 * s], 200, 340, fill=colour, width=int(50 * s))
    d.polygon([(x - 120 * s, base - 60 * s), (x - 170 * s, base - 40 * s), (x - 140 * s, base - 100 * s)], fill=colour)
    d.polygon([(x, base - 190 * s), (x - 30 * s, base - 240 * s), (x + 20 * s, base - 195 * s)], fill=colour)
    d.polygon([(x + 115 * s, base - 95 * s), (x + 170 * s, base - 80 * s), (x + 120 * s, base - 70 * s)], fill=colour)
    eye(d, x + 100 * s, base - 115 * s, s)


@element("spyglass", "object")
def spyglass(d, x, base, s, rng):
    y = base - 110 * s
    for k, (w, colour) in enumerate(((24, (180, 130, 60)), (20, GOLD), (16, (180, 130, 60)))):
        d.rectangle([x - 90 * s + k * 60 * s, y - w * s, x - 30 * s + k * 60 * s, y + w * s], fill=colour)
    oval(d, x + 92 * s, y, 10 * s, 18 * s, (150, 210, 250))
    sparkles(d, x + 100 * s, y - 40 * s, s * 0.6, rng, 5)


@element("bottle", "object")
def bottle(d, x, base, s, rng):
    green = (120, 200, 170)
    d.rounded_rectangle([x - 40 * s, base - 150 * s, x + 40 * s, base], radius=int(20 * s), fill=green)
    d.rectangle([x - 14 * s, base - 200 * s, x + 14 * s, base - 140 * s], fill=green)
    d.rectangle([x - 16 * s, base - 214 * s, x + 16 * s, base - 196 * s], fill=(150, 100, 60))
    d.rounded_rectangle([x - 22 * s, base - 120 * s, x + 22 * s, base - 40 * s], radius=int(8 * s), fill=(245, 230, 190))
    for k in range(3):
        d.line([(x - 14 * s, base - (100 - 20 * k) * s), (x + 14 * s, base - (100 - 20 * k) * s)], fill=INK, width=2)


# Castle


@element("drawbridge", "place")
def drawbridge(d, x, base, s, rng):
    stone = (200, 195, 210)
    d.rectangle([x - 130 * s, base - 300 * s, x + 130 * s, base - 40 * s], fill=stone)
    for k in range(-2, 3):
        d.rectangle([x + k * 52 * s - 16 * s, base - 330 * s, x + k * 52 * s + 16 * s, base - 300 * s], fill=stone)
    d.chord([x - 60 * s, base - 200 * s, x + 60 * s, base - 40 * s], 180, 360, fill=(60, 40, 30))
    d.rectangle([x - 60 * s, base - 120 * s, x + 60 * s, base - 40 * s], fill=(60, 40, 30))
    d.polygon([(x - 60 * s, base - 40 * s), (x + 60 * s, base - 40 * s), (x + 80 * s, base + 20 * s),
               (x - 80 * s, base + 20 * s)], fill=(150, 100, 60))
    for k in (-1, 1):
        d.line([(x + k * 60 * s, base - 190 * s), (x + k * 78 * s, base + 14 * s)], fill=(80, 80, 80), width=3)


@element("crown", "object")
def crown(d, x, base, s, rng):
    y = base - 110 * s
    d.polygon([(x - 80 * s, y + 40 * s), (x - 80 * s, y - 40 * s), (x - 40 * s, y), (x, y - 60 * s), (x + 40 * s, y),
               (x + 80 * s, y - 40 * s), (x + 80 * s, y + 40 * s)], fill=GOLD)
    for k, colour in ((-40, (220, 40, 60)), (0, (60, 120, 230)), (40, (40, 180, 90))):
        oval(d, x + k * s, y + 20 * s, 10 * s, 10 * s, colour)
    sparkles(d, x, y - 50 * s, s, rng, 5)


@element("knight", "creature")
def knight(d, x, base, s, rng):
    hx, hy = person(d, x, base, s, (170, 175, 190))
    d.chord([hx - 34 * s, hy - 40 * s, hx + 34 * s, hy + 20 * s], 180, 360, fill=(150, 155, 170))  # the helmet
    d.line([(hx, hy - 40 * s), (hx, hy - 70 * s)], fill=(220, 50, 50), width=int(8 * s))
    oval(d, x + 80 * s, base - 10 * s, 16 * s, 10 * s, (160, 160, 170))  # the mouse
    oval(d, x + 94 * s, base - 18 * s, 6 * s, 6 * s, (200, 160, 170))
    d.ellipse([x - 30 * s, base - 120 * s, x + 10 * s, base - 70 * s], outline=(100, 100, 120), width=3)


@element("apple_pies", "object")
def apple_pies(d, x, base, s, rng):
    d.rectangle([x - 150 * s, base - 90 * s, x + 150 * s, base - 70 * s], fill=(150, 100, 60))
    for k in (-1, 1):
        d.rectangle([x + k * 130 * s - 8 * s, base - 70 * s, x + k * 130 * s + 8 * s, base], fill=(120, 80, 50))
    for k in (-90, 0, 90):
        d.chord([x + k * s - 50 * s, base - 130 * s, x + k * s + 50 * s, base - 70 * s], 180, 360, fill=(220, 160, 80))
        for j in (-20, 0, 20):
            d.line([(x + (k + j) * s, base - 124 * s), (x + (k + j) * s, base - 96 * s)], fill=(180, 110, 50), width=3)
        oval(d, x + (k + 30) * s, base - 140 * s, 12 * s, 12 * s, (220, 50, 50))


@element("roses", "place")
def roses(d, x, base, s, rng):
    for k in range(5):
        rx, ry = x + (k - 2) * 60 * s, base - (80 + 40 * (k % 2)) * s
        d.line([(rx, base), (rx, ry)], fill=(60, 140, 60), width=int(8 * s))
        oval(d, rx - 20 * s, ry + 40 * s, 16 * s, 9 * s, (70, 160, 70))
        oval(d, rx, ry, 28 * s, 26 * s, (230, 60, 90))
        eye(d, rx - 8 * s, ry - 4 * s, s * 0.7)
        eye(d, rx + 8 * s, ry - 4 * s, s * 0.7)
        smile(d, rx, ry + 8 * s, s * 0.7)


@element("wizard", "creature")
def wizard(d, x, base, s, rng):
    hx, hy = person(d, x, base, s, (90, 70, 170), hat=(70, 50, 150))
    d.polygon([(hx - 24 * s, hy + 10 * s), (hx + 24 * s, hy + 10 * s), (hx, hy + 80 * s)], fill=(60, 110, 230))  # beard
    star(d, hx, hy - 60 * s, 10 * s, GOLD)
    d.line([(x + 50 * s, base), (x + 60 * s, base - 190 * s)], fill=(120, 80, 40), width=int(8 * s))
    star(d, x + 60 * s, base - 200 * s, 18 * s, GOLD)


@element("wooden_horses", "object")
def wooden_horses(d, x, base, s, rng):
    for k, colour in enumerate(((200, 150, 90), (230, 200, 120))):
        hx = x + (k - 0.5) * 160 * s
        d.arc([hx - 70 * s, base - 60 * s, hx + 70 * s, base + 20 * s], 20, 160, fill=(140, 90, 50), width=int(10 * s))
        hx2, hy2 = beast(d, hx, base - 20 * s, s * 0.7, colour, body=(80, 36), leg=40, neck=20, head=26, ears="pointed")
        d.line([(hx2 - 20 * s, hy2 - 20 * s), (hx2 - 40 * s, hy2 + 20 * s)], fill=(200, 60, 60), width=int(8 * s))
    for k in range(3):
        d.polygon([(x + (k - 1) * 120 * s, base - 330 * s), (x + (k - 1) * 120 * s + 40 * s, base - 310 * s),
                   (x + (k - 1) * 120 * s, base - 290 * s)], fill=((220, 60, 60), (60, 120, 230), (250, 200, 40))[k])


# Farm


@element("tractor", "object")
def tractor(d, x, base, s, rng):
    red = (210, 50, 40)
    d.rectangle([x - 90 * s, base - 130 * s, x + 60 * s, base - 60 * s], fill=red)
    d.rectangle([x - 90 * s, base - 210 * s, x - 10 * s, base - 130 * s], outline=red, width=int(10 * s))
    d.rectangle([x + 40 * s, base - 170 * s, x + 54 * s, base - 130 * s], fill=(80, 80, 80))
    oval(d, x - 55 * s, base - 55 * s, 55 * s, 55 * s, (50, 50, 50))
    oval(d, x - 55 * s, base - 55 * s, 22 * s, 22 * s, (230, 200, 60))
    oval(d, x + 50 * s, base - 32 * s, 32 * s, 32 * s, (50, 50, 50))
    oval(d, x + 50 * s, base - 32 * s, 12 * s, 12 * s, (230, 200, 60))


@element("lamb", "creature")
def lamb(d, x, base, s, rng):
    for k in (-30, -10, 10, 30):
        d.rectangle([x + k * s - 6 * s, base - 40 * s, x + k * s + 6 * s, base], fill=(60, 50, 50))
    for dx, dy in ((-30, -60), (0, -70), (30, -60), (-15, -45), (15, -45)):
        oval(d, x + dx * s, base + dy * s, 28 * s, 24 * s, (250, 250, 250))
    oval(d, x + 55 * s, base - 80 * s, 20 * s, 22 * s, (70, 60, 60))
    eye(d, x + 62 * s, base - 86 * s, s * 0.8)
    d.polygon([(x + 40 * s, base - 110 * s), (x + 60 * s, base - 100 * s), (x + 50 * s, base - 120 * s)],
              fill=(220, 40, 60))  # a bow: this lamb was looked for


@element("hen", "creature")
def hen(d, x, base, s, rng):
    hx, hy = bird(d, x, base - 80 * s, s, (250, 245, 235))
    for k in (-8, 8):
        oval(d, hx + k * s, hy - 30 * s, 9 * s, 10 * s, (220, 40, 40))
    for k in range(3):
        oval(d, x - 80 * s + k * 28 * s, base - 18 * s, 14 * s, 18 * s, GOLD)


@element("pig", "creature")
def pig(d, x, base, s, rng):
    oval(d, x, base - 4 * s, 150 * s, 26 * s, (130, 90, 60))  # the mud
    beast(d, x, base - 10 * s, s, (250, 180, 190), body=(80, 45), leg=26, head=34, ears="pointed",
          snout=(240, 150, 165))
    d.arc([x - 110 * s, base - 110 * s, x - 80 * s, base - 80 * s], 0, 300, fill=(240, 150, 165), width=int(5 * s))
    for k in range(4):
        oval(d, x + (k - 1.5) * 40 * s, base - (60 + (k % 2) * 20) * s, 10 * s, 7 * s, (130, 90, 60))


@element("pumpkins", "place")
def pumpkins(d, x, base, s, rng):
    for k, size in enumerate((1.0, 0.7, 0.85, 0.6)):
        px, r = x + (k - 1.5) * 85 * s, 50 * s * size
        for j in (-1, 0, 1):
            oval(d, px + j * r * 0.5, base - r, r * 0.7, r, (240, 140, 40))
        d.rectangle([px - 5 * s, base - 2 * r - 16 * s, px + 5 * s, base - 2 * r + 4 * s], fill=(90, 140, 50))
    d.line([(x - 190 * s, base - 10 * s), (x + 190 * s, base - 14 * s)], fill=(80, 150, 60), width=int(6 * s))


@element("donkey", "creature")
def donkey(d, x, base, s, rng):
    hx, hy = beast(d, x, base, s, (160, 160, 170), body=(85, 42), leg=56, neck=30, head=30, ears="long", tail="thin",
                   snout=(210, 210, 215))
    smile(d, hx + 20 * s, hy + 18 * s, s)
    say(d, hx - 30 * s, hy - 120 * s, "ha ha!", s, 24)


@element("ducks", "creature")
def ducks(d, x, base, s, rng):
    for k in range(4):
        a = k * math.tau / 4
        dx, dy = x + math.cos(a) * 110 * s, base - 40 * s + math.sin(a) * 30 * s
        bird(d, dx, dy - 40 * s, s * 0.6, (250, 230, 80), facing=1 if math.sin(a) > 0 else -1)


# Jungle


@element("vine", "place")
def vine(d, x, base, s, rng):
    d.line([(x, 0), (x + 30 * s, base * 0.5), (x, base)], fill=(40, 120, 40), width=int(14 * s), joint="curve")
    for k in range(8):
        ly = base * (k + 1) / 9
        side = 1 if k % 2 else -1
        oval(d, x + side * 26 * s + 10 * s, ly, 22 * s, 12 * s, (70, 170, 60))


@element("glowing_flower", "object")
def glowing_flower(d, x, base, s, rng):
    for r in (110, 80):
        oval(d, x, base - 140 * s, r * s, r * s, (255, 245, 170) if r == 110 else (255, 235, 120))
    d.line([(x, base), (x, base - 110 * s)], fill=(40, 130, 50), width=int(10 * s))
    for a in range(0, 360, 60):
        r = math.radians(a)
        oval(d, x + math.cos(r) * 36 * s, base - 140 * s + math.sin(r) * 36 * s, 24 * s, 24 * s, (240, 90, 200))
    oval(d, x, base - 140 * s, 22 * s, 22 * s, (255, 230, 80))


@element("toucan", "creature")
def toucan(d, x, base, s, rng):
    hx, hy = bird(d, x, base - 90 * s, s, INK, beak=(250, 150, 30), belly=(250, 240, 220), big_beak=True)
    d.polygon([(hx + 20 * s, hy - 8 * s), (hx + 90 * s, hy + 4 * s), (hx + 20 * s, hy)], fill=(240, 60, 60))
    d.rectangle([x - 70 * s, base - 30 * s, x + 70 * s, base - 18 * s], fill=(110, 75, 45))


@element("waterfall", "place")
def waterfall(d, x, base, s, rng):
    d.polygon([(x - 160 * s, base), (x - 130 * s, base - 360 * s), (x - 60 * s, base - 380 * s), (x - 70 * s, base)],
              fill=(110, 110, 120))
    d.polygon([(x + 160 * s, base), (x + 130 * s, base - 360 * s), (x + 60 * s, base - 380 * s), (x + 70 * s, base)],
              fill=(110, 110, 120))
    d.rectangle([x - 70 * s, base - 370 * s, x + 70 * s, base], fill=(120, 190, 240))
    for k in range(5):
        d.line([(x + (k - 2) * 28 * s, base - 360 * s), (x + (k - 2) * 28 * s, base - 20 * s)], fill=(200, 235, 255),
               width=int(5 * s))
    for k in range(6):
        oval(d, x + (k - 2.5) * 40 * s, base - 10 * s, 26 * s, 16 * s, WHITE)
    notes(d, x + 110 * s, base - 420 * s, s)


@element("elephant", "creature")
def elephant(d, x, base, s, rng):
    grey = (150, 155, 170)
    hx, hy = beast(d, x, base, s, grey, body=(110, 65), leg=50, head=46, tail="thin")
    oval(d, hx - 30 * s, hy, 34 * s, 44 * s, (130, 135, 150))
    oval(d, hx, hy, 46 * s, 41 * s, grey)
    eye(d, hx + 12 * s, hy - 10 * s, s)
    d.line([(hx + 30 * s, hy + 10 * s), (hx + 60 * s, hy - 40 * s), (hx + 70 * s, hy - 90 * s)], fill=grey,
           width=int(22 * s), joint="curve")
    for k in range(8):  # the spray
        oval(d, hx + (60 + (k % 4) * 25) * s, hy - (110 + (k // 4) * 30 + k * 5) * s, 6 * s, 6 * s, (120, 190, 250))


@element("tiger", "creature")
def tiger(d, x, base, s, rng):
    orange = (240, 140, 40)
    hx, hy = beast(d, x, base, s, orange, body=(95, 42), leg=44, head=34, ears="round", tail="thin",
                   snout=(250, 240, 230), closed=True)
    for k in range(-3, 4):
        d.line([(x + k * 24 * s, base - 130 * s), (x + k * 24 * s + 8 * s, base - 95 * s)], fill=INK, width=int(7 * s))
    say(d, hx - 30 * s, hy - 90 * s, "rrr…", s, 28)


@element("giraffe", "creature")
def giraffe(d, x, base, s, rng):
    yellow = (245, 200, 90)
    hx, hy = beast(d, x, base, s, yellow, body=(70, 40), leg=100, neck=190, head=26, ears="pointed", tail="thin")
    for dx, dy in ((-30, -160), (10, -150), (40, -170), (-10, -180)):
        oval(d, x + dx * s, base + dy * s, 10 * s, 8 * s, (180, 110, 50))
    for k in range(3):
        oval(d, hx + (k - 1) * 40 * s, hy - 70 * s, 34 * s, 20 * s, WHITE)  # the clouds it nibbles


# The generic land of dreams


@element("magic_door", "place")
def magic_door(d, x, base, s, rng):
    d.rounded_rectangle([x - 80 * s, base - 260 * s, x + 80 * s, base], radius=int(70 * s), fill=(120, 70, 180))
    d.rounded_rectangle([x - 64 * s, base - 244 * s, x + 64 * s, base], radius=int(60 * s), fill=(255, 240, 170))
    oval(d, x + 40 * s, base - 120 * s, 9 * s, 9 * s, GOLD)
    sparkles(d, x, base - 260 * s, s, rng, 8, GOLD)


@element("golden_star", "object")
def golden_star(d, x, base, s, rng):
    star(d, x, base - 140 * s, 90 * s, GOLD)
    star(d, x, base - 140 * s, 50 * s, (255, 235, 120))
    sparkles(d, x, base - 150 * s, s * 1.4, rng, 6)


@element("rainbow", "place", sky=True)
def rainbow(d, x, base, s, rng):
    for k, colour in enumerate(((230, 60, 60), (250, 160, 40), (250, 230, 60), (80, 190, 90), (60, 120, 230))):
        r = (260 - k * 22) * s
        d.arc([x - r, base - r * 0.3, x + r, base + 2 * r], 180, 360, fill=colour, width=int(22 * s))


@element("cloud_rabbit", "creature", sky=True)
def cloud_rabbit(d, x, base, s, rng):
    for dx, dy, r in ((0, 0, 60), (-60, 10, 45), (60, 10, 45), (30, -50, 40)):
        oval(d, x + dx * s, base + dy * s, r * s, r * s, WHITE)
    for k in (10, 50):
        oval(d, x + k * s, base - 120 * s, 16 * s, 48 * s, WHITE)
    eye(d, x + 40 * s, base - 54 * s, s)


@element("sky_train", "object", sky=True)
def sky_train(d, x, base, s, rng):
    for k, colour in enumerate(((220, 60, 60), (60, 120, 220), (250, 190, 40))):
        cx = x + (k - 1) * 110 * s
        d.rounded_rectangle([cx - 50 * s, base - 60 * s, cx + 50 * s, base], radius=int(10 * s), fill=colour)
        for w in (-25, 25):
            oval(d, cx + w * s, base + 4 * s, 14 * s, 14 * s, INK)
    d.rectangle([x - 160 * s + 5 * s, base - 100 * s, x - 140 * s, base - 60 * s], fill=(80, 80, 80))
    for k in range(3):
        oval(d, x - 150 * s - k * 30 * s, base - (120 + k * 20) * s, (16 + 6 * k) * s, (14 + 5 * k) * s, WHITE)


@element("lollipops", "place")
def lollipops(d, x, base, s, rng):
    for k in range(5):
        lx, top = x + (k - 2) * 70 * s, base - (160 + 50 * (k % 2)) * s
        d.line([(lx, base), (lx, top)], fill=(240, 240, 240), width=int(8 * s))
        colour = ((240, 80, 140), (120, 200, 240), (250, 200, 60), (160, 110, 230), (120, 220, 120))[k]
        oval(d, lx, top, 40 * s, 40 * s, colour)
        d.arc([lx - 24 * s, top - 24 * s, lx + 24 * s, top + 24 * s], 0, 270, fill=WHITE, width=int(6 * s))


@element("kite", "object", sky=True)
def kite(d, x, base, s, rng):
    d.polygon([(x, base - 90 * s), (x + 60 * s, base), (x, base + 110 * s), (x - 60 * s, base)], fill=(240, 90, 90))
    d.line([(x - 60 * s, base), (x + 60 * s, base)], fill=(250, 220, 90), width=4)
    eye(d, x - 18 * s, base - 20 * s, s)
    eye(d, x + 18 * s, base - 20 * s, s)
    smile(d, x, base + 20 * s, s)
    d.line([(x, base + 110 * s), (x - 40 * s, base + 200 * s), (x + 10 * s, base + 280 * s)], fill=INK, width=2)
    for k in range(3):
        d.polygon([(x - 20 * s - k * 12 * s, base + (140 + 40 * k) * s), (x - k * 12 * s, base + (130 + 40 * k) * s),
                   (x - 10 * s - k * 12 * s, base + (160 + 40 * k) * s)], fill=(90, 160, 240))


# Home, where every book starts and ends


@element("home", "place")
def home(d, x, base, s, rng):
    d.rectangle([x - 150 * s, base - 220 * s, x + 150 * s, base], fill=(245, 225, 190))
    d.polygon([(x - 175 * s, base - 215 * s), (x, base - 350 * s), (x + 175 * s, base - 215 * s)], fill=(190, 80, 60))
    d.rectangle([x - 30 * s, base - 110 * s, x + 30 * s, base], fill=(120, 80, 50))
    for k in (-1, 1):
        d.rectangle([x + k * 95 * s - 32 * s, base - 170 * s, x + k * 95 * s + 32 * s, base - 110 * s],
                    fill=(255, 230, 140))
        d.line([(x + k * 95 * s, base - 170 * s), (x + k * 95 * s, base - 110 * s)], fill=(120, 80, 50), width=4)
    d.rectangle([x + 80 * s, base - 320 * s, x + 120 * s, base - 250 * s], fill=(150, 70, 50))
