"""Choose the generator by the HERA_GENERATOR setting: backends side by side, named by dotted path, loaded lazily."""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Generator

GENERATORS = {
    "offline": "generation.offline.OfflineGenerator",
    "google": "generation.google.GoogleGenerator",
}


def get_generator(name: str | None = None) -> Generator:
    """Return an instance of the generator named `name` (default: the HERA_GENERATOR setting)."""
    name = name or settings.HERA_GENERATOR
    try:
        path = GENERATORS[name]
    except KeyError:
        raise ValueError(f"Unknown generator {name!r}; choose one of {', '.join(GENERATORS)}.") from None
    return import_string(path)()
