import itertools
import math
from collections.abc import Callable

import pytest

from orders.models import TRANSITIONS, InvalidTransition, Order, OrderEvent, Status, new_token
from tests.conftest import make_order

pytestmark = pytest.mark.django_db

# The shortest path of transitions that brings a new (pending_payment) order to each status.
PATHS: dict[str, list[Callable[[Order], object]]] = {
    Status.PENDING_PAYMENT: [],
    Status.QUEUED: [lambda o: o.queue(actor="test")],
    Status.GENERATING: [
        lambda o: o.queue(actor="test"),
        lambda o: o.claim(worker_id="w1", lease_seconds=60),
    ],
    Status.DONE: [
        lambda o: o.queue(actor="test"),
        lambda o: o.claim(worker_id="w1", lease_seconds=60),
        lambda o: o.finish(pdf_name="books/x.pdf", actor="w1"),
    ],
    Status.FAILED: [
        lambda o: o.queue(actor="test"),
        lambda o: o.claim(worker_id="w1", lease_seconds=60),
        lambda o: o.fail(error="boom", actor="w1"),
    ],
    Status.CANCELLED: [lambda o: o.cancel(actor="test")],
    Status.REFUNDED: [lambda o: o.queue(actor="test"), lambda o: o.refund(actor="stripe")],
    Status.EXPIRED: [lambda o: o.expire(actor="stripe")],
    Status.PAYMENT_CHECK: [lambda o: o.hold_payment(actor="stripe", reason="amount_total 100", livemode=False)],
}

# How each verb of the table is called.
VERBS: dict[str, Callable[[Order], OrderEvent]] = {
    "queue": lambda o: o.queue(actor="test"),
    "claim": lambda o: o.claim(worker_id="w2", lease_seconds=60),
    "finish": lambda o: o.finish(pdf_name="books/y.pdf", actor="w2"),
    "retry_later": lambda o: o.retry_later(error="kaput", actor="w2", delay_seconds=30),
    "recover": lambda o: o.recover(),
    "release": lambda o: o.release(actor="w2", reason="the key was refused"),
    "defer": lambda o: o.defer(actor="w2", reason="503 for this book only", delay_seconds=30),
    "fail": lambda o: o.fail(error="kaput", actor="w2"),
    "cancel": lambda o: o.cancel(actor="staff"),
    "expire": lambda o: o.expire(actor="stripe"),
    "refund": lambda o: o.refund(actor="stripe"),
    "staff_retry": lambda o: o.staff_retry(actor="staff"),
    "regenerate": lambda o: o.regenerate(actor="staff"),
    "hold_payment": lambda o: o.hold_payment(actor="stripe", reason="amount_total 100", livemode=False),
    "accept_payment": lambda o: o.accept_payment(actor="staff"),
}

MATRIX = list(itertools.product(Status.values, TRANSITIONS))
ALLOWED = [(status, verb) for status, verb in MATRIX if status in TRANSITIONS[verb].sources]
REFUSED = [(status, verb) for status, verb in MATRIX if status not in TRANSITIONS[verb].sources]


def order_in(status: str) -> Order:
    order = make_order()
    for step in PATHS[status]:
        step(order)
    order.refresh_from_db()
    assert order.status == status
    return order


def test_the_transition_table_names_each_verb_and_every_verb_is_an_order_method():
    assert list(TRANSITIONS) == [
        "queue", "claim", "finish", "retry_later", "recover", "release", "defer", "fail", "cancel", "expire", "refund",
        "hold_payment", "accept_payment", "staff_retry", "regenerate",
    ]
    assert set(VERBS) == set(TRANSITIONS)
    assert all(callable(getattr(Order, verb)) for verb in TRANSITIONS)
    assert set(PATHS) == set(Status.values)


def test_nothing_leads_back_to_pending_payment_and_refunded_is_final():
    assert all(transition.target != Status.PENDING_PAYMENT for transition in TRANSITIONS.values())
    assert not any(Status.REFUNDED in transition.sources for transition in TRANSITIONS.values())


