from generation.offline.hero import character_description
from tests.generation.offline import book_request as request


def test_character_description_is_fixed_by_the_seed():
    assert character_description(request(seed=5)) == character_description(request(seed=5, page_count=12))
    looks = {character_description(request(seed=seed)) for seed in range(10)}
    assert len(looks) > 1
