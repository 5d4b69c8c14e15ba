"""PostgreSQL restarted, or the worker's connections dropped, under a real qcluster making a book and a real web server.

They run on a private server the test creates and owns (tests/private_postgres.py): restarting the suite's own server
would break every other connection to it.
"""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from pypdf import PdfReader

from tests.conftest import free_port
from tests.orders.test_worker_process import Clusters, wait_for
from tests.private_postgres import PrivateServer, unavailable_reason

pytestmark = [pytest.mark.slow, pytest.mark.pg_restart]

WORKER_APP, WEB_APP = "hera-worker", "hera-web"  # PGAPPNAME: which connections are whose on the private server

PAY = """
from orders.models import Order
from orders.payments import order_mark_paid, order_price_record
order = Order.objects.create(
    email="parent@example.com", child_name="Zoë", child_age=5, theme="space", language="fr", page_count={pages}
)
order_price_record(order)
order_mark_paid(order, actor="stripe")
print("paid order", order.pk)
"""


@pytest.fixture(scope="module")
def server():
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    private = PrivateServer()
    try:
        private.start()
        manage(private, "migrate", "--noinput")
        yield private
    finally:
        private.stop()


@pytest.fixture
def clusters(tmp_path):
    started = Clusters(tmp_path)
    yield started
    started.kill_all()


def process_env(server: PrivateServer, application_name: str, **extra: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": server.url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "HERA_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PGAPPNAME": application_name,
        **extra,
    }


def manage(server: PrivateServer, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=process_env(server, "hera-test"),
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def pay(server: PrivateServer, pages: int) -> int:
    """Create an order and pay it as the Stripe webhook does; return its id."""
    output = manage(server, "shell", "-c", PAY.format(pages=pages))  # the console email backend prints there too
    return int(re.search(r"^paid order (\d+)$", output, re.MULTILINE).group(1))


def order_state(server: PrivateServer, order_id: int) -> tuple[str, int, int] | None:
    """Return the order's (status, pages_done, attempts), or None while the server does not answer."""
    try:
        rows = server.sql("SELECT status, pages_done, attempts FROM orders_order WHERE id = %s", [order_id])
    except psycopg.OperationalError:
        return None
    return rows[0]


def transitions(server: PrivateServer, order_id: int) -> list[tuple[str, str]]:
    return server.sql(
        "SELECT from_status, to_status FROM orders_orderevent WHERE order_id = %s ORDER BY at, id", [order_id]
    )


def pages_done(server: PrivateServer, order_id: int) -> int:
    state = order_state(server, order_id)
    return state[1] if state else -1


def status_of(server: PrivateServer, order_id: int) -> str | None:
    state = order_state(server, order_id)
    return state[0] if state else None


def restart(server: PrivateServer) -> None:
    server.restart()


def drop_worker_connections(server: PrivateServer) -> None:
    assert server.terminate(WORKER_APP) >= 1  # at least the connection the book is written with


def down_for_five_seconds(server: PrivateServer) -> None:
    server.outage(5)


@pytest.mark.parametrize(
    "blip", [restart, drop_worker_connections, down_for_five_seconds],
    ids=["restart", "connections-dropped", "down-5s"],
)
def test_a_database_blip_mid_book_costs_seconds_not_the_lease_and_the_cluster_takes_the_next_order(
    server, clusters, blip
):
    book = pay(server, pages=12)
    cluster, log = clusters.start(
        **process_env(server, WORKER_APP, HERA_OFFLINE_PAGE_SECONDS="1", HERA_IMAGE_CONCURRENCY="1")
    )
    wait_for(lambda: pages_done(server, book) >= 3, timeout=90, what="3 pages of the book", poll=0.1)

    started = time.monotonic()
    blip(server)
    back = time.monotonic()
    pages_when_back = pages_done(server, book)
    wait_for(lambda: pages_done(server, book) > pages_when_back, timeout=20, what="progress after the blip", poll=0.1)
    resumed = time.monotonic()
    assert resumed - started < 20
    wait_for(lambda: status_of(server, book) == "done", timeout=60, what="the book", poll=0.2)

    assert transitions(server, book) == [("pending_payment", "queued"), ("queued", "generating"), ("generating", "done")]
    assert order_state(server, book)[2] == 1  # attempts
    (pdf,) = server.sql("SELECT pdf FROM orders_order WHERE id = %s", [book])[0]
    assert len(PdfReader(Path(settings.MEDIA_ROOT) / pdf).pages) == 12 + 5
    assert "database connection lost during " in log.read_text()  # the worker did meet the blip (a page, its record)

    second = pay(server, pages=3)
    paid = time.monotonic()
    wait_for(lambda: status_of(server, second) == "done", timeout=60, what="the order paid after the blip", poll=0.2)
    assert order_state(server, second)[2] == 1
    assert cluster.poll() is None  # the same cluster, still running
    assert "reincarnated" not in log.read_text()  # and none of its pusher, monitor, workers died on the way
    print(
        f"{blip.__name__}: database back after {back - started:.1f}s, progress after {resumed - started:.1f}s, "
        f"second order made {time.monotonic() - paid:.1f}s after its payment"
    )


def http_status(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("conn_max_age", ["0", "600"], ids=["connection-per-request", "kept-connections"])
def test_the_web_answers_the_first_request_after_a_restart(server, tmp_path, conn_max_age):
    port = free_port()
    with open(tmp_path / "web.log", "wb") as out:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "hera.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=settings.BASE_DIR, env=process_env(server, WEB_APP, HERA_DB_CONN_MAX_AGE=conn_max_age),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_for(lambda: port_answers(port), timeout=30, what="the web server")
        assert http_status(port, "/api/queue-status") == 200
        (kept,) = server.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [WEB_APP])[0]
        assert kept == (1 if conn_max_age != "0" else 0)
        server.restart()
        assert [http_status(port, path) for path in ("/api/queue-status", "/healthz", "/")] == [200, 200, 200]
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=15)


def port_answers(port: int) -> bool:
    try:
        http_status(port, "/healthz")
        return True
    except OSError:
        return False
