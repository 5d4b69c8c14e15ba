import logging
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from orders import queue, selectors
from orders.models import EmailKind, LeaseLost, Order, OrderEvent, OutboundEmail, Priority, Status, WorkerHeartbeat
from tests.conftest import make_order

pytestmark = pytest.mark.django_db

T0 = timezone.now() - timedelta(hours=1)


def queued(priority: int = Priority.HIGH, minute: int = 0) -> Order:
    """A queued order with a chosen priority, queued `minute` minutes after T0."""
    order = make_order(status="queued", priority=priority)
    Order.objects.filter(pk=order.pk).update(queued_at=T0 + timedelta(minutes=minute))
    order.refresh_from_db()
    return order


def expire_lease(order: Order) -> None:
    """Let the order's lease run out, as if its worker had been killed."""
    Order.objects.filter(pk=order.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def claimed_ids(count: int) -> list[int]:
    ids = []
    for _ in range(count):
        order = queue.order_claim_next("w")
        ids.append(order.pk)
        queue.order_finish(order.pk, order.lease_token, "books/x.pdf")
    return ids


@pytest.fixture
def queue_log(caplog, monkeypatch):
    # The "hera" logger does not propagate to the root logger, where caplog listens.
    monkeypatch.setattr(logging.getLogger("hera"), "propagate", True)
    caplog.set_level(logging.INFO, logger="hera.queue")
    return caplog


# Claim order


def test_claim_takes_priority_first_then_time_queued_then_id():
    low_early = queued(Priority.LOW, minute=0)
    normal_late = queued(Priority.NORMAL, minute=9)
    high_late = queued(Priority.HIGH, minute=8)
    high_early = queued(Priority.HIGH, minute=1)
    normal_early = queued(Priority.NORMAL, minute=2)
    tie_first = queued(Priority.LOW, minute=5)
    tie_second = queued(Priority.LOW, minute=5)

    assert claimed_ids(7) == [
        o.pk for o in (high_early, high_late, normal_early, normal_late, low_early, tie_first, tie_second)
    ]


def test_claim_next_on_an_empty_queue_returns_none():
    make_order()  # pending payment: not in the queue
    assert queue.order_claim_next("w") is None


def test_claim_sets_a_fresh_lease(settings):
    settings.HERA_LEASE_SECONDS = 90
    order = queued()
    claimed = queue.order_claim_next("host:7")
    assert claimed.pk == order.pk
    assert claimed.status == Status.GENERATING
    assert claimed.worker_id == "host:7"
    assert claimed.attempts == 1
    assert isinstance(claimed.lease_token, uuid.UUID)
    assert timedelta(seconds=89) < claimed.lease_expires_at - timezone.now() <= timedelta(seconds=90)


def test_claim_next_refuses_while_every_slot_is_taken(settings):
    settings.HERA_CONCURRENT_GENERATIONS = 1
    queued(), queued()
    assert queue.order_claim_next("w1") is not None
    assert queue.order_claim_next("w2") is None
    assert Order.objects.generating().count() == 1


def test_claim_next_fills_the_slots_up_to_the_limit(settings):
    settings.HERA_CONCURRENT_GENERATIONS = 2
    queued(), queued(), queued()
    assert queue.order_claim_next("w1") is not None
    assert queue.order_claim_next("w2") is not None
    assert queue.order_claim_next("w3") is None
    assert Order.objects.generating().count() == 2


def test_a_finished_book_frees_its_slot(settings):
    settings.HERA_CONCURRENT_GENERATIONS = 1
    queued(), queued()
    first = queue.order_claim_next("w1")
    queue.order_finish(first.pk, first.lease_token, "books/1.pdf")
    assert queue.order_claim_next("w1") is not None


def test_an_expired_lease_frees_its_slot(settings):
    settings.HERA_CONCURRENT_GENERATIONS = 1
    queued(minute=0), queued(minute=1)
    first = queue.order_claim_next("w1")
    expire_lease(first)
    # The recovered order keeps its place, so it is claimed again.
    assert queue.order_claim_next("w2").pk == first.pk


def test_claim_skips_an_order_waiting_out_its_backoff():
    waiting = queued(minute=0)
    later = queued(minute=1)
    Order.objects.filter(pk=waiting.pk).update(not_before=timezone.now() + timedelta(minutes=1))
    assert queue.order_claim_next("w").pk == later.pk


def test_move_to_front_changes_everyone_position():
    generating = queued(Priority.HIGH, minute=0)
    queue.order_claim_next("w")
    high_a = queued(Priority.HIGH, minute=1)
    high_b = queued(Priority.HIGH, minute=2)
    low_a = queued(Priority.LOW, minute=3)
    low_b = queued(Priority.LOW, minute=4)

    queue.order_move_to_front(low_b, actor="staff")

    expected = {generating: 1, low_b: 2, high_a: 3, high_b: 4, low_a: 5}
    everyone = selectors.positions()
    for order, place in expected.items():
        assert selectors.position(Order.objects.get(pk=order.pk)) == place
        assert everyone[order.pk] == place
    queue.order_finish(generating.pk, Order.objects.get(pk=generating.pk).lease_token, "books/x.pdf")
    assert queue.order_claim_next("w").pk == low_b.pk


def test_move_to_front_among_equals_goes_ahead_of_the_earliest():
    first = queued(Priority.LOW, minute=0)
    second = queued(Priority.LOW, minute=0)
    third = queued(Priority.LOW, minute=5)
    queue.order_move_to_front(third, actor="staff")
    assert [selectors.position(Order.objects.get(pk=o.pk)) for o in (third, first, second)] == [1, 2, 3]


def test_move_to_front_of_the_first_order_keeps_it_first():
    first = queued(Priority.HIGH, minute=0)
    second = queued(Priority.LOW, minute=1)
    queue.order_move_to_front(first, actor="staff")
    assert selectors.position(Order.objects.get(pk=first.pk)) == 1
    assert selectors.position(Order.objects.get(pk=second.pk)) == 2


def test_move_to_front_is_recorded_in_the_order_history():
    order = queued()
    queue.order_move_to_front(order, actor="staff:ada")
    event = order.events.last()
    assert (event.from_status, event.to_status, event.actor) == (Status.QUEUED, Status.QUEUED, "staff:ada")
    assert event.note == "moved to the front of the queue"


def test_set_priority_reorders_the_queue():
    high = queued(Priority.HIGH, minute=0)
    low = queued(Priority.LOW, minute=1)
    queue.order_set_priority(low, Priority.HIGH, actor="staff")
    queue.order_set_priority(high, Priority.LOW, actor="staff")
    assert selectors.position(Order.objects.get(pk=low.pk)) == 1
    assert selectors.position(Order.objects.get(pk=high.pk)) == 2
    with pytest.raises(ValueError):
        queue.order_set_priority(low, 99, actor="staff")


# Enqueue


def test_enqueue_is_idempotent():
    order = make_order()
    assert queue.order_enqueue(order, actor="stripe") is True
    queued_at = Order.objects.get(pk=order.pk).queued_at
    assert queue.order_enqueue(order, actor="stripe") is False

    order.refresh_from_db()
    assert order.status == Status.QUEUED
    assert order.queued_at == queued_at
    assert order.events.filter(to_status=Status.QUEUED).count() == 1
    assert OutboundEmail.objects.filter(order=order, kind=EmailKind.QUEUED).count() == 1
    assert selectors.queue_size() == 1


def test_enqueue_wakes_the_worker_once_the_payment_is_committed(django_capture_on_commit_callbacks):
    order = make_order()
    with django_capture_on_commit_callbacks() as callbacks:
        queue.order_enqueue(order, actor="stripe")
    assert [c for c in callbacks if c is queue.wake_worker] == [queue.wake_worker]


def test_enqueue_never_revives_a_cancelled_order():
    order = make_order()
    order.cancel(actor="staff")
    assert queue.order_enqueue(order, actor="stripe") is False
    assert Order.objects.get(pk=order.pk).status == Status.CANCELLED


def test_enqueue_queues_an_expired_checkout_that_was_paid_after_all():
    order = make_order()
    order.expire(actor="stripe")
    assert queue.order_enqueue(order, actor="stripe") is True
    assert Order.objects.get(pk=order.pk).status == Status.QUEUED


# Lease, heartbeat and fencing


def test_heartbeat_renews_the_lease(settings):
    settings.HERA_LEASE_SECONDS = 60
    queued()
    order = queue.order_claim_next("w1")
    Order.objects.filter(pk=order.pk).update(lease_expires_at=timezone.now() + timedelta(seconds=5))

    assert queue.lease_renew(order.pk, order.lease_token, "w1") is True

    remaining = Order.objects.get(pk=order.pk).lease_expires_at - timezone.now()
    assert timedelta(seconds=59) < remaining <= timedelta(seconds=60)


def test_a_claim_without_a_name_is_made_by_this_worker_process_of_its_cluster():
    queued()
    order = queue.order_claim_next()
    assert order.worker_id == queue.worker_id()
    assert order.worker_id.startswith(f"{queue.cluster_id()}/")


def test_heartbeat_records_the_worker_sign_of_life():
    queued()
    order = queue.order_claim_next("w1")
    queue.lease_renew(order.pk, order.lease_token, "w1")
    beat = WorkerHeartbeat.objects.get(worker_id="w1")
    assert beat.current_order_id == order.pk
    assert timezone.now() - beat.seen_at < timedelta(seconds=5)


def test_heartbeat_with_a_wrong_token_does_not_renew():
    queued()
    order = queue.order_claim_next("w1")
    expires = Order.objects.get(pk=order.pk).lease_expires_at
    assert queue.lease_renew(order.pk, uuid.uuid4(), "intruder") is False
    assert Order.objects.get(pk=order.pk).lease_expires_at == expires
    assert WorkerHeartbeat.objects.get(worker_id="intruder").current_order_id is None


STALE_WRITES = {
    "finish": lambda o: queue.order_finish(o.pk, o.lease_token, "books/stale.pdf", worker_id="stale"),
    "fail": lambda o: queue.order_fail(o.pk, o.lease_token, "stale error", worker_id="stale"),
    "record_progress": lambda o: queue.order_record_progress(o.pk, o.lease_token, 3),
    "save_story": lambda o: queue.order_save_story(o.pk, o.lease_token, {"title": "stale"}),
}


@pytest.mark.parametrize("write", STALE_WRITES.values(), ids=STALE_WRITES.keys())
def test_a_stale_worker_cannot_write_after_its_lease_was_recovered(write):
    queued()
    stale = queue.order_claim_next("stale")
    expire_lease(stale)
    assert queue.leases_recover_expired() == 1

    with pytest.raises(LeaseLost):
        write(stale)

    order = Order.objects.get(pk=stale.pk)
    assert order.status == Status.QUEUED
    assert (order.pages_done, order.story, order.pdf.name) == (0, None, "")
    assert not order.events.filter(actor="stale").exclude(to_status=Status.GENERATING).exists()


@pytest.mark.parametrize("write", STALE_WRITES.values(), ids=STALE_WRITES.keys())
def test_a_stale_worker_cannot_touch_the_order_its_successor_holds(write):
    queued()
    stale = queue.order_claim_next("stale")
    expire_lease(stale)
    successor = queue.order_claim_next("successor")
    assert successor.pk == stale.pk and successor.lease_token != stale.lease_token

    with pytest.raises(LeaseLost):
        write(stale)

    order = Order.objects.get(pk=stale.pk)
    assert (order.status, order.lease_token, order.worker_id) == (Status.GENERATING, successor.lease_token, "successor")
    assert (order.pages_done, order.story, order.pdf.name) == (0, None, "")
    assert order.last_error != "stale error"
    queue.order_finish(successor.pk, successor.lease_token, "books/ok.pdf", worker_id="successor")
    assert Order.objects.get(pk=stale.pk).status == Status.DONE


def test_a_stale_worker_heartbeat_is_refused_after_recovery():
    queued()
    stale = queue.order_claim_next("stale")
    expire_lease(stale)
    queue.leases_recover_expired()
    assert queue.lease_renew(stale.pk, stale.lease_token, "stale") is False
    order = Order.objects.get(pk=stale.pk)
    assert (order.status, order.lease_expires_at) == (Status.QUEUED, None)


def test_a_worker_cannot_write_once_its_order_was_cancelled():
    queued()
    order = queue.order_claim_next("w1")
    Order.objects.get(pk=order.pk).cancel(actor="staff")
    assert queue.lease_renew(order.pk, order.lease_token, "w1") is False
    with pytest.raises(LeaseLost):
        queue.order_finish(order.pk, order.lease_token, "books/x.pdf")


def test_progress_and_story_are_saved_under_a_held_lease():
    queued()
    order = queue.order_claim_next("w1")
    queue.order_save_story(order.pk, order.lease_token, {"title": "Zoë dans l'espace"})
    queue.order_record_progress(order.pk, order.lease_token, 2)
    stored = Order.objects.get(pk=order.pk)
    assert (stored.pages_done, stored.story) == (2, {"title": "Zoë dans l'espace"})


def test_finish_marks_done_with_the_pdf_and_queues_the_ready_email():
    queued()
    order = queue.order_claim_next("w1")
    done = queue.order_finish(order.pk, order.lease_token, "books/zoe.pdf", worker_id="w1")
    assert (done.status, done.pdf.name, done.pages_done) == (Status.DONE, "books/zoe.pdf", done.pages_total)
    assert done.lease_token is None
    assert OutboundEmail.objects.filter(order=done, kind=EmailKind.READY).count() == 1


# Recovery and attempts


def test_recovery_keeps_the_order_place_in_line():
    first = queued(Priority.NORMAL, minute=0)
    second = queued(Priority.NORMAL, minute=1)
    queued(Priority.LOW, minute=-5)
    claimed = queue.order_claim_next("w1")
    assert claimed.pk == first.pk
    expire_lease(claimed)

    assert queue.leases_recover_expired() == 1

    recovered = Order.objects.get(pk=first.pk)
    assert recovered.status == Status.QUEUED
    assert (recovered.priority, recovered.queued_at) == (first.priority, first.queued_at)
    assert recovered.lease_token is None
    assert selectors.position(recovered) == 1
    assert selectors.position(Order.objects.get(pk=second.pk)) == 2
    assert queue.order_claim_next("w2").pk == first.pk


def test_recovery_records_who_lost_the_lease():
    queued()
    claimed = queue.order_claim_next("host:99")
    expire_lease(claimed)
    queue.leases_recover_expired()
    event = claimed.events.last()
    assert (event.from_status, event.to_status, event.actor) == (Status.GENERATING, Status.QUEUED, "recovery")
    assert "host:99" in event.note
    assert Order.objects.get(pk=claimed.pk).last_error == "worker lost its lease during attempt 1"


def test_recovery_leaves_live_leases_alone():
    queued()
    claimed = queue.order_claim_next("w1")
    assert queue.leases_recover_expired() == 0
    assert Order.objects.get(pk=claimed.pk).lease_token == claimed.lease_token


def test_recovery_resumes_from_the_last_finished_page():
    queued()
    claimed = queue.order_claim_next("w1")
    queue.order_save_story(claimed.pk, claimed.lease_token, {"title": "t"})
    queue.order_record_progress(claimed.pk, claimed.lease_token, 3)
    expire_lease(claimed)
    queue.leases_recover_expired()
    again = queue.order_claim_next("w2")
    # The lost attempt finished pages, so it is not counted: only this new one is.
    assert (again.pages_done, again.story, again.attempts) == (3, {"title": "t"}, 1)


def test_each_claim_counts_an_attempt_and_the_limit_leads_to_failed(settings):
    settings.HERA_MAX_ATTEMPTS = 3
    order = queued()
    for attempt in (1, 2, 3):
        claimed = queue.order_claim_next(f"w{attempt}")
        assert (claimed.pk, claimed.attempts) == (order.pk, attempt)
        expire_lease(claimed)
        queue.leases_recover_expired()

    order.refresh_from_db()
    assert order.status == Status.FAILED
    assert order.attempts == 3
    assert queue.order_claim_next("w4") is None
    assert OutboundEmail.objects.filter(order=order, kind=EmailKind.FAILED).count() == 1
    assert list(order.events.values_list("to_status", flat=True)) == [
        "queued", "generating", "queued", "generating", "queued", "generating", "failed",
    ]


def test_fail_below_the_limit_requeues_in_place_with_a_backoff(settings):
    settings.HERA_MAX_ATTEMPTS = 3
    settings.HERA_RETRY_BACKOFF_SECONDS = 30
    order = queued(minute=0)
    queued(minute=1)
    claimed = queue.order_claim_next("w1")

    retried = queue.order_fail(claimed.pk, claimed.lease_token, "model timeout", worker_id="w1")

    assert retried.status == Status.QUEUED
    assert retried.last_error == "model timeout"
    assert retried.queued_at == order.queued_at
    assert timedelta(seconds=29) < retried.not_before - timezone.now() <= timedelta(seconds=30)
    assert selectors.position(retried) == 1
    # While it waits out its backoff the next order goes ahead.
    assert queue.order_claim_next("w1").pk != order.pk


def test_the_backoff_doubles_with_each_attempt(settings):
    settings.HERA_RETRY_BACKOFF_SECONDS = 30
    assert [queue.retry_delay_seconds(n) for n in (1, 2, 3)] == [30, 60, 120]


def test_the_backoff_stops_doubling_at_a_quarter_of_an_hour(settings):
    # With a generous HERA_MAX_ATTEMPTS, doubling would park a paid order for hours, then days (then overflow).
    settings.HERA_RETRY_BACKOFF_SECONDS = 30
    assert [queue.retry_delay_seconds(n) for n in (5, 6, 10, 32_767)] == [480, 900, 900, 900]


def test_a_retried_order_is_claimed_again_once_its_backoff_is_over(settings):
    settings.HERA_RETRY_BACKOFF_SECONDS = 30
    order = queued()
    claimed = queue.order_claim_next("w1")
    queue.order_fail(claimed.pk, claimed.lease_token, "model timeout")
    assert queue.order_claim_next("w1") is None
    Order.objects.filter(pk=order.pk).update(not_before=timezone.now() - timedelta(seconds=1))
    again = queue.order_claim_next("w1")
    assert (again.pk, again.attempts, again.not_before) == (order.pk, 2, None)


def test_fail_at_the_limit_marks_the_order_failed(settings):
    settings.HERA_MAX_ATTEMPTS = 2
    settings.HERA_RETRY_BACKOFF_SECONDS = 0
    order = queued()
    first = queue.order_claim_next("w1")
    assert queue.order_fail(first.pk, first.lease_token, "first error").status == Status.QUEUED
    second = queue.order_claim_next("w1")

    failed = queue.order_fail(second.pk, second.lease_token, "second error")

    assert (failed.status, failed.attempts, failed.last_error) == (Status.FAILED, 2, "second error")
    assert failed.lease_token is None
    assert OutboundEmail.objects.filter(order=order, kind=EmailKind.FAILED).count() == 1


# Log lines


def test_log_order_added_with_queue_size_before_and_after(queue_log):
    queued()
    order = make_order(kind="paid")
    queue.order_enqueue(order, actor="stripe")
    assert f"order added #{order.pk} kind=paid priority=20 queue size 1 -> 2" in queue_log.messages


def test_log_order_claimed(queue_log, settings):
    settings.HERA_MAX_ATTEMPTS = 3
    order = queued()
    queued()
    queue.order_claim_next("host:1")
    assert f"order claimed #{order.pk} by host:1 attempt 1/3, 1 left in queue" in queue_log.messages


def test_log_page_progress(queue_log):
    queued()
    order = queue.order_claim_next("w")
    queue.order_record_progress(order.pk, order.lease_token, 2)
    assert f"order progress #{order.pk} page 2/4" in queue_log.messages


def test_log_order_completed_with_its_duration(queue_log):
    queued()
    order = queue.order_claim_next("w")
    queue.order_finish(order.pk, order.lease_token, "books/x.pdf")
    assert any(m.startswith(f"order completed #{order.pk} 4 pages in ") and m.endswith("s") for m in queue_log.messages)


def test_log_order_failed_with_its_error(queue_log, settings):
    settings.HERA_MAX_ATTEMPTS = 3
    queued()
    order = queue.order_claim_next("w")
    queue.order_fail(order.pk, order.lease_token, "the model refused")
    record = next(r for r in queue_log.records if r.getMessage().startswith("order failed"))
    assert record.getMessage() == f"order failed #{order.pk} attempt 1/3: the model refused (will retry)"
    assert record.levelno == logging.WARNING


def test_log_order_recovered_after_a_lost_lease(queue_log, settings):
    settings.HERA_MAX_ATTEMPTS = 3
    queued()
    order = queue.order_claim_next("host:5")
    expire_lease(order)
    queue.leases_recover_expired()
    assert (
        f"order recovered after a lost lease #{order.pk} (worker host:5, attempt 1/3), back in its place"
        in queue_log.messages
    )


def test_queue_events_are_logged_under_hera_queue(queue_log):
    queued()
    assert {r.name for r in queue_log.records} == {"hera.queue"}
    assert OrderEvent.objects.count() == 1
