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
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.utils import translation

from .base import BookRequest, GenerationError, Generator, StopBuild, Story
from .elision import elide_names
from .glyphs import undrawable
from .pdf import build_pdf
from .pictures import JPEG_END, JPEG_START, save_reference, save_small_copy
from .previews import COVER_SIDE, PREVIEW_SIDE, cover_name, preview_name

log = logging.getLogger("hera.worker")

M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # glibc's mallopt() parameter numbers
# How often the build looks at its stop hook while pictures are in flight.
STOP_POLL_SECONDS = 0.5


class BuildStopped(StopBuild):
    """The build was told to stop (the worker stopping, or the upstream paused by another book): the pages drawn so far
    are saved."""


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


def unfenced(write: Callable[[], None]) -> None:
    write()


def page_name(work_prefix: str, index: int) -> str:
    return f"{work_prefix.rstrip('/')}/page-{index + 1:02d}.jpg"


def reference_name(work_prefix: str) -> str:
    """The hero's reference picture: kept once per book beside the pages, so a resumed book sends the same one."""
    return f"{work_prefix.rstrip('/')}/hero.jpg"


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
    stop_deadline: Callable[[], float | None] | None = None,
    fenced: Callable[[Callable[[], None]], None] | None = None,
    preview_prefix: str | None = None,
    on_previews: Callable[[list[int]], None] | None = None,
) -> BookResult:
    """Make the book and save it as `book_name` in storage; return the name the storage chose and what was drawn.

    `stop_deadline` is asked between pictures: a time (time.monotonic()) means stop, keeping the pictures in flight
    that arrive before it (BuildStopped). `fenced` runs every checkpoint write it is given (under the worker's lease).
    With `preview_prefix`, each page also gets a small picture there as it is drawn (and the first page a cover
    picture), and `on_previews` hears the page numbers (1-based) that have one, before `on_page_done`.
    """
    storage = storage or default_storage
    stop_deadline = stop_deadline or (lambda: None)
    if stop_deadline() is not None:
        raise BuildStopped("stopped before the book began")
    if story is None or len(story.pages) != request.page_count:
        story = write_story(request, generator, storage, work_prefix, on_story, fenced)
    with tempfile.TemporaryDirectory(prefix="hera-book-") as tmp:
        build = BookBuild(
            request, story, generator, storage, work_prefix, Path(tmp), on_page_done, stop_deadline, fenced or unfenced,
            preview_prefix=preview_prefix, on_previews=on_previews,
        )
        reused = build.reuse_checkpoints()
        drawn = build.draw_missing(concurrency or settings.HERA_IMAGE_CONCURRENCY)
        if hasattr(generator, "close"):
            generator.close()  # its client is not needed for the PDF: what it held is trimmed below
        release_free_memory()
        cover = build.cover()
        build.make_cover_preview(cover)
        local_pdf = build_pdf(build.workdir / "book.pdf", request, story, build.pictures, cover=cover)
        with MovableFile(open(local_pdf, "rb"), name=str(local_pdf)) as fh:
            stored = storage.save(book_name, fh)
    return BookResult(pdf_name=stored, story=story, pages_drawn=drawn, pages_reused=reused)


def write_story(
    request: BookRequest, generator: Generator, storage: Storage, work_prefix: str,
    on_story: Callable[[Story], None] | None, fenced: Callable[[Callable[[], None]], None] | None = None,
) -> Story:
    """Write a new story and hand it to `on_story` to checkpoint; pictures drawn for an older story are dropped."""
    (fenced or unfenced)(lambda: clear_pages(storage, work_prefix, request.page_count))
    story = printable_story(generator.write_story(request), request)
    if len(story.pages) != request.page_count:
        raise GenerationError(f"The story has {len(story.pages)} pages instead of {request.page_count}.")
    if on_story:
        on_story(story)
    return story


def printable_story(story: Story, request: BookRequest) -> Story:
    """Return the story as it will be printed: the child's name elided as the language wants, nothing the font lacks."""
    with translation.override(request.language):
        story.title = printable(elide_names(story.title, [request.child_name]))
        story.pages = [printable(elide_names(text, [request.child_name])) for text in story.pages]
    return story


