"""Refunds from the admin, against the Stripe fake: one refund per PaymentIntent, whatever is clicked or retried."""

import pytest
import stripe
from django.urls import reverse

from orders import staff
from orders.models import Order, OutboundEmail, Status
from orders.payments import checkout_start, stripe_client
from tests.conftest import make_order
from tests.fakes.stripe_api import stripe_event
from tests.orders.test_webhooks import deliver

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:orders_order_changelist")


def paid(client, fake, status: str = "queued") -> Order:
    """An order paid through Stripe (the fake holds its PaymentIntent and charge), walked to `status`."""
    order = make_order(language="en")
    checkout_start(order)
    order.refresh_from_db()
    fake.pay(order.stripe_session_id, amount=order.amount_cents)
    deliver(client, stripe_event("checkout.session.completed", dict(fake.sessions[order.stripe_session_id])))
    order.refresh_from_db()
    if status in ("generating", "done"):
        order.claim(worker_id="w", lease_seconds=60)
    if status == "done":
        order.finish(pdf_name="books/x.pdf", actor="w")
    order.refresh_from_db()
    assert order.status == status
    return order


def refunds_asked(fake) -> list:
    return fake.posts("/v1/refunds")


def act(client, order: Order, action: str, **extra):
    return client.post(reverse("admin:orders_order_act", args=[order.pk]), {"action": action, **extra}, follow=True)


def messages_of(response) -> list[str]:
    return [m.message for m in response.context["messages"]]


def test_refund_asks_first_showing_what_stripe_captured(client, english_admin, fake_stripe):
    order = paid(client, fake_stripe, "done")
    response = english_admin.post(CHANGELIST, {"action": "refund", "_selected_action": [order.pk]})
    page = response.content.decode()
    assert "€16.90 captured by Stripe" in page  # 4 pages, from the PaymentIntent's amount_received
    assert 'name="confirm" value="yes"' in page
    assert refunds_asked(fake_stripe) == []


def test_confirmed_refund_sends_one_refund_keyed_by_the_payment_intent(client, english_admin, fake_stripe):
    order = paid(client, fake_stripe, "done")
    english_admin.post(CHANGELIST, {"action": "refund", "_selected_action": [order.pk], "confirm": "yes"})
    (request,) = refunds_asked(fake_stripe)
    order.refresh_from_db()
    assert request.params["payment_intent"] == order.stripe_payment_intent_id
    assert request.headers["Idempotency-Key"] == f"refund-{order.stripe_payment_intent_id}"
    assert order.stripe_refund_id in fake_stripe.refunds
    assert order.refund_requested_at is not None
    assert order.status == Status.DONE  # refunded only when Stripe confirms


def test_the_order_is_refunded_once_stripe_confirms_with_one_email(client, english_admin, fake_stripe):
    order = paid(client, fake_stripe, "done")
    act(english_admin, order, "refund", confirm="yes")
    charge = fake_stripe.charge_of(order.stripe_payment_intent_id)
    deliver(client, stripe_event("charge.refunded", dict(charge)))
    deliver(client, stripe_event("charge.refunded", dict(charge)))  # Stripe sends it again, as a new event
    order.refresh_from_db()
    assert order.status == Status.REFUNDED
    assert OutboundEmail.objects.filter(order=order, kind="refunded").count() == 1


def test_a_second_click_asks_stripe_nothing(client, english_admin, fake_stripe):
    order = paid(client, fake_stripe, "done")
    act(english_admin, order, "refund", confirm="yes")
    response = act(english_admin, order, "refund", confirm="yes")
    assert len(refunds_asked(fake_stripe)) == 1
    assert any("refund already asked" in message for message in messages_of(response))


def test_a_retry_after_a_lost_answer_gets_stripes_same_refund(client, fake_stripe):
    order = paid(client, fake_stripe, "done")
    staff.order_refund(order, actor="admin")
    Order.objects.filter(pk=order.pk).update(stripe_refund_id="")  # the answer was lost before it was stored
    result = staff.order_refund(order, actor="admin")
    order.refresh_from_db()
    assert result.done
    assert len(refunds_asked(fake_stripe)) == 2 and len(fake_stripe.refunds) == 1
    assert order.stripe_refund_id == next(iter(fake_stripe.refunds))


