"""Gunicorn for Hera on a small host: a 512 MB instance shares its memory between the web and the book worker.

`gunicorn -c hera/gunicorn_conf.py hera.wsgi` (render.yaml; `manage.py serve` adds the worker cluster). The choices,
measured with bench/footprint.py:
- One worker process (gunicorn's own WEB_CONCURRENCY, default 1) with 4 threads (gthread): the web's requests are
  short or wait on the network (Stripe's Checkout API, the database), so threads give concurrency for ~0.1 MB each
  where another sync worker costs a whole Django copy (~45 MB). A slow Stripe call no longer blocks /healthz.
- preload_app: Django is imported once, in the master, before forking; with gc.freeze() the web worker (and under
  `serve` the worker cluster, forked from the same master) keeps sharing those pages instead of importing its own.
- max_requests with jitter: a worker is replaced every ~1000 requests, bounding slow growth (fragmentation, caches);
  cheap with preload, the new worker is a fork.
- No control socket: a runtime management thread in the master is of no use on a platform that restarts the service.
- One stop budget (HERA_STOP_GRACE_SECONDS, hera/stopping.py): the web workers get it as their graceful timeout, and
  under `serve` the worker cluster is told to stop at the same moment (not after the web), so both end within it.
"""

import gc
import multiprocessing.process
import os
import signal

from hera import stopping

# Set by `manage.py serve`: the master also runs the django-q2 cluster (hera.worker_cluster).
RUN_WORKER_CLUSTER = "HERA_GUNICORN_RUNS_WORKER"

wsgi_app = "hera.wsgi:application"
worker_class = "gthread"
threads = 4
preload_app = True
max_requests = 1000
max_requests_jitter = 100
control_socket_disable = True
graceful_timeout = max(1, stopping.grace_seconds() - stopping.CLUSTER_RESERVE_SECONDS)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


def when_ready(server) -> None:
    """Load and freeze what every forked process needs, then fork the worker cluster if `serve` asked for it."""
    run_cluster = os.environ.get(RUN_WORKER_CLUSTER) == "1"
    load_shared_modules(with_cluster=run_cluster)
    gc.collect()
    gc.freeze()  # forked processes keep sharing these pages: a collection would write to every old object
    if run_cluster:
        from hera.worker_cluster import WorkerCluster

        server.hera_cluster = WorkerCluster(on_death=lambda: os.kill(os.getpid(), signal.SIGTERM))
        server.hera_cluster.start(close_fds=[listener.fileno() for listener in server.LISTENERS])
        for signum in STOP_SIGNALS:
            signal.signal(signum, stop_cluster_first(server, signal.getsignal(signum)))
        from hera.management.commands.qcluster import cluster_started

        cluster_started()


def stop_cluster_first(server, gunicorn_handler):
    """Wrap the master's handler of a stop signal: tell the worker cluster at once, then let gunicorn stop the web."""

    def handler(signum, frame):
        server.hera_cluster.stop_soon()
        gunicorn_handler(signum, frame)

    return handler


def load_shared_modules(with_cluster: bool) -> None:
    """Load in the master what each forked process would otherwise load on its own (and pay for again)."""
    from django.conf import settings
    from django.template import engines
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().resolve("/")  # the URLconf, its views and the admin
    engines["django"].engine.template_loaders  # noqa: B018  (the loaders and every app's template tags)
    for language, _ in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("Hera")  # the language's merged catalog of every app
    if with_cluster:
        import django_q.cluster  # noqa: F401  (the sentinel, pusher, monitor and worker code)


def post_fork(server, worker) -> None:
    # A web worker is forked after the worker cluster's sentinel: without this, multiprocessing's exit handler in the
    # web worker would try to join a process that is not its child (AssertionError on every worker exit).
    multiprocessing.process._children.clear()


def on_exit(server) -> None:
    cluster = getattr(server, "hera_cluster", None)
    if cluster is not None:
        cluster.stop()
