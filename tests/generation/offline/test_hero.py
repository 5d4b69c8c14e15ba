import random

import pytest

from generation import appearance
from generation.offline.hero import FRAME, character_description, character_look, draw_child, head_of
from generation.offline.scenes import Picture
from tests.generation.offline import book_request as request

X, FEET, SCALE, SIZE = 240, 450, 1.2, 480


def drawn_child(**traits) -> tuple[Picture, dict]:
    """The child alone on a white page, large enough to look at pixel by pixel."""
    pic = Picture(size=SIZE)
    pic.draw.rectangle([0, 0, SIZE, SIZE], fill=(255, 255, 255))
    look = character_look(request(**traits))
    draw_child(pic, look, X, FEET, SCALE, random.Random(0))
    return pic, look


def count(pic: Picture, colour, box) -> int:
    wanted = bytes(colour)
    data = pic.image.crop(box).tobytes()
    return sum(1 for i in range(0, len(data), 3) if data[i:i + 3] == wanted)


@pytest.mark.parametrize("style", [option.value for option in appearance.HAIR_STYLES])
def test_no_hair_style_puts_hair_under_the_chin(style):
    pic, look = drawn_child(hair_style=style, hair_color="black")
    head_y, head_r = head_of(FEET, SCALE)
    under_chin = (X - int(head_r * 0.45), head_y + head_r + 1, X + int(head_r * 0.45), head_y + head_r + 40)
    assert count(pic, look["hair"], under_chin) == 0


@pytest.mark.parametrize("style", [option.value for option in appearance.HAIR_STYLES])
def test_every_hair_style_frames_the_face_from_above(style):
    pic, look = drawn_child(hair_style=style, hair_color="red")
    head_y, head_r = head_of(FEET, SCALE)
    above_the_eyes = (X - head_r - 30, head_y - head_r - 30, X + head_r + 30, head_y)
    assert count(pic, look["hair"], above_the_eyes) > head_r * head_r * 0.5


@pytest.mark.parametrize("style", ["long", "braids", "bunches"])
def test_long_braided_and_bunched_hair_shows_beside_the_face(style):
    pic, look = drawn_child(hair_style=style, hair_color="blond")
    head_y, head_r = head_of(FEET, SCALE)
    beside = (X + int(head_r * 0.95), head_y, X + head_r + 50, head_y + head_r + 20)
    assert count(pic, look["hair"], beside) > 100


@pytest.mark.parametrize("tone", appearance.SKIN_TONES, ids=lambda choice: choice.value)
def test_every_skin_tone_is_drawn_in_its_colour(tone):
    pic, _ = drawn_child(skin_tone=tone.value)
    head_y, head_r = head_of(FEET, SCALE)
    assert count(pic, tone.rgb, (X - head_r, head_y, X + head_r, head_y + head_r)) > head_r * head_r


@pytest.mark.parametrize("colour", appearance.HAIR_COLORS, ids=lambda choice: choice.value)
def test_every_hair_colour_is_drawn_in_its_colour(colour):
    pic, _ = drawn_child(hair_color=colour.value, hair_style="short")
    assert count(pic, colour.rgb, (0, 0, SIZE, SIZE)) > 500


def test_glasses_are_drawn_when_the_parent_asks_for_them():
    with_glasses, _ = drawn_child(glasses="yes")
    without, _ = drawn_child(glasses="no")
    assert count(with_glasses, FRAME, (0, 0, SIZE, SIZE)) > 100
    assert count(without, FRAME, (0, 0, SIZE, SIZE)) == 0


def test_surprise_me_keeps_the_look_each_seed_had_before_parents_could_describe_it():
    # The lists and the order of the draws as they were (hero.py before the parent's description).
    skins = [(255, 224, 196), (241, 194, 158), (224, 172, 125), (198, 134, 90), (141, 85, 54), (98, 60, 38)]
    hairs = [(40, 28, 20), (92, 56, 30), (176, 112, 52), (224, 184, 96), (196, 72, 36), (30, 30, 36)]
    for seed in range(30):
        rng = random.Random(f"look:{seed}")
        before = (rng.choice(skins), rng.choice(hairs), rng.choice(["short", "curly", "long", "bunches"]))
        look = character_look(request(seed=seed))
        assert (look["skin"], look["hair"], look["hair_style"]) == before


def test_the_parents_description_is_drawn_and_described_whatever_the_seed():
    for seed in range(5):
        look = character_look(request(seed=seed, skin_tone="dark", hair_color="red", hair_style="coily", glasses="yes"))
        assert (look["skin"], look["hair"], look["hair_style"], look["glasses"]) == ((98, 60, 38), (196, 72, 36), "coily", "yes")
    described = character_description(request(hair_color="blond", hair_style="braids", glasses="yes", skin_tone="tan"))
    assert "tan skin, blond hair in two braids, round glasses" in described


def test_a_value_outside_the_lists_is_refused():
    with pytest.raises(ValueError, match="hair_style"):
        character_look(request(hair_style="mohawk"))


def test_character_description_is_fixed_by_the_seed():
    assert character_description(request(seed=5)) == character_description(request(seed=5, page_count=12))
    looks = {character_description(request(seed=seed)) for seed in range(10)}
    assert len(looks) > 1
