"""The worker task run in-process against the real database (threads need committed rows: transactional_db)."""

import time
import uuid
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import InterfaceError, connection
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ, Schedule
from pypdf import PdfReader

from generation import backends
from generation.base import GenerationError
from generation.book import page_name
from generation.offline import OfflineGenerator
from orders import emails, pause, queue, tasks
from orders.models import LeaseLost, Order, OrderEvent, Status, WorkerHeartbeat
from tests.conftest import make_order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("email_threads_finish")]


class FailingGenerator(OfflineGenerator):
    """The offline generator with an image backend that refuses page 2 (as a safety filter would)."""

    def illustrate_page(self, request, story, page_index, out_path):
        if page_index == 1:
            raise GenerationError("the image model refused page 2")
        super().illustrate_page(request, story, page_index, out_path)


class CancellingGenerator(OfflineGenerator):
    """The offline generator while staff cancels the order as the first page is drawn."""

    def illustrate_page(self, request, story, page_index, out_path):
        order = Order.objects.get(status=Status.GENERATING)
        if page_index == 0:
            order.cancel(actor="staff", note="customer asked")
        super().illustrate_page(request, story, page_index, out_path)


class ProgressWatchingGenerator(OfflineGenerator):
    """The offline generator noting the order's recorded progress each time a page starts."""

    seen: list[int] = []

    def illustrate_page(self, request, story, page_index, out_path):
        ProgressWatchingGenerator.seen.append(Order.objects.get(status=Status.GENERATING).pages_done)
        super().illustrate_page(request, story, page_index, out_path)


@pytest.fixture
def use_generator(monkeypatch):
    def use(path: str) -> None:
        monkeypatch.setitem(backends.GENERATORS, "offline", path)

    return use


def test_process_next_order_builds_the_book_and_marks_it_done():
    order = make_order(status="queued", page_count=3, child_name="Zoë-Chloé N'Diaye")
    assert tasks.process_next_order() == order.reference
    order.refresh_from_db()
    assert order.status == Status.DONE
    assert order.pages_done == 3
    assert order.story["title"].startswith("Zoë-Chloé N'Diaye")
    assert len(PdfReader(order.pdf.path).pages) == 3 + 5  # cover, title, dedication, the end, back cover


def test_done_book_is_served_by_book_pdf(client):
    order = make_order(status="queued", page_count=2)
    tasks.process_next_order()
    response = client.get(reverse("orders:book_pdf", kwargs={"token": order.token}))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_progress_is_recorded_after_each_page(use_generator, settings):
    use_generator("tests.orders.test_tasks.ProgressWatchingGenerator")
    settings.HERA_IMAGE_CONCURRENCY = 1
    ProgressWatchingGenerator.seen = []
    make_order(status="queued", page_count=4)
    tasks.process_next_order()
    assert ProgressWatchingGenerator.seen == [0, 1, 2, 3]


def test_process_next_order_with_an_empty_queue_does_nothing():
    assert tasks.process_next_order() is None


def test_a_duplicate_task_while_a_book_is_generating_does_nothing():
    make_order(status="queued")
    make_order(status="queued")
    queue.order_claim_next("another-worker")
    assert tasks.process_next_order() is None
    assert Order.objects.filter(status=Status.QUEUED).count() == 1


def test_a_finished_book_wakes_the_worker_for_the_next_order_at_once():
    make_order(status="queued", page_count=2)
    make_order(status="queued", page_count=2)
    OrmQ.objects.all().delete()
    tasks.process_next_order()
    assert OrmQ.objects.count() == 1


def test_the_last_book_in_line_wakes_nobody():
    make_order(status="queued", page_count=2)
    OrmQ.objects.all().delete()
    tasks.process_next_order()
    assert OrmQ.objects.count() == 0


def test_orders_waiting_through_an_upstream_pause_are_looked_at_again_when_its_next_try_is_due():
    pause.generation_pause(pause.UPSTREAM, "Gemini answered 503 UNAVAILABLE")
    make_order(status="queued", page_count=2)
    tasks.wake_for_next_order()
    trial = Schedule.objects.get(name=queue.TRIAL_SCHEDULE)
    assert (trial.func, trial.next_run) == ("orders.tasks.process_next_order", pause.next_trial_at())