def test_a_payment_already_refunded_in_stripe_counts_as_done(client, fake_stripe):
    order = paid(client, fake_stripe, "done")
    stripe_client().v1.refunds.create({"payment_intent": order.stripe_payment_intent_id})  # from the dashboard
    result = staff.order_refund(order, actor="admin")
    order.refresh_from_db()
    assert result.done
    assert order.stripe_refund_id == "already refunded"
    assert len(fake_stripe.refunds) == 1


def test_a_refund_stripe_refuses_is_reported_and_can_be_asked_again(client, fake_stripe):
    order = paid(client, fake_stripe, "done")
    fake_stripe.fail_with(400, "invalid_request_error", "Your account cannot refund right now.")
    result = staff.order_refund(order, actor="admin")
    order.refresh_from_db()
    assert not result.done and "Your account cannot refund right now." in result.detail
    assert order.stripe_refund_id == ""
    fake_stripe.error = None
    assert staff.order_refund(order, actor="admin").done


def test_an_unpaid_order_is_not_refunded(english_admin, fake_stripe):
    order = make_order()
    response = act(english_admin, order, "refund", confirm="yes")
    assert messages_of(response) == [f"Skipped {order.reference}: is “Awaiting payment”: only a paid order is refunded."]
    assert refunds_asked(fake_stripe) == []


def test_cancel_and_refund_takes_a_queued_order_out_and_refunds_it(client, english_admin, fake_stripe):
    order = paid(client, fake_stripe, "queued")
    first = english_admin.post(CHANGELIST, {"action": "cancel_and_refund", "_selected_action": [order.pk]})
    assert "captured by Stripe" in first.content.decode()
    english_admin.post(CHANGELIST, {"action": "cancel_and_refund", "_selected_action": [order.pk], "confirm": "yes"})
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert len(refunds_asked(fake_stripe)) == 1
    deliver(client, stripe_event("charge.refunded", dict(fake_stripe.charge_of(order.stripe_payment_intent_id))))
    order.refresh_from_db()
    assert order.status == Status.REFUNDED


def test_cancel_and_refund_leaves_an_order_without_a_stripe_payment_in_line(english_admin, fake_stripe):
    order = make_order(status="queued", kind="free")
    response = english_admin.post(
        CHANGELIST, {"action": "cancel_and_refund", "_selected_action": [order.pk], "confirm": "yes"}, follow=True
    )
    order.refresh_from_db()
    assert order.status == Status.QUEUED
    assert messages_of(response) == [f"Skipped {order.reference}: has no Stripe payment to refund."]
    assert refunds_asked(fake_stripe) == []


def test_a_plain_cancel_of_a_paid_order_asks_first_and_says_the_money_is_kept(client, english_admin, fake_stripe):
    order = paid(client, fake_stripe, "queued")
    response = act(english_admin, order, "cancel")
    order.refresh_from_db()
    assert order.status == Status.QUEUED
    assert "The money is kept" in response.content.decode()
    act(english_admin, order, "cancel", confirm="yes")
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert refunds_asked(fake_stripe) == []


def test_the_page_of_an_order_cancelled_with_its_payment_kept_says_so(client, fake_stripe):
    order = paid(client, fake_stripe, "queued")
    staff.order_cancel(order, actor="admin")
    html = client.get(order.get_absolute_url()).content.decode()
    assert "Your payment of €16.90 has not been refunded" in html


def test_the_fake_refuses_an_idempotency_key_reused_with_other_parameters(client, fake_stripe):
    order = paid(client, fake_stripe, "done")
    key = {"idempotency_key": "refund-once"}
    stripe_client().v1.refunds.create({"payment_intent": order.stripe_payment_intent_id, "amount": 100}, options=key)
    with pytest.raises(stripe.IdempotencyError):
        stripe_client().v1.refunds.create({"payment_intent": order.stripe_payment_intent_id}, options=key)


def test_the_fake_expires_only_an_open_session(fake_stripe):
    order = make_order()
    checkout_start(order)
    order.refresh_from_db()
    stripe_client().v1.checkout.sessions.expire(order.stripe_session_id)
    with pytest.raises(stripe.InvalidRequestError, match="can be expired"):
        stripe_client().v1.checkout.sessions.expire(order.stripe_session_id)
