"""Build one book: the story (or its checkpoint), every missing picture, then the PDF, through Django's storage.

Each finished picture is a checkpoint in storage (`<work_prefix>/page-03.jpg`), so a build that is killed and started
again draws only the pages that are missing. Pictures go to disk as soon as they are drawn; nothing keeps a list of
page images in memory.
"""

import ctypes
import logging
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage

from .base import BookRequest, GenerationError, Generator, Story
from .pdf import build_pdf

log = logging.getLogger("hera.worker")

JPEG_START, JPEG_END = b"\xff\xd8", b"\xff\xd9"
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # glibc's mallopt() parameter numbers


@dataclass(frozen=True)
class BookResult:
    pdf_name: str
    story: Story
    pages_drawn: int
    pages_reused: int


class MovableFile(File):
    """A local file that FileSystemStorage may move into place (a rename on the same disk) instead of copying."""

    def temporary_file_path(self) -> str:
        return self.name


def page_name(work_prefix: str, index: int) -> str:
    return f"{work_prefix.rstrip('/')}/page-{index + 1:02d}.jpg"


def new_book_name(stem: str) -> str:
    """Return a fresh storage name for a book; a new build never overwrites the PDF being served."""
    return f"books/{stem}-{secrets.token_hex(6)}.pdf"


def build_book(
    request: BookRequest,
    generator: Generator,
    *,
    work_prefix: str,
    book_name: str,
    story: Story | None = None,
    on_story: Callable[[Story], None] | None = None,
    on_page_done: Callable[[int], None] | None = None,
    storage: Storage | None = None,
    concurrency: int | None = None,
) -> BookResult:
    """Make the book and save it as `book_name` in storage; return the name the storage chose and what was drawn."""
    storage = storage or default_storage
    concurrency = concurrency or settings.HERA_IMAGE_CONCURRENCY
    if story is None or len(story.pages) != request.page_count:
        # Pictures belong to the story they were drawn for: a new story starts from a clean slate.
        clear_pages(storage, work_prefix, request.page_count)
        story = generator.write_story(request)
        if len(story.pages) != request.page_count:
            raise GenerationError(f"The story has {len(story.pages)} pages instead of {request.page_count}.")
        if on_story:
            on_story(story)
    with tempfile.TemporaryDirectory(prefix="hera-book-") as tmp:
        workdir = Path(tmp)
        pictures: list[Path | None] = [None] * request.page_count
        missing = []
        for index in range(request.page_count):
            local = checkpoint_path(storage, page_name(work_prefix, index), workdir)
            if local:
                pictures[index] = local
            else:
                missing.append(index)
        reused = request.page_count - len(missing)
        if reused:
            log.info("book %s resumes with %d/%d pages already drawn", work_prefix, reused, request.page_count)
            if on_page_done:
                on_page_done(reused)
        draw_missing(request, story, generator, missing, pictures, workdir, storage, work_prefix, concurrency, on_page_done)
        release_free_memory()
        local_pdf = build_pdf(workdir / "book.pdf", request, story, [p for p in pictures if p is not None])
        with MovableFile(open(local_pdf, "rb"), name=str(local_pdf)) as fh:
            stored = storage.save(book_name, fh)
    return BookResult(pdf_name=stored, story=story, pages_drawn=len(missing), pages_reused=reused)


