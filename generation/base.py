"""The one small interface every generator implements: write the story, illustrate one page.

Generation knows nothing of orders, payments or HTTP: it receives a BookRequest and writes files.
"""

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol


class GenerationError(Exception):
    """A generator could not produce a story or a picture (bad answer, safety block, truncation, network)."""


@dataclass(frozen=True)
class BookRequest:
    child_name: str
    child_age: int
    theme: str
    language: str  # a code of settings.LANGUAGES
    page_count: int
    dedication: str = ""
    seed: int = 0  # makes the offline generator deterministic for a given order


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
        """Draw page `page_index` (0-based) and write it to `out_path` as a JPEG."""
