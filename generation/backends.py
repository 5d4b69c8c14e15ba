"""Choose the generator by the HERA_GENERATOR setting: backends side by side, named by dotted path, loaded lazily."""

import hashlib

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Generator

GENERATORS = {
    "offline": "generation.offline.OfflineGenerator",
    "google": "generation.google.GoogleGenerator",
}
# The settings a generator's configuration error can come from: when one changes, a paused worker tries at once.
CONFIGURATION_SETTINGS = (
    "HERA_GENERATOR", "GOOGLE_API_KEY", "HERA_GENAI_BASE_URL", "HERA_GENAI_API_VERSION", "HERA_TEXT_MODEL",
    "HERA_IMAGE_MODEL", "HERA_IMAGE_SIZE",
)


def get_generator(name: str | None = None) -> Generator:
    """Return an instance of the generator named `name` (default: the HERA_GENERATOR setting)."""
    name = name or settings.HERA_GENERATOR
    try:
        path = GENERATORS[name]
    except KeyError:
        raise ValueError(f"Unknown generator {name!r}; choose one of {', '.join(GENERATORS)}.") from None
    return import_string(path)()


def configuration_fingerprint() -> str:
    """Return a hash of the generator's settings (the key included, never shown)."""
    values = "\0".join(str(getattr(settings, name, "")) for name in CONFIGURATION_SETTINGS)
    return hashlib.sha256(values.encode()).hexdigest()[:32]


def check_configuration() -> list[tuple[bool, str]]:
    """Return (ok, plain sentence) findings about the generator's setup, generating nothing."""
    check = getattr(get_generator(), "check_configuration", None)
    if check is None:
        return [(True, f"The {settings.HERA_GENERATOR} generator needs no outside service: nothing to check.")]
    return check()
