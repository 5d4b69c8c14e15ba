"""Platform weather costs nothing: a graceful stop hands the book back uncounted with its pages, a lost lease counts
only an attempt that finished no page, checkpoints are fenced; django-q2's own timeout still counts a hung book."""

import logging
import threading
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django_q.exceptions import TimeoutException
from django_q.timeout import TimeoutHandler

from generation import backends, picture_calls
from generation.book import BuildStopped, page_name
from generation.offline import OfflineGenerator
from hera import stopping
from orders import queue, selectors, tasks
from orders.models import EmailKind, LeaseLost, Order, OutboundEmail, Status, WorkerHeartbeat
from tests.conftest import make_order, order_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("email_threads_finish")]

HUNG = threading.Event()  # opened at teardown, so a picture call "hung" in a pool thread can end


class StopAskingGenerator(OfflineGenerator):
    """The offline generator while the platform's SIGTERM arrives as page 3 is being drawn."""

    def illustrate_page(self, request, story, page_index, out_path):
        if page_index == 2:
            stopping.request_stop()
        super().illustrate_page(request, story, page_index, out_path)


class HangingGenerator(OfflineGenerator):
    """The offline generator whose picture call for page 2 never returns (until the test ends)."""

    def illustrate_page(self, request, story, page_index, out_path):
        if page_index == 1:
            HUNG.wait(timeout=60)
        super().illustrate_page(request, story, page_index, out_path)


@pytest.fixture(autouse=True)
def no_stop_asked():
    stopping.reset()
    HUNG.clear()
    yield
    stopping.reset()
    HUNG.set()


@pytest.fixture
def use_generator(monkeypatch):
    def use(cls) -> None:
        monkeypatch.setitem(backends.GENERATORS, "offline", f"{cls.__module__}.{cls.__qualname__}")

    return use


def stored_pages(order: Order) -> list[int]:
    return [i for i in range(order.page_count) if default_storage.exists(page_name(f"work/{order.pk}", i))]


def test_a_stop_hands_the_order_back_uncounted_with_the_pages_drawn(use_generator, settings):
    settings.HERA_IMAGE_CONCURRENCY = 1
    use_generator(StopAskingGenerator)
    order = make_order(status="queued", page_count=6)

    tasks.process_next_order()

    order.refresh_from_db()
    # Page 3 was in flight when the stop came: it is kept; nothing after it was asked for.
    assert (order.status, order.attempts, order.pages_done, order.not_before) == (Status.QUEUED, 0, 3, None)
    assert stored_pages(order) == [0, 1, 2]
    last = order.events.order_by("-at", "-id").first()
    assert last.note.startswith("released, attempt 1 not counted: the worker was stopped")
    assert not OutboundEmail.objects.filter(order=order).exclude(kind=EmailKind.QUEUED).exists()


def test_a_worker_asked_to_stop_claims_nothing():
    order = make_order(status="queued", page_count=2)
    stopping.request_stop()
    assert tasks.process_next_order() is None
    assert Order.objects.get(pk=order.pk).status == Status.QUEUED


def test_django_q2_timeout_on_a_hung_book_counts_the_attempt_though_a_page_was_drawn(use_generator, settings):
    settings.HERA_IMAGE_CONCURRENCY, settings.HERA_MAX_ATTEMPTS = 1, 1
    use_generator(HangingGenerator)
    order = make_order(status="queued", page_count=4)

    # As django-q2's worker runs a task: SIGALRM after the timeout raises TimeoutException in the task.
    with pytest.raises(TimeoutException), TimeoutHandler(2):
        tasks.process_next_order()

    order.refresh_from_db()
    assert (order.status, order.attempts, order.pages_done) == (Status.FAILED, 1, 1)
    assert order.last_error.startswith("timed out after")
    assert OutboundEmail.objects.filter(order=order, kind=EmailKind.FAILED).count() == 1


# A lost lease: the platform's weather when the attempt made pages, the book's own fault when it made none.


