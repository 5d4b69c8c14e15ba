"""The hero's look: as the parent described it (generation.appearance), the rest fixed by the order's seed.

Hair is drawn around the face, never under the chin: long hair falls behind the shoulders on both sides of the face,
braids and bunches hang beside it, an afro frames it from above.
"""

import math
import random

from .. import appearance
from ..base import BookRequest

OUTFIT = [(230, 57, 70), (42, 157, 143), (244, 162, 97), (69, 123, 157), (131, 56, 236), (255, 190, 11)]
OUTFIT_NAMES = {
    (230, 57, 70): "red", (42, 157, 143): "teal", (244, 162, 97): "orange",
    (69, 123, 157): "blue", (131, 56, 236): "purple", (255, 190, 11): "yellow",
}
# "Surprise me" keeps the look each seed had before parents could describe the hero: the same lists, the same order.
SEEDED_SKIN = [choice.value for choice in appearance.SKIN_TONES]
SEEDED_HAIR = ["dark_brown", "brown", "auburn", "blond", "red", "black"]
SEEDED_STYLES = ["short", "curly", "long", "bunches"]
FRAME = (45, 45, 60)  # glasses


def character_look(request: BookRequest) -> dict:
    """Return the child's look: the parent's description where given, else the seed's choice; the same on every page."""
    rng = random.Random(f"look:{request.seed}")
    seeded = {
        "skin_tone": rng.choice(SEEDED_SKIN),
        "hair_color": rng.choice(SEEDED_HAIR),
        "hair_style": rng.choice(SEEDED_STYLES),
        "outfit": rng.choice(OUTFIT),
        "boots": rng.choice(OUTFIT),
        "scarf": rng.random() < 0.5,
        "glasses": "no",
    }
    for trait in appearance.TRAITS:
        if getattr(request, trait):
            seeded[trait] = appearance.choice(trait, getattr(request, trait)).value
    return {
        **seeded,
        "skin": appearance.choice("skin_tone", seeded["skin_tone"]).rgb,
        "hair": appearance.choice("hair_color", seeded["hair_color"]).rgb,
    }


def character_description(request: BookRequest) -> str:
    look = character_look(request)
    colour = appearance.choice("hair_color", look["hair_color"]).words
    hair = appearance.choice("hair_style", look["hair_style"]).words.replace("hair", f"{colour} hair", 1)
    skin = appearance.choice("skin_tone", look["skin_tone"]).words
    glasses = ", round glasses" if look["glasses"] == "yes" else ""
    extra = f" and a {OUTFIT_NAMES[look['boots']]} scarf" if look["scarf"] else ""
    return (
        f"{request.child_name}, a cheerful {request.child_age}-year-old child with {skin}, {hair}{glasses}, "
        f"a {OUTFIT_NAMES[look['outfit']]} jacket{extra}, drawn in a soft, friendly picture-book style"
    )


def head_of(feet_y: int, scale: float) -> tuple[int, int]:
    """Return the height of the head's centre and its radius for a child standing at `feet_y`."""
    head_r = int(52 * scale)
    neck_y = feet_y - int(70 * scale) - int(120 * scale)
    return neck_y - head_r + int(6 * scale), head_r


