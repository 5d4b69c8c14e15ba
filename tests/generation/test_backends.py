import pytest

from generation.backends import get_generator
from generation.offline import OfflineGenerator


def test_offline_setting_gives_the_offline_generator(settings):
    settings.HERA_GENERATOR = "offline"
    assert isinstance(get_generator(), OfflineGenerator)


def test_google_name_loads_the_google_backend_lazily():
    generator = get_generator("google")
    assert type(generator).__module__ == "generation.google"


def test_unknown_generator_name_is_refused():
    with pytest.raises(ValueError, match="Unknown generator"):
        get_generator("dall-e")