def claim_and_lose(pages_done: int) -> Order:
    claimed = queue.order_claim_next("old-instance")
    if pages_done:
        queue.order_record_progress(claimed.pk, claimed.lease_token, claimed.pages_done + pages_done)
    Order.objects.filter(pk=claimed.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    queue.leases_recover_expired()
    return Order.objects.get(pk=claimed.pk)


def test_a_lost_lease_after_finished_pages_is_not_counted_even_at_the_last_attempt(settings):
    settings.HERA_MAX_ATTEMPTS = 2
    make_order(status="queued", page_count=12)
    for _ in range(5):  # five kills, each after two more pages: never `failed`
        order = claim_and_lose(pages_done=2)
        assert (order.status, order.attempts) == (Status.QUEUED, 0)
    assert order.pages_done == 10


def test_a_lost_lease_with_no_page_finished_counts_and_fails_at_the_limit(settings):
    settings.HERA_MAX_ATTEMPTS = 2
    make_order(status="queued", page_count=12)
    assert claim_and_lose(pages_done=0).attempts == 1
    order = claim_and_lose(pages_done=0)
    assert (order.status, order.attempts) == (Status.FAILED, 2)
    assert OutboundEmail.objects.filter(order=order, kind=EmailKind.FAILED).count() == 1


def test_an_old_instance_cannot_write_a_page_once_its_lease_was_taken_over():
    make_order(status="queued", page_count=4)
    old = queue.order_claim_next("old-instance")
    Order.objects.filter(pk=old.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    new = queue.order_claim_next("new-instance")  # recovers the lease, then claims afresh
    written = []

    with pytest.raises(LeaseLost):
        queue.checkpoint_write_fenced(old.pk, old.lease_token, lambda: written.append("old"))
    queue.checkpoint_write_fenced(new.pk, new.lease_token, lambda: written.append("new"))

    assert written == ["new"]


# Heartbeats: the number in force, and a clean stop forgotten.


def test_the_heartbeat_publishes_the_workers_number_in_force(settings):
    settings.HERA_CONCURRENT_GENERATIONS, settings.HERA_CONCURRENT_GENERATIONS_SOURCE = 3, "auto: 1 GB"
    queue.heartbeat_record("worker-host:7")
    beat = WorkerHeartbeat.objects.get()
    assert (beat.concurrent_generations, beat.concurrency_source) == (3, "auto: 1 GB")


def test_the_web_reckons_etas_with_the_live_workers_number_not_its_own(settings):
    settings.HERA_CONCURRENT_GENERATIONS, settings.HERA_MINUTES_PER_BOOK = 1, 5
    WorkerHeartbeat.objects.create(worker_id="worker-host:7", concurrent_generations=3)
    assert selectors.concurrent_generations() == 3
    assert selectors.line_eta_minutes(make_order(status="queued"), 6) == 10  # ceil(6 / 3) books ahead × 5 minutes


def test_a_silent_workers_number_is_no_longer_in_force(settings):
    settings.HERA_CONCURRENT_GENERATIONS = 2
    long_ago = timezone.now() - timedelta(seconds=WorkerHeartbeat.SILENCE_SECONDS + 1)
    WorkerHeartbeat.objects.create(worker_id="worker-host:7", concurrent_generations=7, seen_at=long_ago)
    assert selectors.concurrent_generations() == 2


def test_a_clean_stop_forgets_an_idle_worker_but_never_one_holding_an_order():
    order = order_in(Status.GENERATING)
    queue.heartbeat_record("host:1")
    queue.heartbeat_record("host:2", order.pk)
    assert queue.heartbeat_forget("host:1") == 1
    assert queue.heartbeat_forget("host:2") == 0
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["host:2"]


# The generator's state, checked once the worker is up, never before the site serves.


def test_the_start_check_records_the_generators_state_for_the_live_queue(settings):
    settings.HERA_GENERATOR = "offline"
    assert tasks.generator_check() == "offline: ok"
    assert WorkerHeartbeat.objects.get(worker_id=queue.cluster_id()).generator_state == "offline: ok"


def test_the_start_checks_heartbeat_says_where_its_number_in_force_comes_from(settings):
    settings.HERA_GENERATOR = "offline"
    settings.HERA_CONCURRENT_GENERATIONS, settings.HERA_CONCURRENT_GENERATIONS_SOURCE = 3, "auto: 1 GB"
    tasks.generator_check()
    beat = WorkerHeartbeat.objects.get(worker_id=queue.cluster_id())
    assert (beat.concurrent_generations, beat.concurrency_source) == (3, "auto: 1 GB")


def test_the_start_check_logs_a_refused_key_as_an_error_and_returns(gemini, settings, caplog):
    settings.GOOGLE_API_KEY = "not-the-key"
    with caplog.at_level(logging.INFO, logger="hera.worker"):
        state = tasks.generator_check()
    assert state.endswith("): GOOGLE_API_KEY was refused (400 INVALID_ARGUMENT: API key not valid. Please pass a valid "
                          "API key.).")
    record = next(r for r in caplog.records if r.getMessage().startswith("generator at start"))
    assert record.levelno == logging.ERROR
    assert "the site serves and takes orders" in record.getMessage()


def test_the_live_queue_greys_a_worker_gone_idle_and_reds_only_one_lost_holding_an_order(english_admin):
    order = order_in(Status.GENERATING)
    long_ago = timezone.now() - timedelta(seconds=WorkerHeartbeat.SILENCE_SECONDS + 60)
    WorkerHeartbeat.objects.create(worker_id="host:1", seen_at=long_ago)
    WorkerHeartbeat.objects.create(worker_id="host:2", seen_at=long_ago, current_order=order)
    queue.heartbeat_record("host:3")

    page = english_admin.get(reverse("admin:orders_order_queue") + "?fragment=1").content.decode()

    assert '<strong class="gone" data-worker-state="gone">worker gone, holding nothing</strong>' in page
    assert f'<strong class="stale" data-worker-state="lost">worker silent, it held #{order.pk}</strong>' in page
    assert '<strong class="alive" data-worker-state="alive">worker alive</strong>' in page
    assert page.count('class="stale"') == 1


def test_a_picture_call_whose_slot_waited_past_the_stop_is_never_started(tmp_path):
    calls = picture_calls.PictureCalls(in_flight=1, per_minute=0, folder=tmp_path)
    stopping.request_stop()  # while the call waited for its slot
    started = []
    with pytest.raises(BuildStopped):
        with calls.slot():
            started.append("picture call")
    assert started == []
    assert calls.held() == 0  # the slot is given back


def test_the_stop_is_seen_while_another_check_holds_a_picture_call_back(tmp_path, monkeypatch):
    def memory_says_not_yet(in_flight: int) -> bool:
        return False

    monkeypatch.setattr(picture_calls, "_before_each_call", [memory_says_not_yet, tasks.stop_before_picture_call])
    def waits(seconds: float) -> None:
        raise AssertionError("the call waited for memory after the stop")

    calls = picture_calls.PictureCalls(in_flight=1, per_minute=0, folder=tmp_path, sleep=waits)
    stopping.request_stop()
    with pytest.raises(BuildStopped):
        with calls.slot():
            pass
