"""Real `manage.py qcluster` processes on the test database: books made one at a time, and a SIGKILL survived."""

import http.client
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from orders import queue
from orders.models import Order, OrderEvent, Priority, Status, WorkerHeartbeat
from tests.conftest import free_port, make_order

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PAGE_DRAWN = re.compile(r"book work/(\d+) page (\d+)/\d+ drawn")
RESUMED = re.compile(r"book work/\d+ resumes with (\d+)/12 pages")


def worker_database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Clusters:
    """Start qcluster process trees in their own sessions, and make sure none outlives the test."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen] = []

    def start(self, **env) -> tuple[subprocess.Popen, Path]:
        return self.spawn(["qcluster"], **env)

    def spawn(self, command: list[str], **env) -> tuple[subprocess.Popen, Path]:
        """Start `manage.py <command>` on the test database, in a session of its own, logging to a file."""
        log = self.tmp_path / f"{command[0]}-{len(self.procs) + 1}.log"
        environ = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "HERA_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "HERA_LOG_LEVEL": "INFO",
            **{key: str(value) for key, value in env.items()},
        }
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "manage.py", *command], cwd=settings.BASE_DIR, env=environ,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.procs.append(proc)
        return proc, log

    def stop(self, proc: subprocess.Popen) -> None:
        """SIGTERM the leader, as a platform does on deploy, a plan change or an idle spin-down, and wait for it."""
        proc.terminate()
        proc.wait(timeout=60)

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL the whole process tree (sentinel, workers, pusher, monitor), as the OOM killer would."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)

    def kill_all(self) -> None:
        for proc in self.procs:
            self.kill(proc)


@pytest.fixture
def clusters(tmp_path):
    started = Clusters(tmp_path)
    yield started
    started.kill_all()


def wait_for(condition, timeout: float, what: str, poll: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def queued_at(order: Order, minutes_ago: int) -> Order:
    Order.objects.filter(pk=order.pk).update(queued_at=timezone.now() - timedelta(minutes=minutes_ago))
    return order


def test_three_orders_are_made_one_at_a_time_in_claim_order(clusters):
    low = queued_at(make_order(status="queued", priority=Priority.LOW, page_count=3), 30)
    high_late = queued_at(make_order(status="queued", priority=Priority.HIGH, page_count=3), 5)
    high_early = queued_at(make_order(status="queued", priority=Priority.HIGH, page_count=3), 10)
    clusters.start(HERA_OFFLINE_PAGE_SECONDS=0.2)

    most_generating = 0

    def all_done() -> bool:
        nonlocal most_generating
        most_generating = max(most_generating, Order.objects.generating().count())
        return Order.objects.filter(status=Status.DONE).count() == 3

    wait_for(all_done, timeout=120, what="three books")
    assert most_generating == 1
    claims = OrderEvent.objects.filter(to_status=Status.GENERATING).order_by("at", "id")
    assert [event.order_id for event in claims] == [high_early.pk, high_late.pk, low.pk]
    # Never two at once: each book is claimed only after the previous one is done.
    timeline = list(OrderEvent.objects.filter(to_status__in=[Status.GENERATING, Status.DONE]).order_by("at", "id")
                    .values_list("order_id", "to_status"))
    assert timeline == [
        (high_early.pk, "generating"), (high_early.pk, "done"),
        (high_late.pk, "generating"), (high_late.pk, "done"),
        (low.pk, "generating"), (low.pk, "done"),
    ]
    for order in Order.objects.all():
        assert len(PdfReader(order.pdf.path).pages) == 3 + 5


def test_a_book_survives_sigkill_of_the_worker_tree_without_redrawing_finished_pages(clusters):
    worker_env = {"HERA_OFFLINE_PAGE_SECONDS": 0.3, "HERA_LEASE_SECONDS": 3, "HERA_IMAGE_CONCURRENCY": 1}
    order = make_order(status="queued", page_count=12)
    first, first_log = clusters.start(**worker_env)
    wait_for(lambda: Order.objects.get(pk=order.pk).pages_done >= 5, timeout=60, what="5 pages")
    clusters.kill(first)
    killed = Order.objects.get(pk=order.pk)
    assert killed.status == Status.GENERATING  # nobody told the queue: only the lease can tell

    second, second_log = clusters.start(**worker_env)
    # The schedule's queue_tick (the first run comes about 30 s after start) recovers the lease and wakes the worker.
    wait_for(lambda: Order.objects.get(pk=order.pk).status == Status.DONE, timeout=150, what="the book", poll=0.2)
    clusters.kill(second)

    order.refresh_from_db()
    assert order.attempts == 1  # the killed attempt finished pages: the platform's weather, not counted
    assert OrderEvent.objects.filter(order=order, to_status=Status.DONE).count() == 1
    assert list(order.events.values_list("from_status", "to_status")) == [
        ("pending_payment", "queued"), ("queued", "generating"), ("generating", "queued"),
        ("queued", "generating"), ("generating", "done"),
    ]
    drawn_before = {int(page) for _, page in PAGE_DRAWN.findall(first_log.read_text())}
    drawn_after = {int(page) for _, page in PAGE_DRAWN.findall(second_log.read_text())}
    assert len(drawn_before) >= killed.pages_done >= 5
    assert drawn_before.isdisjoint(drawn_after)
    reused = int(RESUMED.search(second_log.read_text()).group(1))
    assert reused >= len(drawn_before)
    assert reused + len(drawn_after) == 12
    assert len(PdfReader(order.pdf.path).pages) == 12 + 5


def test_the_cluster_stops_promptly_with_wake_up_tasks_waiting(clusters):
    order = make_order(status="queued", page_count=3)
    for _ in range(5):  # one per payment, or per finished book while others wait
        queue.wake_worker()
    cluster, log = clusters.start(HERA_OFFLINE_PAGE_SECONDS=0.2)
    wait_for(lambda: Order.objects.get(pk=order.pk).status == Status.DONE, timeout=60, what="the book")

    started = time.monotonic()
    cluster.send_signal(signal.SIGTERM)
    cluster.wait(timeout=30)

    assert time.monotonic() - started < 8, log.read_text()[-2000:]


# Object storage: books and pages in a bucket (moto's S3 server on 127.0.0.1), nothing kept on any instance's disk.


def get_without_following(url: str) -> tuple[int, str]:
    """GET `url` and return the status and the Location header, as a browser sees them before following."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", parts.path)
        response = conn.getresponse()
        return response.status, response.getheader("Location", "")
    finally:
        conn.close()


