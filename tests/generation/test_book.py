import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InMemoryStorage
from pypdf import PdfReader

from generation.base import BookRequest
from generation.book import build_book, clear_pages, page_name
from generation.offline import OfflineGenerator
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
    assert len(PdfReader(storage.path(result.pdf_name)).pages) == 4 + 4


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
        assert len(PdfReader(fh).pages) == 8


def test_clear_pages_removes_the_checkpoints(storage):
    prefill(storage, book_request(3), range(3))
    clear_pages(storage, PREFIX, 3)
    assert not storage.exists(page_name(PREFIX, 0))
    assert not storage.exists(PREFIX)


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
