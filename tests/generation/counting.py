"""A counting wrapper around a real generator: records which pages were illustrated, and how many at once."""

import threading
from pathlib import Path

from generation.base import BookRequest, Story
from generation.offline import OfflineGenerator


class CountingGenerator:
    def __init__(self, inner=None, *, page_seconds: float = 0.0):
        self.inner = inner or OfflineGenerator(page_seconds=page_seconds)
        self.stories = 0
        self.pages: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()

    def write_story(self, request: BookRequest) -> Story:
        self.stories += 1
        return self.inner.write_story(request)

    def illustrate_page(self, request: BookRequest, story: Story, page_index: int, out_path: Path) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self.inner.illustrate_page(request, story, page_index, out_path)
        finally:
            with self.lock:
                self.in_flight -= 1
                self.pages.append(page_index)
