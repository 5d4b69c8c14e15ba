import threading
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InMemoryStorage
from pypdf import PdfReader

from generation.base import BookRequest
from generation.book import BuildStopped, build_book, clear_pages, page_name
from generation.offline import OfflineGenerator
from orders.memory_guard import MemoryHigh
from orders.models import LeaseLost
from tests.generation.counting import CountingGenerator

PREFIX = "work/42"


@pytest.fixture
def storage(tmp_path):
    return FileSystemStorage(location=tmp_path / "media")


def book_request(pages: int = 12) -> BookRequest:
    return BookRequest(child_name="Zoë", child_age=6, theme="forest", language="fr", page_count=pages, seed=11)


def prefill(storage, req: BookRequest, indexes) -> None:
    """Store finished pages as a killed build would have left them."""
    gen = OfflineGenerator(page_seconds=0)
    story = gen.write_story(req)
    for index in indexes:
        out = storage.path(page_name(PREFIX, index))
        gen.illustrate_page(req, story, index, out)


def test_build_book_draws_every_page_and_saves_the_pdf(storage):
    gen = CountingGenerator()
    result = build_book(book_request(4), gen, work_prefix=PREFIX, book_name="books/a.pdf", storage=storage)
    assert sorted(gen.pages) == [0, 1, 2, 3]
    assert result.pdf_name == "books/a.pdf"
    assert len(PdfReader(storage.path(result.pdf_name)).pages) == 4 + 5  # cover, title, dedication, the end, back


def test_written_story_is_handed_to_the_checkpoint_callback(storage):
    saved = []
    build_book(book_request(3), CountingGenerator(), work_prefix=PREFIX, book_name="books/a.pdf", storage=storage,
               on_story=saved.append)
    assert len(saved) == 1
    assert len(saved[0].pages) == 3


def test_resumed_build_reuses_the_story_checkpoint(storage):
    req = book_request(3)
    story = OfflineGenerator(page_seconds=0).write_story(req)
    gen = CountingGenerator()
    build_book(req, gen, work_prefix=PREFIX, book_name="books/a.pdf", storage=storage, story=story,
               on_story=lambda s: pytest.fail("a checkpointed story must not be written again"))
    assert gen.stories == 0


def test_resume_with_5_of_12_pages_in_storage_draws_only_the_7_missing(storage):
    req = book_request(12)
    story = OfflineGenerator(page_seconds=0).write_story(req)
    prefill(storage, req, range(5))
    gen = CountingGenerator()
    progress = []
    result = build_book(req, gen, work_prefix=PREFIX, book_name="books/a.pdf", storage=storage, story=story,
                        on_page_done=progress.append)
    assert sorted(gen.pages) == list(range(5, 12))
    assert (result.pages_reused, result.pages_drawn) == (5, 7)
    assert progress == [5, 6, 7, 8, 9, 10, 11, 12]


def test_each_page_is_in_storage_as_soon_as_it_is_reported(storage):
    req = book_request(6)

    def stored_pages(done: int) -> None:
        assert len(storage.listdir(PREFIX)[1]) == done

    build_book(req, CountingGenerator(), work_prefix=PREFIX, book_name="books/a.pdf", storage=storage,
               on_page_done=stored_pages)


def test_pages_are_illustrated_at_most_image_concurrency_at_once(storage, settings):
    settings.HERA_IMAGE_CONCURRENCY = 2
    gen = CountingGenerator(page_seconds=0.05)
    build_book(book_request(8), gen, work_prefix=PREFIX, book_name="books/a.pdf", storage=storage)
    assert gen.max_in_flight == 2


def test_a_half_written_checkpoint_is_drawn_again(storage):
    req = book_request(4)
    story = OfflineGenerator(page_seconds=0).write_story(req)
    prefill(storage, req, range(4))
    path = storage.path(page_name(PREFIX, 2))
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
    gen = CountingGenerator()
    build_book(req, gen, work_prefix=PREFIX, book_name="books/a.pdf", storage=storage, story=story)
    assert gen.pages == [2]


def test_a_new_story_discards_pictures_drawn_for_an_old_one(storage):
    req = book_request(4)
    prefill(storage, req, range(4))
    gen = CountingGenerator()
    build_book(req, gen, work_prefix=PREFIX, book_name="books/a.pdf", storage=storage, story=None)
    assert sorted(gen.pages) == [0, 1, 2, 3]


def test_a_raising_progress_callback_stops_the_build_without_a_book(storage, settings):
    settings.HERA_IMAGE_CONCURRENCY = 1
    gen = CountingGenerator()

    def lose_lease(done: int) -> None:
        if done == 3:
            raise LeaseLost("gone")

    with pytest.raises(LeaseLost):
        build_book(book_request(12), gen, work_prefix=PREFIX, book_name="books/a.pdf", storage=storage,
                   on_page_done=lose_lease)
    assert len(gen.pages) == 3
    assert not storage.exists("books/a.pdf")


def test_storage_without_local_paths_works_by_copying_pictures(tmp_path):
    storage = InMemoryStorage()
    req = book_request(4)
    story = OfflineGenerator(page_seconds=0).write_story(req)
    gen = OfflineGenerator(page_seconds=0)
    for index in range(2):  # two checkpoints already in the remote storage
        out = tmp_path / f"answer-{index}.jpg"
        gen.illustrate_page(req, story, index, out)
        storage.save(page_name(PREFIX, index), ContentFile(open(out, "rb").read()))
    counting = CountingGenerator()
    result = build_book(req, counting, work_prefix=PREFIX, book_name="books/a.pdf", storage=storage, story=story)
    assert sorted(counting.pages) == [2, 3]
    with storage.open(result.pdf_name, "rb") as fh:
        assert len(PdfReader(fh).pages) == 4 + 5