def serving(base: str, proc: subprocess.Popen, log: Path) -> None:
    def answers() -> bool:
        assert proc.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    wait_for(answers, timeout=90, what=f"{base} to serve", poll=0.3)


def download(web: str, order: Order) -> bytes:
    status, location = get_without_following(f"{web}/orders/{order.token}/book.pdf")
    assert status == 302
    with urllib.request.urlopen(location, timeout=10) as response:
        return response.read()


def files_in(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_a_book_made_by_one_worker_is_served_by_a_web_on_another_disk_even_after_both_are_wiped(
    clusters, bucket, tmp_path
):
    worker_disk, web_disk = tmp_path / "worker-media", tmp_path / "web-media"
    worker_disk.mkdir(), web_disk.mkdir()
    order = make_order(status="queued", page_count=3)
    worker, _ = clusters.start(HERA_MEDIA_ROOT=worker_disk, **bucket.env())
    wait_for(lambda: Order.objects.get(pk=order.pk).status == Status.DONE, timeout=120, what="the book", poll=0.2)
    # The worker deletes the pages right after marking the book done.
    wait_for(lambda: bucket.keys(prefix="work/") == [], timeout=10, what="the pages to go")
    clusters.kill(worker)
    order.refresh_from_db()
    assert files_in(worker_disk) == []
    # The book, and the small pictures the customer's page and emails show (kept after the pages are purged).
    assert [key for key in bucket.keys() if not key.startswith(f"previews/{order.pk}/")] == [order.pdf.name]
    assert len(bucket.keys(prefix=f"previews/{order.pk}/")) == 3 + 1  # each page's and the cover's

    port = free_port()
    web = f"http://127.0.0.1:{port}"
    first_web, log = clusters.spawn(["runserver", f"127.0.0.1:{port}", "--noreload"], HERA_MEDIA_ROOT=web_disk,
                                    **bucket.env())
    serving(web, first_web, log)
    book = download(web, order)
    assert len(PdfReader(io.BytesIO(book)).pages) == 3 + 5

    clusters.kill(first_web)
    shutil.rmtree(worker_disk), shutil.rmtree(web_disk)
    web_disk.mkdir()
    second_web, log = clusters.spawn(["runserver", f"127.0.0.1:{port}", "--noreload"], HERA_MEDIA_ROOT=web_disk,
                                     **bucket.env())
    serving(web, second_web, log)
    assert download(web, order) == book
    assert files_in(web_disk) == []


def test_an_instance_stopped_mid_book_finishes_it_after_a_restart_on_an_empty_disk(clusters, bucket, tmp_path):
    """A plan change, a deploy or a spin-down stops `manage.py serve`; the next instance, on a new disk, finishes."""
    env = {"HERA_OFFLINE_PAGE_SECONDS": 1, "HERA_LEASE_SECONDS": 3, "HERA_IMAGE_CONCURRENCY": 1, **bucket.env()}
    order = make_order(status="queued", page_count=24)
    first_disk, second_disk = tmp_path / "first-instance", tmp_path / "second-instance"
    first, first_log = clusters.spawn(["serve", "--port", str(free_port())], HERA_MEDIA_ROOT=first_disk, **env)
    wait_for(lambda: Order.objects.get(pk=order.pk).pages_done >= 4, timeout=120, what="4 pages", poll=0.2)
    clusters.stop(first)
    stopped = Order.objects.get(pk=order.pk)
    assert stopped.status != Status.DONE
    in_bucket = len(bucket.keys(prefix=f"work/{order.pk}/"))
    assert in_bucket >= 4

    second, second_log = clusters.spawn(["serve", "--port", str(free_port())], HERA_MEDIA_ROOT=second_disk, **env)
    wait_for(lambda: Order.objects.get(pk=order.pk).status == Status.DONE, timeout=180, what="the book", poll=0.5)
    wait_for(lambda: bucket.keys(prefix="work/") == [], timeout=10, what="the pages to go")
    clusters.stop(second)

    order.refresh_from_db()
    assert order.attempts == 1  # the stop handed the book back uncounted
    reused = int(re.search(r"resumes with (\d+)/24 pages", second_log.read_text()).group(1))
    assert reused >= in_bucket
    drawn_after = {int(page) for _, page in PAGE_DRAWN.findall(second_log.read_text())}
    assert reused + len(drawn_after) == 24
    with default_storage.open(order.pdf.name, "rb") as fh:
        assert len(PdfReader(fh).pages) == 24 + 5
    assert files_in(second_disk) == []


def test_three_sigterms_during_one_book_cost_no_attempt_no_email_and_no_page_drawn_twice(clusters, settings):
    """Three deploys during one book with HERA_MAX_ATTEMPTS=2: each stop hands it back with its pages, uncounted."""
    grace = 10
    env = {"HERA_OFFLINE_PAGE_SECONDS": 0.5, "HERA_IMAGE_CONCURRENCY": 2, "HERA_MAX_ATTEMPTS": 2,
           "HERA_STOP_GRACE_SECONDS": grace}
    order = make_order(status="queued", page_count=20)
    logs, pages_before = [], 0
    for _ in range(3):
        cluster, log = clusters.start(**env)
        logs.append(log)

        def drawing_again(after: int = pages_before) -> bool:
            now = Order.objects.get(pk=order.pk)
            return now.status == Status.GENERATING and now.pages_done >= after + 2

        wait_for(drawing_again, timeout=120, what=f"two pages after {pages_before}", poll=0.1)
        started = time.monotonic()
        cluster.send_signal(signal.SIGTERM)  # what Render sends on a deploy, a plan change or a spin-down
        cluster.wait(timeout=60)
        stopped_in = time.monotonic() - started
        assert stopped_in < grace, f"the stop took {stopped_in:.1f}s:\n{log.read_text()[-3000:]}"
        handed_back = Order.objects.get(pk=order.pk)
        assert (handed_back.status, handed_back.attempts) == (Status.QUEUED, 0), log.read_text()[-3000:]
        assert not WorkerHeartbeat.objects.exists()  # stopped cleanly: the live queue forgets it
        pages_before = handed_back.pages_done
    assert pages_before < 20
    last, log = clusters.start(**env)
    logs.append(log)
    wait_for(lambda: Order.objects.get(pk=order.pk).status == Status.DONE, timeout=120, what="the book", poll=0.2)
    clusters.kill(last)

    order.refresh_from_db()
    assert order.attempts == 1
    assert not order.emails.filter(kind="failed").exists()
    notes = list(order.events.values_list("note", flat=True))
    released = [note for note in notes if note.startswith("released, attempt 1 not counted: the worker was stopped")]
    assert len(released) == 3, "\n".join(notes)
    drawn = [int(page) for log in logs for _, page in PAGE_DRAWN.findall(log.read_text())]
    assert sorted(drawn) == list(range(1, 21))  # every page drawn once, none of them again after a stop
    assert len(PdfReader(order.pdf.path).pages) == 20 + 5
