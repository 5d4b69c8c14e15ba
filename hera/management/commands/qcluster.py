"""django-q2's `qcluster`, with its log lines in English and a graceful stop within HERA_STOP_GRACE_SECONDS.

django-q2 translates its log lines ("Failed …", "Processed …", "reincarnated …") into the active language, which in a
management command is LANGUAGE_CODE: the site's default for customers (French), not the language of the logs. The
sentinel, pusher, monitor and workers are forked from this process and inherit its active language. Customer-facing
text made by the worker (emails, books) is rendered in each order's own language, so it does not change.

On SIGTERM (or Ctrl-C) django-q2 alone would wait for the book in hand to be finished, however long, until the platform
kills everything and the book's lease lapses. Here the stop raises the shared flag first (hera/stopping.py), so the
book worker saves its pages and hands its order back, and what is still running when the budget is spent is killed.
"""

import logging
import os
import signal
import time

import psutil
from django.conf import settings
from django.utils import translation
from django_q.cluster import Cluster
from django_q.management.commands.qcluster import Command as QclusterCommand

from hera import stopping

LOG_LANGUAGE = "en"

log = logging.getLogger("hera.worker")


class GracefulCluster(Cluster):
    """A cluster whose stop raises the stop flag and lasts no longer than the shared budget."""

    def sig_handler(self, signum, frame):
        stopping.request_stop()
        super().sig_handler(signum, frame)

    def stop(self) -> bool:
        if self.sentinel is None or not self.sentinel.is_alive():
            return False
        began = stopping.request_stop()
        log.info("worker cluster stopping: %d s at most (HERA_STOP_GRACE_SECONDS)", stopping.grace_seconds())
        self.stop_event.set()
        deadline = stopping.deadline(stopping.CLUSTER_RESERVE_SECONDS) or began
        self.sentinel.join(timeout=max(0.1, deadline - time.monotonic()))
        clean = not self.sentinel.is_alive()
        if not clean:
            log.warning("the worker cluster is still busy at the end of the stop's budget; ending it")
            kill_tree(self.sentinel.pid)
            self.sentinel.join()
        cluster_forget(self.sentinel.pid, clean)
        self.start_event = None
        self.stop_event = None
        return True


def kill_tree(pid: int) -> None:
    """SIGKILL a process and every process under it (a book worker waiting on a picture call)."""
    try:
        root = psutil.Process(pid)
        processes = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for process in processes:
        try:
            process.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass


def cluster_forget(sentinel_pid: int, clean: bool) -> None:
    """After a clean stop, remove the cluster's heartbeat: the live queue has no silent worker to show for it."""
    if not clean:
        return
    from orders import queue

    try:
        queue.heartbeat_forget(queue.cluster_id(sentinel_pid))
    except Exception:
        log.warning("could not forget the stopped worker's heartbeat", exc_info=True)


def cluster_started() -> None:
    """Have the new cluster check the generator (in the background: start-up never waits on it), then look at the
    queue at once: a book handed back by the instance this one replaces resumes now, not at the next queue tick."""
    from django.db import connections

    from orders import queue

    try:
        queue.generator_check_soon()
        queue.wake_worker()
    except Exception:
        log.warning("could not ask the new worker cluster for its first tasks", exc_info=True)
    finally:
        # This process forks no more, but gunicorn's master does: a connection must not be shared with a child.
        connections.close_all()


class Command(QclusterCommand):
    def handle(self, *args, **options):
        translation.activate(LOG_LANGUAGE)
        settings.SECRET_KEY  # noqa: B018  (as django-q2's command: signing needs it, so fail before starting)
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        cluster = GracefulCluster()
        cluster.start()
        if cluster.stop_event is not None:
            cluster_started()
        if options.get("run_once", False):
            cluster.stop()
