"""Run the django-q2 cluster from a process that has Django loaded already: gunicorn's master under `manage.py serve`.

`manage.py qcluster` starts a whole Django process that only waits on its sentinel. Under `serve`, gunicorn's master
(which preloads Django) forks the sentinel itself, so the web worker, the sentinel, its pusher, monitor and book
workers all share one copy of Django's pages instead of two (bench/footprint.py measures the difference).
"""

import contextlib
import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable

import psutil

from hera import stopping

log = logging.getLogger("hera.worker")

# Handlers the sentinel would inherit from gunicorn's master: its SIGCHLD handler would reap the sentinel's own children
# behind multiprocessing's back (a recycled book worker would never be replaced); the others queue signals for a loop
# that does not run in the sentinel.
INHERITED_SIGNALS = (
    signal.SIGCHLD, signal.SIGHUP, signal.SIGQUIT, signal.SIGTTIN, signal.SIGTTOU, signal.SIGUSR1, signal.SIGUSR2,
    signal.SIGWINCH,
)
WATCH_SECONDS = 1


def run_sentinel(stop_event, start_event, cluster_id: uuid.UUID, close_fds: tuple[int, ...]) -> None:
    """Become django-q2's sentinel: default signal handlers, none of the master's sockets, logs in English."""
    for signum in INHERITED_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    for fd in close_fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    from django.utils import translation
    from django_q.cluster import Sentinel

    from hera.management.commands.qcluster import LOG_LANGUAGE

    translation.activate(LOG_LANGUAGE)  # as `manage.py qcluster` does: the cluster's processes log in English

    Sentinel(stop_event, start_event, cluster_id)


class WorkerCluster:
    """The sentinel as a child of this process; `on_death` is called if it exits before stop()."""

    def __init__(self, on_death: Callable[[], None]):
        self.on_death = on_death
        self.stopping = threading.Event()
        self.sentinel = None

    def start(self, close_fds: Iterable[int] = ()) -> None:
        from django_q.cluster import get_mp_context

        context = get_mp_context()
        self.stop_event, self.start_event = context.Event(), context.Event()
        self.sentinel = context.Process(
            target=run_sentinel, args=(self.stop_event, self.start_event, uuid.uuid4(), tuple(close_fds)),
            name=f"Process-{uuid.uuid4().hex}",
        )
        self.sentinel.start()
        self.process = psutil.Process(self.sentinel.pid)  # psutil tells a reused pid from the sentinel
        threading.Thread(target=self.watch, name="hera-cluster-watch", daemon=True).start()
        log.info("worker cluster started (sentinel pid %d)", self.sentinel.pid)

    def exited(self) -> bool:
        # Neither waitpid (gunicorn's master reaps every child it sees exit) nor the process's pipe (the sentinel's
        # own children keep its write end open when it dies alone): the process table.
        try:
            return self.process.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    def watch(self) -> None:
        while not self.stopping.wait(WATCH_SECONDS):
            if self.exited():
                log.error("the worker cluster exited; stopping the web server with it")
                self.on_death()
                return

    def stop_soon(self) -> None:
        """Raise the stop flag and ask the sentinel to stop, without waiting: the web stops meanwhile, in the same
        budget (called from the master's SIGTERM, SIGINT and SIGQUIT)."""
        stopping.request_stop()
        if self.sentinel is None or self.stopping.is_set():
            return
        self.stopping.set()
        if not self.exited():
            # Killed, it may have died holding the event's shared lock: setting the event would wait forever.
            self.stop_event.set()

    def stop(self) -> bool:
        """Stop the cluster within the stop's budget (HERA_STOP_GRACE_SECONDS); return whether it stopped by itself."""
        if self.sentinel is None:
            return True
        self.stop_soon()
        deadline = stopping.deadline(stopping.CLUSTER_RESERVE_SECONDS)
        while not self.exited():
            if time.monotonic() > deadline:
                log.warning("the worker cluster is still busy at the end of the stop's budget; ending it")
                from hera.management.commands.qcluster import kill_tree

                kill_tree(self.sentinel.pid)
                return False
            time.sleep(0.1)
        from hera.management.commands.qcluster import cluster_forget

        cluster_forget(self.sentinel.pid, clean=True)
        return True