def test_clear_pages_removes_the_checkpoints(storage):
    prefill(storage, book_request(3), range(3))
    clear_pages(storage, PREFIX, 3)
    assert not storage.exists(page_name(PREFIX, 0))
    assert not storage.exists(PREFIX)


# Stopping a build: a graceful stop (a deploy) and the memory guard keep the pictures already in flight, paid for.


class GatedGenerator(CountingGenerator):
    """Draw page 1 at once; every other page waits for `gate` (a picture call still in flight)."""

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()

    def illustrate_page(self, request, story, page_index, out_path):
        if page_index != 0:
            self.gate.wait(timeout=30)
        super().illustrate_page(request, story, page_index, out_path)


@pytest.fixture
def gated():
    gen = GatedGenerator()
    yield gen
    gen.gate.set()  # let abandoned pool threads end


def stored(storage) -> list[str]:
    return sorted(storage.listdir(PREFIX)[1])


def test_a_stop_keeps_the_pictures_in_flight_and_draws_no_more(storage, settings, gated):
    settings.HERA_IMAGE_CONCURRENCY = 3
    deadline = []

    def stop_after_the_first_page(done: int) -> None:
        if done == 1 and not deadline:
            deadline.append(time.monotonic() + 30)
            threading.Timer(0.3, gated.gate.set).start()  # the two pictures in flight arrive after the stop

    with pytest.raises(BuildStopped):
        build_book(book_request(6), gated, work_prefix=PREFIX, book_name="books/a.pdf", storage=storage,
                   on_page_done=stop_after_the_first_page, stop_deadline=lambda: deadline[0] if deadline else None)
    assert sorted(gated.pages) == [0, 1, 2]
    assert stored(storage) == ["page-01.jpg", "page-02.jpg", "page-03.jpg"]
    assert not storage.exists("books/a.pdf")


def test_a_stop_abandons_pictures_still_in_flight_at_its_deadline(storage, settings, gated):
    settings.HERA_IMAGE_CONCURRENCY = 3
    deadline = []

    def stop_after_the_first_page(done: int) -> None:
        if done == 1 and not deadline:
            deadline.append(time.monotonic() + 0.5)

    started = time.monotonic()
    with pytest.raises(BuildStopped):
        build_book(book_request(6), gated, work_prefix=PREFIX, book_name="books/a.pdf", storage=storage,
                   on_page_done=stop_after_the_first_page, stop_deadline=lambda: deadline[0] if deadline else None)
    assert time.monotonic() - started < 10  # the gated pictures would take 30 s
    assert stored(storage) == ["page-01.jpg"]


def test_a_stop_asked_before_the_book_begins_calls_nothing(storage):
    gen = CountingGenerator()
    with pytest.raises(BuildStopped):
        build_book(book_request(3), gen, work_prefix=PREFIX, book_name="books/a.pdf", storage=storage,
                   stop_deadline=lambda: time.monotonic() + 30)
    assert (gen.stories, gen.pages) == (0, [])


def test_the_memory_guard_keeps_the_pages_that_finish_while_it_waits(storage, settings, gated):
    settings.HERA_IMAGE_CONCURRENCY = 3

    def memory_high_after_the_first_page(done: int) -> None:
        if done == 1:
            threading.Timer(0.3, gated.gate.set).start()
            raise MemoryHigh("instance at 470 MB, over HERA_MEMORY_GUARD_MB=460")

    with pytest.raises(MemoryHigh):
        build_book(book_request(6), gated, work_prefix=PREFIX, book_name="books/a.pdf", storage=storage,
                   on_page_done=memory_high_after_the_first_page)
    # The two pictures in flight were paid for: they are kept, and nothing more is asked for.
    assert sorted(gated.pages) == [0, 1, 2]
    assert stored(storage) == ["page-01.jpg", "page-02.jpg", "page-03.jpg"]


def test_every_checkpoint_write_goes_through_the_fence(storage):
    fenced_writes = []

    def fence(write):
        fenced_writes.append(len(storage.listdir(PREFIX)[1]) if storage.exists(PREFIX) else 0)
        write()

    build_book(book_request(4), CountingGenerator(), work_prefix=PREFIX, book_name="books/a.pdf", storage=storage,
               fenced=fence)
    # Clearing the pages of an old story, then one write per page.
    assert fenced_writes == [0, 0, 1, 2, 3]


def test_a_fence_that_refuses_stops_the_build_before_the_page_is_written(storage):
    def lost_lease(write):
        raise LeaseLost("gone")

    with pytest.raises(LeaseLost):
        build_book(book_request(3), CountingGenerator(), work_prefix=PREFIX, book_name="books/a.pdf",
                   storage=storage, story=OfflineGenerator(page_seconds=0).write_story(book_request(3)),
                   fenced=lost_lease)
    assert not storage.exists(page_name(PREFIX, 0))


def test_an_offline_french_story_says_de_yanis_and_d_ines(storage):
    for name, right, wrong in (("Yanis", "de Yanis", "d’Yanis"), ("Inès", "d’Inès", "de Inès")):
        req = BookRequest(child_name=name, child_age=9, theme="forest", language="fr", page_count=6, seed=5)
        written = OfflineGenerator(page_seconds=0).write_story(req)
        assert right in " ".join(written.pages).replace(wrong, right)  # the story names the child after « de »
        result = build_book(req, CountingGenerator(), work_prefix=f"{PREFIX}-{name}", book_name=f"books/{name}.pdf",
                            storage=storage)
        text = " ".join([result.story.title, *result.story.pages])
        assert wrong not in text
        assert right in text