def draw_child(pic, look: dict, x: int, feet_y: int, scale: float, rng, toward: int | None = None) -> None:
    """Draw the child standing at (x, feet_y), one arm raised toward `toward` (-1 left, 1 right; else either side)."""
    draw, s = pic.draw, scale
    body_w = int(90 * s)
    hip_y = feet_y - int(70 * s)
    neck_y = hip_y - int(120 * s)
    head_y, head_r = head_of(feet_y, s)
    skin, outfit, boots = look["skin"], look["outfit"], look["boots"]
    for side in (-1, 1):  # legs and boots
        lx = x + side * int(20 * s)
        draw.rectangle([lx - int(12 * s), hip_y, lx + int(12 * s), feet_y - int(14 * s)], fill=(60, 60, 90))
        draw.ellipse([lx - int(18 * s), feet_y - int(22 * s), lx + int(22 * s), feet_y + int(4 * s)], fill=boots)
    draw.rounded_rectangle([x - body_w // 2, neck_y, x + body_w // 2, hip_y + int(8 * s)], radius=int(28 * s), fill=outfit)
    wave = toward or rng.choice([-1, 1])  # one arm raised: toward what the page shows, or either side
    for side in (-1, 1):
        sx, sy = x + side * body_w // 2, neck_y + int(22 * s)
        angle = -0.9 if side == wave else 0.5
        ex = sx + side * int(math.cos(angle) * 70 * s)
        ey = sy + int(math.sin(angle) * 70 * s)
        draw.line([(sx, sy), (ex, ey)], fill=outfit, width=int(20 * s))
        draw.ellipse([ex - int(12 * s), ey - int(12 * s), ex + int(12 * s), ey + int(12 * s)], fill=skin)
    if look["scarf"]:
        draw.rectangle([x - body_w // 2 + 6, neck_y - 4, x + body_w // 2 - 6, neck_y + int(16 * s)], fill=boots)
    hair_behind(draw, look, x, head_y, head_r, s)
    draw.ellipse([x - head_r, head_y - head_r, x + head_r, head_y + head_r], fill=skin)
    hair_in_front(draw, look, x, head_y, head_r, s)
    face(draw, look, x, head_y, s)
    pic.shows("hero")


def hair_behind(draw, look: dict, x: int, y: int, r: int, s: float) -> None:
    """The hair behind the head: beside and above the face only (below the chin, only the jacket shows)."""
    hair, style = look["hair"], look["hair_style"]
    if style == "coily":
        draw.ellipse([x - r * 1.45, y - r * 1.6, x + r * 1.45, y + r * 0.45], fill=hair)
    elif style == "long":
        for side in (-1, 1):  # two curtains over the shoulders, each outside the chin's width
            inner, outer = x + side * r * 0.5, x + side * (r + 12 * s)
            draw.rounded_rectangle([min(inner, outer), y - r * 0.3, max(inner, outer), y + r + 40 * s],
                                   radius=int(18 * s), fill=hair)
        draw.ellipse([x - r - 10 * s, y - r - 8 * s, x + r + 10 * s, y + r * 0.5], fill=hair)
    elif style == "bunches":
        for side in (-1, 1):
            bx = x + side * (r + 16 * s)
            draw.ellipse([bx - 22 * s, y - 24 * s, bx + 22 * s, y + 20 * s], fill=hair)
    elif style == "braids":
        for side in (-1, 1):
            bx = x + side * (r + 4 * s)
            for k in range(5):  # plaited: a chain of small ovals down beside the face
                by = y + k * 17 * s
                draw.ellipse([bx - 11 * s, by - 10 * s, bx + 11 * s, by + 10 * s], fill=hair)
            draw.ellipse([bx - 8 * s, y + 82 * s, bx + 8 * s, y + 96 * s], fill=(240, 80, 120))  # the ribbons


def hair_in_front(draw, look: dict, x: int, y: int, r: int, s: float) -> None:
    """The hair over the top of the head, down to the forehead."""
    hair, style = look["hair"], look["hair_style"]
    if style in ("curly", "coily"):
        count, size = (9, 18) if style == "curly" else (11, 14)
        for i in range(count):
            a = math.pi + i * math.pi / (count - 1)
            cx, cy = x + math.cos(a) * r, y + math.sin(a) * r
            draw.ellipse([cx - size * s, cy - size * s, cx + size * s, cy + size * s], fill=hair)
        draw.chord([x - r, y - r, x + r, y + r], 190, 350, fill=hair)
        draw.ellipse([x - r + 6 * s, y - 16 * s, x + r - 6 * s, y + r], fill=look["skin"])
        return
    draw.chord([x - r - 2 * s, y - r - 4 * s, x + r + 2 * s, y + r], 180, 360, fill=hair)
    draw.ellipse([x - r + 2 * s, y - int(12 * s), x + r - 2 * s, y + int(4 * s)], fill=look["skin"])


def face(draw, look: dict, x: int, y: int, s: float) -> None:
    for side in (-1, 1):  # eyes, cheeks
        ex = x + side * int(18 * s)
        # White around the pupil, so the eyes read on the darkest skin too.
        draw.ellipse([ex - int(9 * s), y + int(1 * s), ex + int(9 * s), y + int(19 * s)], fill=(255, 255, 255))
        draw.ellipse([ex - int(6 * s), y + int(4 * s), ex + int(6 * s), y + int(16 * s)], fill=(30, 30, 40))
        draw.ellipse([ex - int(12 * s), y + int(22 * s), ex + int(4 * s), y + int(30 * s)], fill=(250, 150, 150))
        if look["glasses"] == "yes":
            draw.ellipse([ex - 15 * s, y - 5 * s, ex + 15 * s, y + 25 * s], outline=FRAME, width=max(2, int(4 * s)))
    if look["glasses"] == "yes":
        draw.line([(x - 3 * s, y + 8 * s), (x + 3 * s, y + 8 * s)], fill=FRAME, width=max(2, int(4 * s)))
    draw.arc([x - int(18 * s), y + int(12 * s), x + int(18 * s), y + int(36 * s)], 20, 160,
             fill=(120, 40, 40), width=max(2, int(4 * s)))
