"""The picture calls in flight for the whole instance, and started per minute, across every book worker process.

Each book asks for HERA_IMAGE_CONCURRENCY pictures at once, and django-q2 runs each book in a process of its own, so
a lock inside one process cannot hold back the others: three books would mean nine 2K answers arriving, held and
decoded at once (bench/footprint.py: 445 MB with 2K PNG answers, 573 MB with the largest), and nine calls started in
the same second. The slots are files locked with flock(2) in a folder every process of the machine sees; the kernel
drops a dead process's locks, so a killed book worker never keeps a slot.

Standard library only; settings name the limits (HERA_PICTURE_CALLS_IN_FLIGHT, HERA_PICTURE_CALLS_PER_MINUTE).
"""

import fcntl
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

POLL_SECONDS = 0.2  # a slot is held for the seconds an image model takes: polling this often costs nothing
# A check that said "not yet" measures the instance again (every process's memory): on a tenth of a CPU that is worth
# doing once a second, not five times.
RECHECK_SECONDS = 1.0
MINUTE = 60.0
DEFAULT_FOLDER = Path(tempfile.gettempdir()) / "hera-picture-calls"

# Checks run before every picture call, once its slot is held (the worker's memory guard registers one in
# orders/apps.py, the graceful stop one in orders/tasks.py). Each is given the calls in flight in the instance, this one included, and answers whether the call
# may start now; False gives the slot back and asks again a moment later (answers in flight land and are freed),
# raising stops the call before any answer is on its way.
_before_each_call: list[Callable[[int], bool]] = []


def before_each_call(check: Callable[[int], bool]) -> None:
    """Run `check(calls in flight)` before every picture call of this process (registered once)."""
    if check not in _before_each_call:
        _before_each_call.append(check)


class PictureCalls:
    """At most `in_flight` picture calls at once and `per_minute` started in any 60 s, for every process using
    `folder` (0: no limit)."""

    def __init__(self, in_flight: int, per_minute: int, folder: Path = DEFAULT_FOLDER,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time):
        self.in_flight = in_flight
        self.per_minute = per_minute
        self.folder = Path(folder)
        self.sleep = sleep
        self.clock = clock

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the instance's slots for a picture call, once the minute allows another call to start and the
        checks say the instance has room for its answer."""
        if self.per_minute:
            self._wait_for_the_minute()  # first: a check's answer must still hold when the call starts
        while True:
            fd = self._take_slot() if self.in_flight else None
            try:
                held = self.held()
                # Every check runs, even after a "not yet": one that raises (a stop) must not wait behind another.
                if all([check(held) for check in list(_before_each_call)]):
                    break
            except BaseException:
                if fd is not None:
                    os.close(fd)
                raise
            if fd is not None:
                os.close(fd)
            self.sleep(RECHECK_SECONDS)
        try:
            yield
        finally:
            if fd is not None:
                os.close(fd)  # closing the file releases its lock

    def held(self) -> int:
        """Return how many of the instance's slots are held now, by any process (1 without a cap: this call)."""
        if not self.in_flight:
            return 1
        held = 0
        for index in range(self.in_flight):
            try:
                fd = os.open(self.folder / f"slot-{index}", os.O_RDWR)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a lock of its own: it fails on a held slot, ours too
            except BlockingIOError:
                held += 1
            finally:
                os.close(fd)
        return held

    def _take_slot(self) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            for index in range(self.in_flight):
                fd = os.open(self.folder / f"slot-{index}", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return fd
                except BlockingIOError:
                    os.close(fd)
            self.sleep(POLL_SECONDS)

    def _wait_for_the_minute(self) -> None:
        """Record this call's start in the shared log of the last minute's starts, waiting while it is full."""
        self.folder.mkdir(parents=True, exist_ok=True)
        log = self.folder / "started"
        while True:
            with open(log, "a+") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                fh.seek(0)
                now = self.clock()
                starts = [float(line) for line in fh.read().split() if now - float(line) < MINUTE]
                if len(starts) < self.per_minute:
                    fh.seek(0)
                    fh.truncate()
                    fh.write("".join(f"{start!r}\n" for start in [*starts, now]))
                    return
                wait = min(starts) + MINUTE - now
            self.sleep(max(wait, POLL_SECONDS))


def from_settings() -> PictureCalls:
    """Return the instance's limits as settings name them."""
    from django.conf import settings

    return PictureCalls(
        settings.HERA_PICTURE_CALLS_IN_FLIGHT, settings.HERA_PICTURE_CALLS_PER_MINUTE,
        Path(settings.HERA_PICTURE_CALLS_FOLDER),
    )
