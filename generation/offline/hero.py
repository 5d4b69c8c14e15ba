"""The hero's look: skin, hair and clothes fixed by the order's seed, described for prompts and drawn on every page."""

import math
import random

from ..base import BookRequest

SKIN = [(255, 224, 196), (241, 194, 158), (224, 172, 125), (198, 134, 90), (141, 85, 54), (98, 60, 38)]
HAIR = [(40, 28, 20), (92, 56, 30), (176, 112, 52), (224, 184, 96), (196, 72, 36), (30, 30, 36)]
OUTFIT = [(230, 57, 70), (42, 157, 143), (244, 162, 97), (69, 123, 157), (131, 56, 236), (255, 190, 11)]
HAIR_STYLES = ["short", "curly", "long", "bunches"]
HAIR_NAMES = {
    (40, 28, 20): "dark brown", (92, 56, 30): "brown", (176, 112, 52): "auburn",
    (224, 184, 96): "blond", (196, 72, 36): "red", (30, 30, 36): "black",
}
OUTFIT_NAMES = {
    (230, 57, 70): "red", (42, 157, 143): "teal", (244, 162, 97): "orange",
    (69, 123, 157): "blue", (131, 56, 236): "purple", (255, 190, 11): "yellow",
}


def character_look(seed: int) -> dict:
    """Return the child's look (skin, hair, outfit), fixed by the seed so every page shows the same child."""
    rng = random.Random(f"look:{seed}")
    return {
        "skin": rng.choice(SKIN),
        "hair": rng.choice(HAIR),
        "hair_style": rng.choice(HAIR_STYLES),
        "outfit": rng.choice(OUTFIT),
        "boots": rng.choice(OUTFIT),
        "scarf": rng.random() < 0.5,
    }


def character_description(request: BookRequest) -> str:
    look = character_look(request.seed)
    colour = HAIR_NAMES[look["hair"]]
    hair = f"{colour} hair in bunches" if look["hair_style"] == "bunches" else f"{look['hair_style']} {colour} hair"
    extra = f" and a {OUTFIT_NAMES[look['boots']]} scarf" if look["scarf"] else ""
    return (
        f"{request.child_name}, a cheerful {request.child_age}-year-old child with {hair}, "
        f"a {OUTFIT_NAMES[look['outfit']]} jacket{extra}, drawn in a soft, friendly picture-book style"
    )



def draw_child(draw, look: dict, x: int, feet_y: int, scale: float, rng) -> None:
    """Draw the child standing at (x, feet_y); the look is the same on every page, the pose varies."""
    s = scale
    head_r = int(52 * s)
    body_h = int(120 * s)
    body_w = int(90 * s)
    leg_h = int(70 * s)
    hip_y = feet_y - leg_h
    neck_y = hip_y - body_h
    head_y = neck_y - head_r + int(6 * s)
    skin, hair, outfit, boots = look["skin"], look["hair"], look["outfit"], look["boots"]
    for side in (-1, 1):  # legs and boots
        lx = x + side * int(20 * s)
        draw.rectangle([lx - int(12 * s), hip_y, lx + int(12 * s), feet_y - int(14 * s)], fill=(60, 60, 90))
        draw.ellipse([lx - int(18 * s), feet_y - int(22 * s), lx + int(22 * s), feet_y + int(4 * s)], fill=boots)
    draw.rounded_rectangle([x - body_w // 2, neck_y, x + body_w // 2, hip_y + int(8 * s)], radius=int(28 * s), fill=outfit)
    wave = rng.choice([-1, 1])  # one arm raised, side chosen per page
    for side in (-1, 1):
        sx, sy = x + side * body_w // 2, neck_y + int(22 * s)
        angle = -0.9 if side == wave else 0.5
        ex = sx + side * int(math.cos(angle) * 70 * s)
        ey = sy + int(math.sin(angle) * 70 * s)
        draw.line([(sx, sy), (ex, ey)], fill=outfit, width=int(20 * s))
        draw.ellipse([ex - int(12 * s), ey - int(12 * s), ex + int(12 * s), ey + int(12 * s)], fill=skin)
    if look["scarf"]:
        draw.rectangle([x - body_w // 2 + 6, neck_y - 4, x + body_w // 2 - 6, neck_y + int(16 * s)], fill=boots)
    style = look["hair_style"]
    if style == "long":
        draw.rounded_rectangle([x - head_r - 8, head_y - head_r, x + head_r + 8, head_y + head_r + int(40 * s)],
                               radius=int(30 * s), fill=hair)
    draw.ellipse([x - head_r, head_y - head_r, x + head_r, head_y + head_r], fill=skin)
    if style == "curly":
        for i in range(9):
            a = math.pi + i * math.pi / 8
            cx, cy = x + math.cos(a) * head_r, head_y + math.sin(a) * head_r
            draw.ellipse([cx - 18 * s, cy - 18 * s, cx + 18 * s, cy + 18 * s], fill=hair)
    else:
        draw.chord([x - head_r, head_y - head_r, x + head_r, head_y + head_r], 180, 360, fill=hair)
        draw.ellipse([x - head_r, head_y - int(12 * s), x + head_r, head_y + int(4 * s)], fill=skin)
    if style == "bunches":
        for side in (-1, 1):
            bx = x + side * (head_r + int(14 * s))
            draw.ellipse([bx - int(20 * s), head_y - int(10 * s), bx + int(20 * s), head_y + int(30 * s)], fill=hair)
    for side in (-1, 1):  # eyes, cheeks
        ex = x + side * int(18 * s)
        draw.ellipse([ex - int(6 * s), head_y + int(4 * s), ex + int(6 * s), head_y + int(16 * s)], fill=(30, 30, 40))
        draw.ellipse([ex - int(12 * s), head_y + int(22 * s), ex + int(4 * s), head_y + int(30 * s)], fill=(250, 150, 150))
    draw.arc([x - int(18 * s), head_y + int(12 * s), x + int(18 * s), head_y + int(36 * s)], 20, 160,
             fill=(120, 40, 40), width=max(2, int(4 * s)))


