import itertools
import math
from collections.abc import Callable

import pytest

from orders.models import ALLOWED_TRANSITIONS, InvalidTransition, Order, OrderEvent, Status, new_token
from tests.conftest import make_order

pytestmark = pytest.mark.django_db

# The shortest path of transitions that brings a new (pending_payment) order to each status.
PATHS: dict[str, list[Callable[[Order], object]]] = {
    Status.PENDING_PAYMENT: [],
    Status.QUEUED: [lambda o: o.mark_queued(actor="test")],
    Status.GENERATING: [
        lambda o: o.mark_queued(actor="test"),
        lambda o: o.mark_generating(worker_id="w1", lease_seconds=60),
    ],
    Status.DONE: [
        lambda o: o.mark_queued(actor="test"),
        lambda o: o.mark_generating(worker_id="w1", lease_seconds=60),
        lambda o: o.mark_done(pdf_name="books/x.pdf", actor="w1"),
    ],
    Status.FAILED: [
        lambda o: o.mark_queued(actor="test"),
        lambda o: o.mark_generating(worker_id="w1", lease_seconds=60),
        lambda o: o.mark_failed(error="boom", actor="w1"),
    ],
    Status.CANCELLED: [lambda o: o.mark_cancelled(actor="test")],
    Status.REFUNDED: [lambda o: o.mark_queued(actor="test"), lambda o: o.mark_refunded(actor="stripe")],
    Status.EXPIRED: [lambda o: o.mark_expired(actor="stripe")],
}

# The transition method that leads to each status. Nothing leads back to pending_payment, so the generic
# transition stands in for it: it must be refused from everywhere.
VERBS: dict[str, Callable[[Order], OrderEvent]] = {
    Status.PENDING_PAYMENT: lambda o: o._transition(Status.PENDING_PAYMENT, actor="test"),
    Status.QUEUED: lambda o: o.mark_queued(actor="test"),
    Status.GENERATING: lambda o: o.mark_generating(worker_id="w2", lease_seconds=60),
    Status.DONE: lambda o: o.mark_done(pdf_name="books/y.pdf", actor="w2"),
    Status.FAILED: lambda o: o.mark_failed(error="kaput", actor="w2"),
    Status.CANCELLED: lambda o: o.mark_cancelled(actor="staff"),
    Status.REFUNDED: lambda o: o.mark_refunded(actor="stripe"),
    Status.EXPIRED: lambda o: o.mark_expired(actor="stripe"),
}

MATRIX = list(itertools.product(Status.values, Status.values))
ALLOWED = [(a, b) for a, b in MATRIX if b in ALLOWED_TRANSITIONS[a]]
REFUSED = [(a, b) for a, b in MATRIX if b not in ALLOWED_TRANSITIONS[a]]


def order_in(status: str) -> Order:
    order = make_order()
    for step in PATHS[status]:
        step(order)
    order.refresh_from_db()
    assert order.status == status
    return order


def test_the_transition_table_covers_every_status():
    assert set(ALLOWED_TRANSITIONS) == set(Status.values)
    assert set(PATHS) == set(VERBS) == set(Status.values)


def test_nothing_leads_back_to_pending_payment_and_refunded_is_final():
    assert all(Status.PENDING_PAYMENT not in targets for targets in ALLOWED_TRANSITIONS.values())
    assert ALLOWED_TRANSITIONS[Status.REFUNDED] == frozenset()


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_allowed_transition_changes_status_and_records_an_event(from_status, to_status):
    order = order_in(from_status)
    events_before = order.events.count()

    event = VERBS[to_status](order)

    order.refresh_from_db()
    assert order.status == to_status
    assert order.events.count() == events_before + 1
    assert (event.from_status, event.to_status) == (from_status, to_status)
    assert order.events.last() == event


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_refused_transition_raises_and_changes_nothing(from_status, to_status):
    order = order_in(from_status)
    events_before = order.events.count()

    with pytest.raises(InvalidTransition):
        VERBS[to_status](order)

    order.refresh_from_db()
    assert order.status == from_status
    assert order.events.count() == events_before


def test_refused_transition_message_names_the_order_and_both_statuses():
    order = order_in(Status.DONE)
    with pytest.raises(InvalidTransition) as excinfo:
        order.mark_generating(worker_id="w9", lease_seconds=60)
    assert str(excinfo.value) == f"Order #{order.pk} cannot go from done to generating (attempt 2)."


def test_refused_transition_message_without_a_note():
    order = order_in(Status.REFUNDED)
    with pytest.raises(InvalidTransition, match=rf"^Order #{order.pk} cannot go from refunded to cancelled\.$"):
        order.mark_cancelled(actor="staff")


def test_a_transition_records_from_to_actor_note_and_time():
    order = make_order()
    event = order.mark_queued(actor="stripe", note="payment received")
    stored = OrderEvent.objects.get(pk=event.pk)
    assert stored.order_id == order.pk
    assert (stored.from_status, stored.to_status) == (Status.PENDING_PAYMENT, Status.QUEUED)
    assert stored.actor == "stripe"
    assert stored.note == "payment received"
    assert stored.at is not None and stored.at >= order.created_at


def test_mark_queued_sets_queue_fields():
    order = make_order(page_count=8)
    order.mark_queued(actor="stripe")
    order.refresh_from_db()
    assert order.queued_at is not None
    assert order.paid_at is not None
    assert order.pages_total == 8


def test_mark_generating_takes_a_lease_and_counts_the_attempt():
    order = order_in(Status.QUEUED)
    event = order.mark_generating(worker_id="host:42", lease_seconds=60)
    order.refresh_from_db()
    assert order.attempts == 1
    assert order.worker_id == "host:42"
    assert order.lease_token is not None
    assert order.lease_expires_at > order.started_at
    assert (event.actor, event.note) == ("host:42", "attempt 1")


def test_leaving_generating_clears_the_lease():
    order = order_in(Status.FAILED)
    assert (order.lease_token, order.lease_expires_at, order.worker_id) == (None, None, "")
    assert order.last_error == "boom"


def test_retry_is_only_for_failed_or_cancelled_orders():
    for status in (Status.FAILED, Status.CANCELLED):
        order = order_in(status)
        order.mark_retried(actor="staff")
        order.refresh_from_db()
        assert (order.status, order.attempts, order.last_error) == (Status.QUEUED, 0, "")
    with pytest.raises(InvalidTransition, match="only failed or cancelled can be retried"):
        order_in(Status.DONE).mark_retried(actor="staff")


def test_regenerate_is_only_for_done_books_and_starts_over():
    order = order_in(Status.DONE)
    order.mark_regenerate(actor="staff")
    order.refresh_from_db()
    assert (order.status, order.pages_done, order.story) == (Status.QUEUED, 0, None)
    with pytest.raises(InvalidTransition, match="only done books can be regenerated"):
        order_in(Status.FAILED).mark_regenerate(actor="staff")


def test_token_carries_at_least_128_random_bits():
    token = new_token()
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert set(token) <= alphabet
    assert len(token) * math.log2(len(alphabet)) >= 128


def test_tokens_are_unique():
    tokens = {new_token() for _ in range(10_000)}
    assert len(tokens) == 10_000


def test_each_order_gets_its_own_token():
    first, second = make_order(), make_order()
    assert first.token != second.token
    assert Order.objects.get(token=first.token) == first