def test_page_checkpoints_are_deleted_once_the_book_is_done():
    order = make_order(status="queued", page_count=2)
    tasks.process_next_order()
    assert not default_storage.exists(page_name(f"work/{order.pk}", 0))


def test_the_seed_comes_from_the_order_so_two_orders_differ_and_a_resume_matches():
    first, second = make_order(), make_order()
    assert tasks.book_request(first).seed != tasks.book_request(second).seed
    assert tasks.book_request(first).seed == tasks.book_request(Order.objects.get(pk=first.pk)).seed


def test_regenerated_book_gets_a_new_file_and_the_old_one_is_deleted():
    order = make_order(status="queued", page_count=2)
    tasks.process_next_order()
    order.refresh_from_db()
    old_name = order.pdf.name
    order.regenerate(actor="staff")
    tasks.process_next_order()
    order.refresh_from_db()
    assert order.status == Status.DONE
    assert order.pdf.name != old_name
    assert default_storage.exists(order.pdf.name)
    assert not default_storage.exists(old_name)


def test_a_done_book_keeps_its_pdf_when_the_ready_email_cannot_start_at_once(monkeypatch):
    order = make_order(status="queued", page_count=2)

    def no_thread(email_id: int) -> None:
        raise RuntimeError("can't start new thread")

    # After the commit that marks the book done: the periodic sweep sends the email later, the book must stay.
    monkeypatch.setattr(emails, "email_deliver_soon", no_thread)
    tasks.process_next_order()
    order.refresh_from_db()
    assert order.status == Status.DONE
    assert default_storage.exists(order.pdf.name)


def test_a_generation_error_puts_the_order_back_in_the_queue_with_the_error(use_generator, settings):
    use_generator("tests.orders.test_tasks.FailingGenerator")
    settings.HERA_IMAGE_CONCURRENCY = 1
    order = make_order(status="queued", page_count=4)
    tasks.process_next_order()
    order.refresh_from_db()
    assert order.status == Status.QUEUED
    assert "refused page 2" in order.last_error
    assert order.not_before is not None
    assert not order.pdf


def test_the_last_failed_attempt_fails_the_order(use_generator, settings):
    use_generator("tests.orders.test_tasks.FailingGenerator")
    settings.HERA_MAX_ATTEMPTS = 1
    order = make_order(status="queued", page_count=3)
    tasks.process_next_order()
    order.refresh_from_db()
    assert order.status == Status.FAILED


def test_a_lost_lease_stops_the_build_without_writing(use_generator, settings):
    use_generator("tests.orders.test_tasks.CancellingGenerator")
    settings.HERA_IMAGE_CONCURRENCY = 1
    order = make_order(status="queued", page_count=6)
    tasks.process_next_order()
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert order.pages_done == 0
    assert not order.pdf
    assert not order.last_error
    assert list(order.events.values_list("to_status", flat=True)) == ["queued", "generating", "cancelled"]


@pytest.fixture
def claimed(settings):
    """A claimed order under a 3-second lease, so the keeper beats every second."""
    settings.HERA_LEASE_SECONDS = 3
    make_order(status="queued")
    return queue.order_claim_next("w")


@pytest.fixture
def keeper():
    keepers = []

    def start(order_id: int, lease_token) -> tasks.LeaseKeeper:
        keepers.append(tasks.LeaseKeeper(order_id, lease_token, "w"))
        keepers[-1].start()
        return keepers[-1]

    yield start
    for started in keepers:
        started.stop()


def test_lease_keeper_renews_the_lease_while_the_worker_works(claimed, keeper):
    running = keeper(claimed.pk, claimed.lease_token)
    time.sleep(2.5)
    assert Order.objects.get(pk=claimed.pk).lease_expires_at > claimed.lease_expires_at
    running.check()


def test_lease_keeper_notices_a_lost_lease(claimed, keeper):
    running = keeper(claimed.pk, uuid.uuid4())  # not the lease this order holds
    time.sleep(1.5)
    with pytest.raises(LeaseLost):
        running.check()


