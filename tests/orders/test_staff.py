import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import queue, selectors, staff
from orders.models import EmailKind, Kind, LeaseLost, OutboundEmail, Priority, Status
from tests.conftest import make_order, order_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_by_default(settings):
    """The results read below are staff's messages in English (outside a request, LANGUAGE_CODE speaks)."""
    settings.LANGUAGE_CODE = "en"

ALL_STATUSES = list(Status.values)


def wake_calls(callbacks) -> int:
    return sum(1 for callback in callbacks if callback is queue.wake_worker)


# Retry


@pytest.mark.parametrize("status", [Status.FAILED, Status.CANCELLED])
def test_retry_queues_a_failed_or_cancelled_order_with_fresh_attempts(status, django_capture_on_commit_callbacks):
    order = order_in(status)
    with django_capture_on_commit_callbacks() as callbacks:
        result = staff.order_retry(order, actor="alice")
    order.refresh_from_db()
    assert result.done and result.detail == "queued again with fresh attempts"
    assert (order.status, order.attempts, order.last_error) == (Status.QUEUED, 0, "")
    assert order.events.last().actor == "alice"
    assert wake_calls(callbacks) == 1


def test_retry_refuses_a_cancelled_order_that_was_never_paid():
    order = make_order()
    order.cancel(actor="test")
    result = staff.order_retry(order, actor="alice")
    assert not result.done and result.detail == "was never paid: nothing to retry"
    order.refresh_from_db()
    assert order.status == Status.CANCELLED


# Move to front


def test_move_to_front_puts_the_last_order_first():
    first, _, last = (make_order(status="queued") for _ in range(3))
    result = staff.order_move_to_front(last, actor="alice")
    last.refresh_from_db()
    first.refresh_from_db()
    assert result.done
    assert (selectors.position(last), selectors.position(first)) == (1, 2)


def test_move_to_front_passes_a_higher_priority_order():
    paid = make_order(status="queued")
    free = make_order(status="queued", kind=Kind.FREE, priority=Priority.LOW)
    assert staff.order_move_to_front(free, actor="alice").done
    free.refresh_from_db()
    assert (selectors.position(free), selectors.position(paid)) == (1, 2)


def test_move_to_front_skips_the_order_already_first():
    order = make_order(status="queued")
    make_order(status="queued")
    result = staff.order_move_to_front(order, actor="alice")
    assert not result.done and result.detail == "is already first in line"


@pytest.mark.parametrize(
    "operation",
    [
        staff.order_move_to_front,
        lambda order, actor: staff.order_set_priority(order, Priority.LOW, actor=actor),
        staff.order_cancel,
    ],
    ids=["move_to_front", "set_priority", "cancel"],
)
def test_a_staff_action_locks_the_order_once(operation):
    make_order(status="queued")
    order = make_order(status="queued", kind=Kind.FREE, priority=Priority.NORMAL)
    with CaptureQueriesContext(connection) as queries:
        assert operation(order, actor="alice").done
    assert sum("FOR UPDATE" in query["sql"] for query in queries.captured_queries) == 1


# Priority


@pytest.mark.parametrize("priority", [Priority.NORMAL, Priority.LOW])
def test_set_priority_changes_a_queued_order_and_records_it(priority):
    order = make_order(status="queued")
    result = staff.order_set_priority(order, priority, actor="alice")
    order.refresh_from_db()
    assert result.done and order.priority == priority
    assert order.events.last().note == f"priority set to {Priority(priority).label}"


def test_set_priority_high_puts_a_low_order_ahead_of_normal_ones():
    normal = make_order(status="queued", priority=Priority.NORMAL)
    low = make_order(status="queued", kind=Kind.TEST, priority=Priority.LOW)
    assert staff.order_set_priority(low, Priority.HIGH, actor="alice").done
    low.refresh_from_db()
    assert (selectors.position(low), selectors.position(normal)) == (1, 2)


def test_set_priority_skips_an_order_already_at_that_priority():
    result = staff.order_set_priority(make_order(status="queued"), Priority.HIGH, actor="alice")
    assert not result.done and result.detail == "already has high priority"


