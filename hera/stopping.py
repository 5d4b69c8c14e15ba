"""The graceful stop: one flag, shared by every process of a worker cluster, and one budget, HERA_STOP_GRACE_SECONDS.

The platform's SIGTERM (a deploy, a plan change, a free instance going to sleep) reaches the process that started the
cluster: `manage.py qcluster`, or gunicorn's master under `manage.py serve`. That process calls `request_stop()`
before it tells django-q2 to stop; the book worker, a grandchild forked after the flag was made, reads `deadline()`
between pages and between picture calls. The flag is a raw double in shared memory, written once and read without a
lock: a process killed with SIGKILL while reading it cannot leave a lock held for the others (a multiprocessing Event
could). It is not SIGTERM in the book worker: django-q2's own task timeout sends that signal to a hung worker, which
must die and count its attempt.

Everyone waits on the same clock (CLOCK_MONOTONIC is one clock for the whole machine), from the moment of the stop:
- the book worker lets the pictures in flight finish until `grace - WORKER_RESERVE_SECONDS`, keeps them, hands the
  order back and returns;
- the cluster (and gunicorn's web workers) are waited for until `grace - CLUSTER_RESERVE_SECONDS`, then killed;
- the supervisor of `serve` kills what is left at `grace - SUPERVISOR_RESERVE_SECONDS`, before the platform would.
Standard library only: the supervisor reads these numbers too.
"""

import multiprocessing
import os
import time

GRACE_VARIABLE = "HERA_STOP_GRACE_SECONDS"
DEFAULT_GRACE_SECONDS = 30  # what Render and Heroku wait between SIGTERM and SIGKILL unless told otherwise
WORKER_RESERVE_SECONDS = 6  # to save the last page, hand the order back and let the worker process exit
CLUSTER_RESERVE_SECONDS = 3
SUPERVISOR_RESERVE_SECONDS = 1

# Made at import, in the process that starts the cluster (before it forks), so every descendant shares the same page.
# 0.0: no stop asked; otherwise the time.monotonic() of the stop.
_stopped_at = multiprocessing.get_context("fork").RawValue("d", 0.0)


def grace_seconds() -> int:
    """Return the stop's whole budget from the environment (settings.HERA_STOP_GRACE_SECONDS reads the same)."""
    value = os.environ.get(GRACE_VARIABLE, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_GRACE_SECONDS


def request_stop() -> float:
    """Raise the flag (once: a second SIGTERM keeps the first one's clock); return when the stop began."""
    if not _stopped_at.value:
        _stopped_at.value = time.monotonic()
    return _stopped_at.value


def stop_requested() -> bool:
    return bool(_stopped_at.value)


def stopped_at() -> float | None:
    return _stopped_at.value or None


def deadline(reserve: float, grace: float | None = None) -> float | None:
    """Return the monotonic time by which a part of the stop must be over, or None when no stop was asked."""
    began = stopped_at()
    if began is None:
        return None
    return began + max(1.0, (grace if grace is not None else grace_seconds()) - reserve)


def worker_deadline() -> float | None:
    """Until when the book worker may wait for the pictures in flight; None while no stop is asked."""
    return deadline(WORKER_RESERVE_SECONDS)


def reset() -> None:
    """Lower the flag (tests: one process plays several stops)."""
    _stopped_at.value = 0.0