def printable(text: str) -> str:
    """Drop the characters the book's font would print as an empty box (an emoji from Gemini), and the gaps they leave."""
    missing = set(undrawable(text))
    if not missing:
        return text
    log.warning("story text: dropped %d character(s) the font cannot print", len(missing))
    kept = "".join(ch for ch in text if ch not in missing)
    return "\n".join(" ".join(line.split()) for line in kept.split("\n")).strip()


@dataclass
class BookBuild:
    """The pictures of one build: local JPEG paths, reused from checkpoints or drawn, in page order."""

    request: BookRequest
    story: Story
    generator: Generator
    storage: Storage
    work_prefix: str
    workdir: Path
    on_page_done: Callable[[int], None] | None
    stop_deadline: Callable[[], float | None] = lambda: None
    fenced: Callable[[Callable[[], None]], None] = unfenced
    pictures: list[Path] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    done: int = 0
    reference: Path | None = None
    preview_prefix: str | None = None
    on_previews: Callable[[list[int]], None] | None = None
    previewed: set[int] = field(default_factory=set)

    def cover(self) -> Path | None:
        """Draw the cover's own picture when the generator makes one (offline: cheap, so never checkpointed)."""
        illustrate_cover = getattr(self.generator, "illustrate_cover", None)
        if illustrate_cover is None:
            return None
        path = self.workdir / "cover.jpg"
        illustrate_cover(self.request, self.story, path)
        return path

    def reuse_checkpoints(self) -> int:
        """Find the pages already in storage; return how many there are, and report them as done."""
        slots = [checkpoint_path(self.storage, self.page_name(i), self.workdir) for i in range(self.request.page_count)]
        self.pictures = [slot or self.workdir / f"page-{i + 1:02d}.jpg" for i, slot in enumerate(slots)]
        self.missing = [i for i, slot in enumerate(slots) if slot is None]
        self.done = self.request.page_count - len(self.missing)
        for index, slot in enumerate(slots):
            if slot is not None and self.preview_prefix:
                # Made when the page was drawn; a page drawn before previews existed gets one now.
                if self.storage.exists(preview_name(self.preview_prefix, index)):
                    self.previewed.add(index + 1)
                else:
                    self.make_preview(index)
        if self.done:
            log.info("book %s resumes with %d/%d pages already drawn", self.work_prefix, self.done, len(slots))
            self.report()
        return self.done

    def draw_missing(self, concurrency: int) -> int:
        """Draw the missing pages, up to `concurrency` at once, checkpointing and reporting each as it arrives."""
        if not self.missing:
            return 0
        tune_allocator()
        waiting = list(self.missing)
        if getattr(self.generator, "uses_reference", False):
            if waiting[0] == 0:
                # The first page is drawn alone: the others are drawn after it, looking at its hero.
                self.arrived(0, self.draw(waiting.pop(0)))
            self.reference = self.hero_reference()
        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="hera-illustrate")
        pending: dict[Future, int] = {}
        stop: StopBuild | None = None
        deadline: float | None = None
        hung = False
        try:
            # Submit no more than the pool can run, so a stop leaves nothing queued behind it.
            while waiting or pending:
                if deadline is None and (deadline := self.stop_deadline()) is not None:
                    stop = stop or BuildStopped()
                if stop is not None:
                    # Claim nothing more; what is in flight is billed, so it is kept if it arrives in time.
                    waiting.clear()
                    if not pending or (deadline is not None and time.monotonic() >= deadline):
                        break
                while waiting and len(pending) < concurrency:
                    index = waiting.pop(0)
                    pending[pool.submit(self.draw, index)] = index
                timeout = STOP_POLL_SECONDS if deadline is None else max(0.0, min(1.0, deadline - time.monotonic()))
                finished, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
                for future in finished:
                    try:
                        self.arrived(pending.pop(future), future.result())
                    except StopBuild as exc:  # the memory guard: the pages still in flight are kept too
                        stop = stop or exc
        except SystemExit:
            hung = True  # django-q2's task timeout (TimeoutException): the picture it waits on may never come
            raise
        finally:
            for future in pending:
                future.cancel()
            # Past the stop's deadline a picture still in flight is abandoned: waiting for it would outlast the stop.
            pool.shutdown(wait=not hung and (stop is None or not pending), cancel_futures=True)
        if stop is not None:
            if pending:
                log.warning("book %s: %d pictures in flight abandoned at the stop", self.work_prefix, len(pending))
            if isinstance(stop, BuildStopped):
                stop.args = (f"stopped with {self.done}/{len(self.pictures)} pages drawn",)
            raise stop
        return len(self.missing)

    def draw(self, index: int) -> float:
        """Illustrate one page into the work folder (runs in a pool thread); return the seconds it took."""
        started = time.monotonic()
        # Page 1 is always drawn before the reference exists: only pages 2..n carry it.
        extra = {"reference": self.reference} if self.reference is not None else {}
        self.generator.illustrate_page(self.request, self.story, index, self.pictures[index], **extra)
        if not is_complete_jpeg(self.pictures[index]):
            raise GenerationError(f"Page {index + 1} was not written as a JPEG.")
        return time.monotonic() - started

    def hero_reference(self) -> Path:
        """Return the book's reference picture, made once from the first page and checkpointed beside it."""
        name = reference_name(self.work_prefix)
        local = checkpoint_path(self.storage, name, self.workdir)
        if local is None:
            local = self.workdir / "hero.jpg"
            save_reference(self.pictures[0], local)
            self.fenced(lambda: save_checkpoint(self.storage, name, local))
        return local

    def arrived(self, index: int, seconds: float) -> None:
        self.fenced(lambda: save_checkpoint(self.storage, self.page_name(index), self.pictures[index]))
        self.make_preview(index)
        self.done += 1
        log.info("book %s page %d/%d drawn in %.1fs", self.work_prefix, index + 1, len(self.pictures), seconds)
        self.report()

    def make_cover_preview(self, cover: Path | None) -> None:
        """Store the small picture of the cover the PDF opens with, when it is not page 1's (kept from the first page)."""
        if not self.preview_prefix or cover is None:
            return
        small = self.workdir / "preview-cover.jpg"
        try:
            save_small_copy(cover, small, COVER_SIDE)
            save_checkpoint(self.storage, cover_name(self.preview_prefix), small)
        except Exception:
            log.warning("book %s: no preview of the cover", self.work_prefix, exc_info=True)
        finally:
            small.unlink(missing_ok=True)

    def make_preview(self, index: int) -> None:
        """Store the small picture of page `index` (and the cover's, for the first page), made once, from disk."""
        if not self.preview_prefix:
            return
        small = self.workdir / f"preview-{index + 1:02d}.jpg"
        try:
            if index == 0:
                save_small_copy(self.pictures[index], small, COVER_SIDE)
                save_checkpoint(self.storage, cover_name(self.preview_prefix), small)
            save_small_copy(self.pictures[index], small, PREVIEW_SIDE, quality=80)
            save_checkpoint(self.storage, preview_name(self.preview_prefix, index), small)
        except Exception:
            # A preview is a courtesy: a bucket refusing it must not cost the customer their book.
            log.warning("book %s: no preview for page %d", self.work_prefix, index + 1, exc_info=True)
            return
        finally:
            small.unlink(missing_ok=True)
        self.previewed.add(index + 1)

    def report(self) -> None:
        if self.on_previews and self.preview_prefix:
            self.on_previews(sorted(self.previewed))
        if self.on_page_done:
            self.on_page_done(self.done)

    def page_name(self, index: int) -> str:
        return page_name(self.work_prefix, index)


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
        files.append(Path(reference_name(work_prefix)).name)
    for filename in files:
        name = f"{work_prefix.rstrip('/')}/{filename}"
        if storage.exists(name):
            storage.delete(name)
    try:
        os.rmdir(storage.path(work_prefix))
    except (NotImplementedError, OSError):
        pass  # remote storages have no directories; a directory still holding files stays
