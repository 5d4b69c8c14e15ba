"""The worker's memory guard: near the instance's limit, hand the book back after the pages in flight, stop claiming.

A host kills an instance that goes over its memory; the lease would bring the book back, but the web dies with it.
The guard measures the instance as the worker sees it (the PSS of the process tree it runs in: under `serve`, gunicorn
and the worker cluster) against HERA_MEMORY_GUARD_MB, before every picture call, after every page and before every
claim. Before a picture call it waits until the answers of the calls in flight fit (HERA_MEMORY_PER_ANSWER_MB each: an
answer lands all at once, after the check). Over it, the book goes back to its place in the queue (the attempt not
counted, its pages kept), the worker process ends (and is recycled, which frees what it held), and generation is
paused with the reason (orders/pause.py: the log, /healthz, the live queue); the pause lifts once the instance is
back under 90 % of the threshold (queue_tick checks every minute).
"""

import logging
import os

import psutil
from django.conf import settings

from generation.base import StopBuild

from . import pause
from .models import GenerationPause

log = logging.getLogger("hera.worker")

MB = 1024 * 1024
MEMORY = pause.MEMORY  # the source of this guard's pauses, one of the kinds orders/pause.py names
RESUME_FRACTION = 0.9  # below the threshold by a margin, so a pause does not flap on one freed page


class MemoryHigh(StopBuild):
    """The instance is over HERA_MEMORY_GUARD_MB: stop after the pages in flight (paid for, so kept)."""


def instance_processes() -> list[psutil.Process]:
    """Return this process's tree within its session: the instance under `serve` (its supervisor aside)."""
    me = psutil.Process()
    session = os.getsid(0)
    root = me
    for parent in me.parents():
        try:
            if os.getsid(parent.pid) != session:
                break
        except OSError:
            break
        root = parent
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return [me]


def instance_memory_mb() -> int:
    """Return the PSS of the instance's processes, in MB (shared pages split between the processes sharing them)."""
    total = 0
    for process in instance_processes():
        try:
            total += process.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total // MB


def check_page() -> None:
    """Raise MemoryHigh when the instance is over the threshold (called after each page is saved)."""
    used = instance_memory_mb()
    if used > settings.HERA_MEMORY_GUARD_MB:
        raise MemoryHigh(f"instance at {used} MB, over HERA_MEMORY_GUARD_MB={settings.HERA_MEMORY_GUARD_MB}")


def check_picture_call(in_flight: int) -> bool:
    """Before a picture call (registered in orders/apps.py): say whether the instance has room for the answers of the
    calls in flight, this one included; raise MemoryHigh when it has no room even for this one alone."""
    used = instance_memory_mb()
    limit = settings.HERA_MEMORY_GUARD_MB
    answer = settings.HERA_MEMORY_PER_ANSWER_MB
    if used + answer > limit:
        raise MemoryHigh(
            f"instance at {used} MB before a picture call, no room for its answer ({answer} MB) under "
            f"HERA_MEMORY_GUARD_MB={limit}"
        )
    # An answer arrives all at once (JSON text, base64 text, bytes, then the decoded picture): the check after the
    # page would come too late for the calls already in flight, so a call waits until their answers fit.
    return used + in_flight * answer <= limit


def memory_pause_recheck() -> None:
    """Pause generation while the instance is over HERA_MEMORY_GUARD_MB; lift the pause once it is under 90 % of it."""
    used = instance_memory_mb()
    limit = settings.HERA_MEMORY_GUARD_MB
    paused = GenerationPause.objects.filter(source=MEMORY).exists()
    if paused and used < limit * RESUME_FRACTION:
        log.info("memory guard: instance back to %d MB (under %d MB), claiming again", used, limit * RESUME_FRACTION)
        pause.generation_resume(MEMORY)
    elif not paused and used > limit:
        memory_pause(f"instance at {used} MB, over HERA_MEMORY_GUARD_MB={limit}")


def memory_pause(reason: str) -> None:
    """Stop claiming until memory is back, with the reason /healthz and the live queue show."""
    pause.generation_pause(MEMORY, f"memory: {reason}; claiming again under {RESUME_FRACTION:.0%} of it")