def draw_missing(
    request: BookRequest,
    story: Story,
    generator: Generator,
    missing: list[int],
    pictures: list[Path | None],
    workdir: Path,
    storage: Storage,
    work_prefix: str,
    concurrency: int,
    on_page_done: Callable[[int], None] | None,
) -> None:
    """Draw the missing pages, up to `concurrency` at once, checkpointing and reporting each as it arrives."""
    done = len(pictures) - len(missing)
    if not missing:
        return

    def draw(index: int) -> tuple[Path, float]:
        started = time.monotonic()
        out = workdir / f"page-{index + 1:02d}.jpg"
        generator.illustrate_page(request, story, index, out)
        if not is_complete_jpeg(out):
            raise GenerationError(f"Page {index + 1} was not written as a JPEG.")
        return out, time.monotonic() - started

    tune_allocator()
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="hera-illustrate")
    pending: dict[Future, int] = {}
    queue = list(missing)
    try:
        # Submit no more than the pool can run, so a stop leaves nothing queued behind it.
        while queue or pending:
            while queue and len(pending) < concurrency:
                index = queue.pop(0)
                pending[pool.submit(draw, index)] = index
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                index = pending.pop(future)
                out, seconds = future.result()
                save_checkpoint(storage, page_name(work_prefix, index), out)
                pictures[index] = out
                done += 1
                log.info("book %s page %d/%d drawn in %.1fs", work_prefix, index + 1, len(pictures), seconds)
                if on_page_done:
                    on_page_done(done)
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def save_checkpoint(storage: Storage, name: str, local: Path) -> None:
    if storage.exists(name):
        storage.delete(name)
    with open(local, "rb") as fh:
        saved = storage.save(name, File(fh, name=name))
    if saved != name:
        raise GenerationError(f"Storage saved the checkpoint {name} as {saved}.")


def checkpoint_path(storage: Storage, name: str, workdir: Path) -> Path | None:
    """Return a local path to a complete checkpoint picture, or None (a half-written one is deleted)."""
    if not storage.exists(name):
        return None
    try:
        local = Path(storage.path(name))
    except NotImplementedError:
        local = None
    if local is None or not local.is_file():
        # Remote (or in-memory) storage: reportlab needs a file on disk, so bring the picture over once.
        local = workdir / Path(name).name
        with storage.open(name, "rb") as src, open(local, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
    if is_complete_jpeg(local):
        return local
    log.warning("checkpoint %s is incomplete (the worker died while writing it); drawing it again", name)
    storage.delete(name)
    return None


def libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): the allocator tweaks below are skipped
        return None


def tune_allocator() -> None:
    """Keep the memory of decoded pictures returnable: big buffers mapped apart, threads sharing two arenas.

    By default glibc raises its mmap threshold after the first big free, so later picture buffers land in the heap,
    and each illustration thread gets an arena of its own whose freed memory the others (and the PDF step) cannot
    reuse. Measured with bench/memory.py: about 10 MB less at the worker's peak.
    """
    c = libc()
    if c is not None and hasattr(c, "mallopt"):
        c.mallopt(M_MMAP_THRESHOLD, 1024 * 1024)
        c.mallopt(M_ARENA_MAX, 2)


def release_free_memory() -> None:
    """Hand the memory freed by the illustration step back to the system before the PDF is assembled."""
    c = libc()
    if c is not None and hasattr(c, "malloc_trim"):
        c.malloc_trim(0)


def is_complete_jpeg(path: Path) -> bool:
    """Tell a whole JPEG from one cut short by a crash: it starts with SOI and ends with EOI."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
            fh.seek(0, 2)
            if fh.tell() < 4:
                return False
            fh.seek(-2, 2)
            return head == JPEG_START and fh.read(2) == JPEG_END
    except OSError:
        return False


def clear_pages(storage: Storage, work_prefix: str, page_count: int = 0) -> None:
    """Delete the page checkpoints under `work_prefix` (after the book is done, or before a new story)."""
    try:
        _, files = storage.listdir(work_prefix)
    except (FileNotFoundError, NotImplementedError):
        files = [Path(page_name(work_prefix, i)).name for i in range(max(page_count, 24))]
    for filename in files:
        name = f"{work_prefix.rstrip('/')}/{filename}"
        if storage.exists(name):
            storage.delete(name)
    try:
        os.rmdir(storage.path(work_prefix))
    except (NotImplementedError, OSError):
        pass  # remote storages have no directories; a directory still holding files stays