# Cancel


def test_cancel_takes_a_queued_order_out_of_the_queue():
    order = make_order(status="queued")
    result = staff.order_cancel(order, actor="alice")
    order.refresh_from_db()
    assert result.done and result.detail == "cancelled"
    assert order.status == Status.CANCELLED and selectors.position(order) is None


def test_cancel_of_a_generating_order_stops_its_worker_at_the_next_page():
    order = make_order(status="queued")
    claimed = queue.order_claim_next("worker-1")
    queue.order_record_progress(claimed.pk, claimed.lease_token, 1)
    result = staff.order_cancel(order, actor="alice")
    assert result.done and result.detail == "cancelled; its worker stops at the next page"
    with pytest.raises(LeaseLost):
        queue.order_record_progress(claimed.pk, claimed.lease_token, 2)
    assert queue.lease_renew(claimed.pk, claimed.lease_token, "worker-1") is False


def test_cancel_of_a_generating_order_is_never_finished_by_its_worker():
    make_order(status="queued")
    claimed = queue.order_claim_next("worker-1")
    staff.order_cancel(claimed, actor="alice")
    with pytest.raises(LeaseLost):
        queue.order_finish(claimed.pk, claimed.lease_token, "books/late.pdf")
    claimed.refresh_from_db()
    assert claimed.status == Status.CANCELLED and not claimed.pdf


# Regenerate


def test_regenerate_queues_a_done_book_and_keeps_its_pdf(django_capture_on_commit_callbacks):
    order = order_in(Status.DONE)
    old_pdf = order.pdf.name
    with django_capture_on_commit_callbacks() as callbacks:
        result = staff.order_regenerate(order, actor="alice")
    order.refresh_from_db()
    assert result.done
    assert (order.status, order.pages_done, order.attempts) == (Status.QUEUED, 0, 0)
    assert order.pdf.name == old_pdf
    assert wake_calls(callbacks) == 1


# Resend the ready email


def test_resend_ready_adds_a_new_ready_email_each_time():
    order = order_in(Status.DONE)
    ready = OutboundEmail.objects.filter(order=order, kind=EmailKind.READY)
    before = ready.count()
    assert staff.order_resend_ready(order, actor="alice").done
    assert staff.order_resend_ready(order, actor="alice").done
    assert ready.count() == before + 2
    assert all(email.to == order.email for email in ready)



# What each operation accepts; every other status is refused with the rule, and the order is left as it was.
ACCEPTS = {
    "retry": ((Status.FAILED, Status.CANCELLED), "only failed or cancelled orders are retried"),
    "move_to_front": ((Status.QUEUED,), "only queued orders can move"),
    "set_priority": ((Status.QUEUED,), "priority only matters while queued"),
    "cancel": ((Status.QUEUED, Status.GENERATING), "only queued or generating orders are cancelled"),
    "regenerate": ((Status.DONE,), "only done books are regenerated"),
    "resend_ready": ((Status.DONE,), "the ready email needs a done book"),
}
OPERATIONS = {
    "retry": staff.order_retry,
    "move_to_front": staff.order_move_to_front,
    "set_priority": lambda order, actor: staff.order_set_priority(order, Priority.LOW, actor=actor),
    "cancel": staff.order_cancel,
    "regenerate": staff.order_regenerate,
    "resend_ready": staff.order_resend_ready,
}
REFUSED = [
    (name, status) for name, (accepted, _) in ACCEPTS.items() for status in ALL_STATUSES if status not in accepted
]


@pytest.mark.parametrize(("name", "status"), REFUSED)
def test_staff_operation_refuses_a_status_it_does_not_accept(name, status):
    order = order_in(status)
    events, emails = order.events.count(), order.emails.count()
    result = OPERATIONS[name](order, actor="alice")
    order.refresh_from_db()
    assert not result.done
    assert result.detail == f"is “{Status(status).label}”: {ACCEPTS[name][1]}"
    assert (order.status, order.priority) == (status, Priority.HIGH)
    assert (order.events.count(), order.emails.count()) == (events, emails)