def test_lease_keeper_outlives_a_failed_beat(claimed, keeper, monkeypatch):
    heartbeat_record, failures = queue.heartbeat_record, []

    def closed_once(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise InterfaceError("connection already closed")
        heartbeat_record(*args, **kwargs)

    monkeypatch.setattr(queue, "heartbeat_record", closed_once)
    keeper(claimed.pk, claimed.lease_token)
    time.sleep(4.5)  # past the lease renewed by the failed beat (at 1 s, for 3 s)
    claimed.refresh_from_db()
    assert failures and claimed.lease_expires_at > timezone.now()


def test_lease_keeper_renews_soon_after_its_connection_is_dropped(keeper, settings):
    settings.HERA_LEASE_SECONDS = 6  # a beat every 2 s
    make_order(status="queued")
    claimed = queue.order_claim_next("w")
    keeper(claimed.pk, claimed.lease_token)
    renewed = wait_for_renewal(claimed, after=claimed.lease_expires_at, within=4)
    with connection.cursor() as cursor:  # the keeper's connection: the only other one on this test database
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    dropped = time.monotonic()
    wait_for_renewal(claimed, after=renewed, within=4)
    # The beat due 2 s after the last one fails on the dead connection; the next one follows a moment later, not
    # a whole interval (2 s) later.
    assert time.monotonic() - dropped < 3.5


def wait_for_renewal(order: Order, *, after, within: float):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        expires = Order.objects.get(pk=order.pk).lease_expires_at
        if expires > after:
            return expires
        time.sleep(0.05)
    pytest.fail(f"the lease was not renewed within {within}s")


def test_queue_tick_recovers_an_expired_lease_and_wakes_the_worker():
    make_order(status="queued")
    order = queue.order_claim_next("killed-worker")
    Order.objects.filter(pk=order.pk).update(lease_expires_at=order.started_at)
    OrmQ.objects.all().delete()
    tasks.queue_tick()
    order.refresh_from_db()
    assert order.status == Status.QUEUED
    assert OrmQ.objects.count() == 1
    assert OrderEvent.objects.filter(order=order, actor="recovery").exists()


def test_queue_tick_expires_orders_left_unpaid_for_more_than_a_day():
    old = make_order(created_at=timezone.now() - timedelta(days=1, minutes=1))
    fresh = make_order(created_at=timezone.now() - timedelta(hours=23))
    paid = make_order(status="queued", created_at=timezone.now() - timedelta(days=3))
    tasks.queue_tick()
    statuses = [Order.objects.get(pk=o.pk).status for o in (old, fresh, paid)]
    assert statuses == [Status.EXPIRED, Status.PENDING_PAYMENT, Status.QUEUED]
    event = OrderEvent.objects.get(order=old, to_status=Status.EXPIRED)
    assert (event.from_status, event.actor) == (Status.PENDING_PAYMENT, "housekeeping")


def test_an_order_expired_unpaid_is_still_served_if_its_payment_arrives():
    order = make_order(created_at=timezone.now() - timedelta(days=2))
    tasks.queue_tick()
    assert queue.order_enqueue(order, actor="stripe", note="payment received")


def test_queue_tick_does_not_wake_the_worker_when_the_slot_is_taken():
    make_order(status="queued")
    make_order(status="queued")
    queue.order_claim_next("busy-worker")
    OrmQ.objects.all().delete()
    tasks.queue_tick()
    assert OrmQ.objects.count() == 0


def test_queue_tick_forgets_workers_silent_for_a_day():
    WorkerHeartbeat.objects.create(worker_id="gone:1", seen_at=timezone.now() - timedelta(days=2))
    tasks.queue_tick()
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == [queue.cluster_id()]


def test_queue_tick_schedule_exists_once_after_migrate():
    from django.apps import apps
    from django.db.models.signals import post_migrate

    post_migrate.send(sender=apps.get_app_config("orders"), app_config=apps.get_app_config("orders"),
                      verbosity=0, interactive=False, using="default", apps=apps, plan=[])
    schedule = Schedule.objects.get(name="hera-queue-tick")
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "orders.tasks.queue_tick", Schedule.MINUTES, 1, -1,
    )
