"""The one small interface every generator implements: write the story, illustrate one page.

Generation knows nothing of orders, payments or HTTP: it receives a BookRequest and writes files.
"""

import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol


class GenerationError(Exception):
    """A generator could not produce a story or a picture (bad answer, safety block, truncation, network)."""


class GenerationConfigError(GenerationError):
    """The generator is misconfigured (key, model, API version, a refused request): the operator's problem.

    The worker pauses generation on it instead of counting an attempt against the customer's order.
    """


class StopBuild(Exception):
    """End the build once the pictures already in flight are saved (they are paid for); raised by a hook."""


@dataclass(frozen=True)
class BookRequest:
    child_name: str
    child_age: int
    theme: str
    language: str  # a code of settings.LANGUAGES
    page_count: int
    dedication: str = ""
    seed: int = 0  # makes the offline generator deterministic for a given order
    # How the parent described the hero: values of generation.appearance's closed lists, "" for "surprise me".
    skin_tone: str = ""
    hair_color: str = ""
    hair_style: str = ""
    glasses: str = ""


@dataclass
class Story:
    title: str
    pages: list[str]  # the text of each page, in the book's language
    illustration_prompts: list[str]  # what each page's picture shows, one per page
    character: str  # the main character's look, repeated verbatim in every picture prompt for consistency
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Story":
        return cls(**data)


class Generator(Protocol):
    def write_story(self, request: BookRequest) -> Story:
        """Write the title and one text per page, about the child, on the theme, in the request's language."""

    def illustrate_page(self, request: BookRequest, story: Story, page_index: int, out_path: Path) -> None:
        """Draw page `page_index` (0-based) and write it to `out_path` as a JPEG.

        A generator whose `uses_reference` is true also takes `reference=`: a small JPEG of the hero as first drawn.
        A generator may have `close()`, which the build calls once every picture is drawn, before the PDF.
        """


@dataclass
class ModelUsage:
    """What one kind of call (the story, the pictures) cost: calls, our own retries, tokens Google reported."""

    calls: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    output_tokens: int = 0
    thoughts_tokens: int = 0
    transient_errors: int = 0  # 429/5xx answers the SDK retried (not billed)

    def add(self, other: "ModelUsage") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class UsageMeter:
    """Count calls and tokens as they happen (from several illustration threads); `take()` hands over the delta."""

    ROLES = ("story", "pictures")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = {role: ModelUsage() for role in self.ROLES}

    def record(self, role: str, usage: ModelUsage) -> None:
        with self._lock:
            self._pending[role].add(usage)

    def take(self) -> dict[str, dict[str, int]]:
        """Return what was recorded since the last take (only roles with something), and start again from zero."""
        with self._lock:
            counts = {role: asdict(usage) for role, usage in self._pending.items()}
            taken = {role: values for role, values in counts.items() if any(values.values())}
            self._pending = {role: ModelUsage() for role in self.ROLES}
        return taken
