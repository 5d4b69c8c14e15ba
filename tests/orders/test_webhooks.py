import json
import socket
import threading
import time

import pytest
from django.core import mail
from django.db import OperationalError, connection, transaction
from django.test import Client
from django.urls import reverse

from orders import queue, selectors
from orders.models import Order, OrderEvent, OutboundEmail, ProcessedStripeEvent, Status
from orders.webhooks import PAYMENT_REFUSED, StripeEventHandler
from tests.conftest import make_order
from tests.fakes.stripe_api import checkout_session, stripe_event, stripe_fixture, stripe_signature

SECRET = "whsec_test_secret"  # tests/settings.py


def session_for(order: Order, **fields) -> dict:
    """A checkout.session for `order` as Stripe sends it, paid unless told otherwise."""
    values = {
        "client_reference_id": order.token,
        "metadata": {"order_token": order.token},
        "customer_email": order.email,
        "payment_status": "paid",
        "status": "complete",
        "amount_total": order.amount_cents or 1690,
        "currency": "eur",
        "payment_intent": f"pi_test_{order.pk}",
    }
    if order.stripe_session_id:
        values["id"] = order.stripe_session_id
    values.update(fields)
    values["customer_details"] = {**stripe_fixture("checkout.session")["customer_details"], "email": order.email}
    return checkout_session(**values)


def refunded_charge(order: Order, **fields) -> dict:
    charge = stripe_fixture("charge")
    charge.update(
        payment_intent=f"pi_test_{order.pk}", refunded=True, amount=1690, amount_refunded=1690, captured=True
    )
    charge.update(fields)
    return charge


def deliver(client: Client, event: dict | bytes, *, secret: str = SECRET, timestamp: int | None = None, body=None):
    """POST a Stripe delivery, signed with `secret`; `body` replaces what is sent after signing."""
    payload = event if isinstance(event, bytes) else json.dumps(event).encode()
    signature = stripe_signature(payload, secret, timestamp)
    return client.post(
        reverse("orders:stripe_webhook"),
        data=payload if body is None else body,
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )


def queued_transitions(order: Order) -> int:
    return OrderEvent.objects.filter(order=order, to_status=Status.QUEUED).count()


@pytest.fixture
def order(db):
    return make_order(stripe_session_id="cs_test_hera_1", amount_cents=1690)


def test_completed_paid_session_queues_the_order(client, order):
    response = deliver(client, stripe_event("checkout.session.completed", session_for(order)))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Status.QUEUED
    assert order.paid_at is not None
    assert order.stripe_payment_intent_id == f"pi_test_{order.pk}"
    assert OutboundEmail.objects.filter(order=order, kind="queued").count() == 1


def test_processed_event_is_recorded_with_its_order(client, order):
    event = stripe_event("checkout.session.completed", session_for(order))
    deliver(client, event)
    processed = ProcessedStripeEvent.objects.get(event_id=event["id"])
    assert (processed.event_type, processed.order_id) == ("checkout.session.completed", order.pk)


def test_same_event_delivered_twice_queues_once(client, order):
    event = stripe_event("checkout.session.completed", session_for(order))
    assert deliver(client, event).status_code == 200
    assert deliver(client, event).status_code == 200
    assert queued_transitions(order) == 1
    assert OutboundEmail.objects.filter(order=order, kind="queued").count() == 1
    assert ProcessedStripeEvent.objects.count() == 1


def test_an_event_whose_effect_failed_is_applied_when_stripe_delivers_it_again(client, order, monkeypatch):
    # The event id is recorded in the transaction of its effect: a failure must not leave it marked as processed.
    event = stripe_event("checkout.session.completed", session_for(order))
    outbox_add = queue.outbox_add

    def connection_lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(queue, "outbox_add", connection_lost)
    with pytest.raises(OperationalError):
        deliver(client, event)
    monkeypatch.setattr(queue, "outbox_add", outbox_add)
    assert deliver(client, event).status_code == 200
    order.refresh_from_db()
    assert order.status == Status.QUEUED


def test_redelivered_event_is_recognised_as_already_processed(client, order):
    event = stripe_event("checkout.session.completed", session_for(order))
    deliver(client, event)
    assert StripeEventHandler(event).handle() == "duplicate"