def test_only_a_payment_queues_an_order_for_the_first_time():
    assert TRANSITIONS["queue"].sources == {Status.PENDING_PAYMENT, Status.EXPIRED, Status.PAYMENT_CHECK}


def test_a_pending_order_whose_checkout_completed_cannot_expire():
    order = make_order()
    order.checkout_completed_at = order.created_at
    assert not order.can("expire")
    with pytest.raises(InvalidTransition):
        order.expire(actor="housekeeping")


@pytest.mark.parametrize(("from_status", "verb"), ALLOWED)
def test_allowed_transition_changes_status_and_records_an_event(from_status, verb):
    order = order_in(from_status)
    events_before = order.events.count()

    event = VERBS[verb](order)

    order.refresh_from_db()
    assert order.status == TRANSITIONS[verb].target
    assert order.events.count() == events_before + 1
    assert (event.from_status, event.to_status) == (from_status, TRANSITIONS[verb].target)
    assert order.events.last() == event


@pytest.mark.parametrize(("from_status", "verb"), REFUSED)
def test_refused_transition_raises_and_changes_nothing(from_status, verb):
    order = order_in(from_status)
    events_before = order.events.count()
    assert not order.can(verb)

    with pytest.raises(InvalidTransition):
        VERBS[verb](order)

    order.refresh_from_db()
    assert order.status == from_status
    assert order.events.count() == events_before


def test_refused_transition_message_names_the_order_and_both_statuses():
    order = order_in(Status.DONE)
    with pytest.raises(InvalidTransition) as excinfo:
        order.claim(worker_id="w9", lease_seconds=60)
    assert str(excinfo.value) == f"Order #{order.pk} cannot go from done to generating (attempt 2)."


def test_refused_transition_message_without_a_note():
    order = order_in(Status.REFUNDED)
    with pytest.raises(InvalidTransition, match=rf"^Order #{order.pk} cannot go from refunded to cancelled\.$"):
        order.cancel(actor="staff")


def test_a_transition_records_from_to_actor_note_and_time():
    order = make_order()
    event = order.queue(actor="stripe", note="payment received")
    stored = OrderEvent.objects.get(pk=event.pk)
    assert stored.order_id == order.pk
    assert (stored.from_status, stored.to_status) == (Status.PENDING_PAYMENT, Status.QUEUED)
    assert stored.actor == "stripe"
    assert stored.note == "payment received"
    assert stored.at is not None and stored.at >= order.created_at


def test_queue_sets_queue_fields():
    order = make_order(page_count=8)
    order.queue(actor="stripe")
    order.refresh_from_db()
    assert order.queued_at is not None
    assert order.paid_at is not None
    assert order.pages_total == 8


def test_claim_takes_a_lease_and_counts_the_attempt():
    order = order_in(Status.QUEUED)
    event = order.claim(worker_id="host:42", lease_seconds=60)
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
        order.staff_retry(actor="staff")
        order.refresh_from_db()
        assert (order.status, order.attempts, order.last_error) == (Status.QUEUED, 0, "")
    with pytest.raises(InvalidTransition, match="cannot go from done to queued"):
        order_in(Status.DONE).staff_retry(actor="staff")


def test_regenerate_is_only_for_done_books_and_starts_over():
    order = order_in(Status.DONE)
    order.regenerate(actor="staff")
    order.refresh_from_db()
    assert (order.status, order.pages_done, order.story) == (Status.QUEUED, 0, None)
    with pytest.raises(InvalidTransition, match="cannot go from failed to queued"):
        order_in(Status.FAILED).regenerate(actor="staff")


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


def test_release_gives_the_order_back_in_its_place_without_counting_the_attempt():
    order = order_in(Status.QUEUED)
    queued_at = order.queued_at
    order.claim(worker_id="w", lease_seconds=60)

    order.release(actor="w", reason="the key was refused")

    order.refresh_from_db()
    assert (order.status, order.attempts, order.queued_at, order.lease_token) == (Status.QUEUED, 0, queued_at, None)
    assert order.events.last().note == "released, attempt 1 not counted: the key was refused"