def test_completed_unpaid_session_waits_for_the_payment(client, order):
    deliver(client, stripe_event("checkout.session.completed", session_for(order, payment_status="unpaid")))
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT
    assert order.stripe_payment_intent_id == f"pi_test_{order.pk}"
    assert order.checkout_completed_at is not None
    assert list(OutboundEmail.objects.values_list("kind", flat=True)) == ["payment_pending"]


def test_async_payment_success_after_an_unpaid_completion_queues_once(client, order):
    deliver(client, stripe_event("checkout.session.completed", session_for(order, payment_status="unpaid")))
    deliver(client, stripe_event("checkout.session.async_payment_succeeded", session_for(order)))
    deliver(client, stripe_event("checkout.session.async_payment_succeeded", session_for(order)))  # a new event id
    order.refresh_from_db()
    assert order.status == Status.QUEUED
    assert queued_transitions(order) == 1
    assert OutboundEmail.objects.filter(order=order, kind="queued").count() == 1


def test_async_payment_failure_keeps_the_order_pending_with_a_payment_failed_email(client, order):
    deliver(client, stripe_event("checkout.session.completed", session_for(order, payment_status="unpaid")))
    deliver(client, stripe_event("checkout.session.async_payment_failed", session_for(order, payment_status="unpaid")))
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT
    assert order.payment_failed_at is not None
    assert not order.events.filter(to_status=Status.CANCELLED).exists()
    kinds = list(OutboundEmail.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds == ["payment_pending", "payment_failed"]


def test_expired_session_expires_the_unpaid_order(client, order):
    deliver(client, stripe_event("checkout.session.expired", session_for(order, payment_status="unpaid")))
    order.refresh_from_db()
    assert order.status == Status.EXPIRED
    assert order.events.get(to_status=Status.EXPIRED).actor == "stripe"


def test_expired_session_after_the_payment_does_not_undo_it(client, order):
    deliver(client, stripe_event("checkout.session.completed", session_for(order)))
    deliver(client, stripe_event("checkout.session.expired", session_for(order, payment_status="unpaid")))
    order.refresh_from_db()
    assert order.status == Status.QUEUED


def test_expiry_of_an_older_session_leaves_the_order_alone(client, order):
    old = session_for(order, id="cs_test_abandoned", payment_status="unpaid")
    deliver(client, stripe_event("checkout.session.expired", old))
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


def test_payment_after_expiry_still_queues_the_order(client, order):
    deliver(client, stripe_event("checkout.session.expired", session_for(order, payment_status="unpaid")))
    deliver(client, stripe_event("checkout.session.async_payment_succeeded", session_for(order)))
    order.refresh_from_db()
    assert order.status == Status.QUEUED


def test_session_is_matched_by_token_when_its_id_is_unknown(client, db):
    order = make_order()
    deliver(client, stripe_event("checkout.session.completed", session_for(order, id="cs_test_new")))
    order.refresh_from_db()
    assert order.status == Status.QUEUED
    assert order.stripe_session_id == "cs_test_new"


def test_session_is_matched_by_metadata_token_without_a_client_reference(client, db):
    order = make_order()
    session = session_for(order, id="cs_test_meta", client_reference_id=None)
    deliver(client, stripe_event("checkout.session.completed", session))
    order.refresh_from_db()
    assert order.status == Status.QUEUED


def test_refund_takes_a_queued_order_out_of_the_queue(client, order):
    deliver(client, stripe_event("checkout.session.completed", session_for(order)))
    assert selectors.queue_size() == 1
    response = deliver(client, stripe_event("charge.refunded", refunded_charge(order)))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Status.REFUNDED
    assert selectors.queue_size() == 0
    assert OutboundEmail.objects.filter(order=order, kind="refunded").count() == 1


def test_refund_of_a_book_being_generated_revokes_the_workers_lease(client, order):
    deliver(client, stripe_event("checkout.session.completed", session_for(order)))
    claimed = queue.order_claim_next("worker-1")
    deliver(client, stripe_event("charge.refunded", refunded_charge(order)))
    order.refresh_from_db()
    assert order.status == Status.REFUNDED
    assert order.lease_token is None
    assert not queue.lease_renew(claimed.pk, claimed.lease_token, "worker-1")


def test_refund_delivered_before_the_payment_is_never_undone_by_it(client, order):
    # Stripe delivers in any order (retried deliveries after an outage come back shuffled).
    charge = refunded_charge(order, metadata={"order_token": order.token})
    deliver(client, stripe_event("charge.refunded", charge))
    deliver(client, stripe_event("checkout.session.completed", session_for(order)))
    order.refresh_from_db()
    assert order.status == Status.REFUNDED
    assert selectors.queue_size() == 0


def test_partial_refund_keeps_the_order(client, order):
    deliver(client, stripe_event("checkout.session.completed", session_for(order)))
    deliver(client, stripe_event("charge.refunded", refunded_charge(order, refunded=False, amount_refunded=500)))
    order.refresh_from_db()
    assert order.status == Status.QUEUED


def test_refund_finds_the_order_by_the_token_in_the_charge_metadata(client, order):
    order_mark_paid_offline(order)
    charge = refunded_charge(order, payment_intent="pi_unknown", metadata={"order_token": order.token})
    deliver(client, stripe_event("charge.refunded", charge))
    order.refresh_from_db()
    assert order.status == Status.REFUNDED


def order_mark_paid_offline(order: Order) -> None:
    from orders.payments import order_mark_paid

    order_mark_paid(order, actor="test")


def test_unknown_order_is_acknowledged_and_changes_nothing(client, order):
    stranger = checkout_session(client_reference_id="no-such-token", metadata={}, payment_status="paid")
    event = stripe_event("checkout.session.completed", stranger)
    assert deliver(client, event).status_code == 200
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT
    assert ProcessedStripeEvent.objects.get(event_id=event["id"]).order is None


def test_unknown_event_type_is_acknowledged(client, order):
    event = stripe_fixture("event")  # Stripe's own example: a plan.created event
    assert deliver(client, event).status_code == 200
    assert ProcessedStripeEvent.objects.filter(event_id=event["id"], order=None).exists()


def assert_nothing_changed(order: Order) -> None:
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT
    assert not ProcessedStripeEvent.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_bad_signature_is_rejected(client, order):
    response = deliver(client, stripe_event("checkout.session.completed", session_for(order)), secret="whsec_wrong")
    assert response.status_code == 400
    assert_nothing_changed(order)


def test_missing_signature_is_rejected(client, order):
    payload = json.dumps(stripe_event("checkout.session.completed", session_for(order)))
    response = client.post(reverse("orders:stripe_webhook"), data=payload, content_type="application/json")
    assert response.status_code == 400
    assert_nothing_changed(order)


def test_stale_timestamp_is_rejected(client, order):
    event = stripe_event("checkout.session.completed", session_for(order))
    response = deliver(client, event, timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert_nothing_changed(order)


def test_truncated_body_is_rejected(client, order):
    payload = json.dumps(stripe_event("checkout.session.completed", session_for(order))).encode()
    response = deliver(client, payload, body=payload[: len(payload) // 2])
    assert response.status_code == 400
    assert_nothing_changed(order)


@pytest.mark.parametrize(
    "payload",
    [b"this is not json", b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"obj', b"[1, 2]", b"\xff\xfe"],
    ids=["text", "truncated-json", "json-list", "not-utf8"],
)
def test_correctly_signed_body_that_is_not_an_event_is_rejected(client, order, payload):
    assert deliver(client, payload).status_code == 400
    assert_nothing_changed(order)


def test_webhook_only_accepts_post(client, db):
    assert client.get(reverse("orders:stripe_webhook")).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_same_event_delivered_concurrently_queues_once_and_sends_one_email():
    order = make_order(stripe_session_id="cs_test_concurrent", amount_cents=1690)
    event = stripe_event("checkout.session.completed", session_for(order))
    start = threading.Barrier(2)
    statuses = []

    def deliver_from_a_thread():
        try:
            start.wait(timeout=5)
            statuses.append(deliver(Client(), event).status_code)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=deliver_from_a_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    join_email_threads()
    assert statuses == [200, 200]
    assert queued_transitions(order) == 1
    assert ProcessedStripeEvent.objects.count() == 1
    assert OutboundEmail.objects.filter(order=order, kind="queued").count() == 1
    assert [m.extra_headers["X-Hera-Email"] for m in mail.outbox] == ["queued"]


def join_email_threads(timeout: float = 10) -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("hera-email-"):
            thread.join(timeout)


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_waits_for_the_first_delivery_then_changes_nothing():
    order = make_order(stripe_session_id="cs_test_overlap", amount_cents=1690)
    event = stripe_event("checkout.session.completed", session_for(order))
    first_applied = threading.Event()
    hold_seconds = 0.5

    def first_delivery_held_open():
        try:
            with transaction.atomic():
                StripeEventHandler(event).handle()
                first_applied.set()
                time.sleep(hold_seconds)  # the first delivery's transaction is still open
        finally:
            connection.close()

    first = threading.Thread(target=first_delivery_held_open)
    first.start()
    assert first_applied.wait(timeout=5)
    started = time.monotonic()
    outcome = StripeEventHandler(event).handle()
    waited = time.monotonic() - started
    first.join(timeout=5)
    join_email_threads()
    assert outcome == "duplicate"
    assert waited >= hold_seconds * 0.8  # blocked on the event id's primary key until the first one committed
    assert queued_transitions(order) == 1
    assert OutboundEmail.objects.filter(order=order, kind="queued").count() == 1


@pytest.mark.django_db(transaction=True)
def test_webhook_answers_without_waiting_for_a_hanging_smtp_server(settings):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never greets: a hanging SMTP server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent.getsockname()[1]
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 3
    order = make_order(stripe_session_id="cs_test_fast", amount_cents=1690)
    try:
        started = time.monotonic()
        response = deliver(Client(), stripe_event("checkout.session.completed", session_for(order)))
        elapsed = time.monotonic() - started
        join_email_threads()
    finally:
        silent.close()
    assert response.status_code == 200
    assert elapsed < 1  # the SMTP timeout is 3 s: the answer did not wait for it
    email = OutboundEmail.objects.get(order=order, kind="queued")
    assert (email.sent_at, email.attempts) == (None, 1)
    assert "timed out" in email.last_error


# Attacks: a signed event from our own Stripe account that does not pay for the order it names.


def refusal_notes(order: Order) -> list[str]:
    return [event.note for event in order.events.filter(note__startswith=PAYMENT_REFUSED)]


@pytest.fixture(autouse=True)
def staff_email(settings):
    settings.HERA_STAFF_EMAIL = "staff@hera.example"


def assert_refused(response, order: Order, difference: str, *, held: bool = True) -> None:
    """A refused payment queues nothing; money that came with it waits in payment_check, and staff are emailed."""
    assert response.status_code == 200  # acknowledged: Stripe must stop retrying
    order.refresh_from_db()
    to_status = Status.PAYMENT_CHECK if held else Status.PENDING_PAYMENT
    assert order.status == to_status
    emails = list(OutboundEmail.objects.filter(order=order).values_list("kind", "to"))
    assert emails == ([("payment_check", "staff@hera.example")] if held else [])
    notes = refusal_notes(order)
    assert len(notes) == 1 and difference in notes[0], notes
    event = order.events.get(note__startswith=PAYMENT_REFUSED)
    assert (event.from_status, event.to_status, event.actor) == (Status.PENDING_PAYMENT, to_status, "stripe")


def test_attack_a_cheap_session_naming_a_real_order_queues_nothing(client, order):
    # A 100 %-off coupon or a 1 € Payment Link whose client_reference_id is the order's token.
    cheap = session_for(order, id="cs_test_payment_link", amount_total=100, metadata={})
    response = deliver(client, stripe_event("checkout.session.completed", cheap))
    assert_refused(response, order, "amount_total 100 is below the order's price 1690")


def test_attack_a_free_session_with_no_payment_required_queues_nothing(client, order):
    free = session_for(order, amount_total=0, payment_status="no_payment_required")
    assert_refused(deliver(client, stripe_event("checkout.session.completed", free)), order, "amount_total 0", held=False)


def test_attack_a_session_in_another_currency_queues_nothing(client, order):
    yen = session_for(order, amount_total=1690, currency="jpy")  # 1690 yen is about 10 €
    assert_refused(deliver(client, stripe_event("checkout.session.completed", yen)), order, "currency jpy")


def test_attack_a_subscription_session_queues_nothing(client, order):
    subscription = session_for(order, mode="subscription")
    assert_refused(deliver(client, stripe_event("checkout.session.completed", subscription)), order, "mode subscription")


def test_attack_a_session_for_another_order_queues_nothing(client, order):
    other = session_for(order, id="cs_test_other_order", metadata={})  # names this order, paid in full elsewhere
    response = deliver(client, stripe_event("checkout.session.completed", other))
    assert_refused(response, order, "session cs_test_other_order is not the order's session cs_test_hera_1")


def test_attack_an_async_payment_of_another_session_queues_nothing(client, order):
    other = session_for(order, id="cs_test_other_async", metadata={})
    response = deliver(client, stripe_event("checkout.session.async_payment_succeeded", other))
    assert_refused(response, order, "is not the order's session")


def test_attack_a_test_mode_event_against_a_live_key_queues_nothing(client, order, settings):
    settings.STRIPE_SECRET_KEY = "sk_live_hera"
    response = deliver(client, stripe_event("checkout.session.completed", session_for(order)))  # livemode false
    assert_refused(response, order, "livemode False does not match the live secret key")


def live_payment(order: Order) -> dict:
    event = stripe_event("checkout.session.completed", session_for(order, livemode=True))
    event["livemode"] = True
    return event


def test_a_live_event_against_a_test_key_queues_nothing(client, order, settings):
    settings.STRIPE_SECRET_KEY = "rk_test_hera"
    assert_refused(deliver(client, live_payment(order)), order, "livemode True does not match the test secret key")


def test_a_live_payment_with_a_live_key_queues_the_order(client, order, settings):
    settings.STRIPE_SECRET_KEY = "sk_live_hera"
    deliver(client, live_payment(order))
    order.refresh_from_db()
    assert order.status == Status.QUEUED


def cheap_unpaid_session(order: Order) -> dict:
    """A session Hera did not create (a 1 € Payment Link) naming `order`, not paid yet."""
    return session_for(order, id="cs_test_foreign", amount_total=100, payment_status="unpaid", metadata={})


def test_attack_an_unpaid_foreign_session_does_not_become_the_orders_session(client, db):
    # Otherwise the first session seen wins, and the order's real payment would then be refused.
    order = make_order()
    foreign = cheap_unpaid_session(order)
    deliver(client, stripe_event("checkout.session.completed", foreign))
    order.refresh_from_db()
    assert order.stripe_session_id is None
    deliver(client, stripe_event("checkout.session.completed", session_for(order, id="cs_test_real")))
    order.refresh_from_db()
    assert order.status == Status.QUEUED


def test_attack_the_expiry_of_a_foreign_session_does_not_expire_the_order(client, db):
    order = make_order()
    foreign = cheap_unpaid_session(order)
    deliver(client, stripe_event("checkout.session.expired", foreign))
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT
    assert not refusal_notes(order)  # an expiry is no payment: nothing for staff to look at


def test_attack_the_failure_of_a_foreign_session_does_not_cancel_the_order(client, order):
    foreign = session_for(order, id="cs_test_foreign", payment_status="unpaid")
    deliver(client, stripe_event("checkout.session.async_payment_failed", foreign))
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


def test_the_metadata_token_names_the_order_before_the_client_reference(client, db):
    mine, other = make_order(), make_order()
    session = session_for(mine, id="cs_test_mine", client_reference_id=other.token)
    deliver(client, stripe_event("checkout.session.completed", session))
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.status, other.status) == (Status.QUEUED, Status.PENDING_PAYMENT)


def test_a_refused_payment_is_acknowledged_once_and_not_retried(client, order):
    event = stripe_event("checkout.session.completed", session_for(order, amount_total=100))
    deliver(client, event)
    deliver(client, event)
    assert len(refusal_notes(order)) == 1


def test_staff_find_refused_payments_with_the_admin_filter(client, order, admin_user):
    deliver(client, stripe_event("checkout.session.completed", session_for(order, amount_total=100)))
    paid = make_order()
    deliver(client, stripe_event("checkout.session.completed", session_for(paid, id="cs_test_paid")))
    client.force_login(admin_user)
    response = client.get(reverse("admin:orders_order_changelist"), {"payment_check": "refused"})
    assert response.status_code == 200
    assert [o.pk for o in response.context["cl"].result_list] == [order.pk]
    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "amount_total 100 is below the order&#x27;s price 1690" in page
