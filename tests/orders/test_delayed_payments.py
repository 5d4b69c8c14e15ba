"""Delayed payment methods and the way back to pay, against the Stripe fake and Stripe's own event fixtures."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from orders.emails import email_deliver_pending
from orders.models import Order, OutboundEmail, Status
from orders.payments import CheckoutUnavailable, checkout_start, orders_expire_unpaid
from tests.conftest import make_order
from tests.fakes.stripe_api import stripe_event
from tests.orders.test_webhooks import deliver

pytestmark = pytest.mark.django_db

A_DAY_LATER = timedelta(days=1, hours=1)


def started(fake) -> Order:
    """An order whose customer is on Stripe's page (an open Checkout Session in the fake)."""
    order = make_order(language="en")
    checkout_start(order)
    order.refresh_from_db()
    return order


def session_event(fake, order: Order, event_type: str, session_id: str | None = None) -> dict:
    """The event Stripe sends for the session as the fake now holds it."""
    return stripe_event(event_type, dict(fake.sessions[session_id or order.stripe_session_id]))


def email_kinds(order: Order) -> list[str]:
    return list(OutboundEmail.objects.filter(order=order).order_by("id").values_list("kind", flat=True))


def test_a_delayed_payment_is_never_expired_and_makes_one_book(client, fake_stripe):
    order = started(fake_stripe)
    fake_stripe.pay(order.stripe_session_id, amount=order.amount_cents, payment_status="unpaid")
    deliver(client, session_event(fake_stripe, order, "checkout.session.completed"))

    expired = orders_expire_unpaid(now=timezone.now() + A_DAY_LATER)  # the housekeeping, a day later
    fake_stripe.sessions[order.stripe_session_id]["payment_status"] = "paid"
    deliver(client, session_event(fake_stripe, order, "checkout.session.async_payment_succeeded"))

    order.refresh_from_db()
    assert expired == 0
    assert order.status == Status.QUEUED
    assert not order.events.filter(to_status=Status.EXPIRED).exists()
    assert order.events.filter(to_status=Status.QUEUED).count() == 1
    assert email_kinds(order) == ["payment_pending", "queued"]
    assert len(fake_stripe.posts("/v1/checkout/sessions")) == 1  # one session, one charge


def test_the_payment_pending_email_says_the_money_is_on_its_way(client, fake_stripe):
    order = started(fake_stripe)
    fake_stripe.pay(order.stripe_session_id, amount=order.amount_cents, payment_status="unpaid")
    deliver(client, session_event(fake_stripe, order, "checkout.session.completed"))
    email_deliver_pending()
    (message,) = mail.outbox
    assert message.extra_headers["X-Hera-Email"] == "payment_pending"
    assert "it can take a few days" in message.body
    assert order.absolute_url in message.body


def test_the_order_page_of_a_delayed_payment_says_it_is_on_its_way(client, fake_stripe):
    order = started(fake_stripe)
    fake_stripe.pay(order.stripe_session_id, amount=order.amount_cents, payment_status="unpaid")
    deliver(client, session_event(fake_stripe, order, "checkout.session.completed"))
    html = client.get(order.get_absolute_url()).content.decode()
    assert "Your payment is on its way" in html
    assert "Nothing was charged" not in html
    assert reverse("orders:checkout_continue", kwargs={"token": order.token}) not in html


def test_housekeeping_expires_a_day_old_order_only_once_stripe_says_its_session_expired(fake_stripe):
    order = started(fake_stripe)
    later = timezone.now() + A_DAY_LATER
    assert orders_expire_unpaid(now=later) == 0  # Stripe still says open: its webhooks may still come
    fake_stripe.sessions[order.stripe_session_id]["status"] = "expired"
    assert orders_expire_unpaid(now=later) == 1
    order.refresh_from_db()
    assert order.status == Status.EXPIRED
    assert "retrieved from Stripe" in order.events.get(to_status=Status.EXPIRED).note


def test_housekeeping_leaves_the_order_when_stripe_cannot_be_asked(fake_stripe):
    started(fake_stripe)
    fake_stripe.fail_with(500, "api_error", "Stripe is having a bad day")
    assert orders_expire_unpaid(now=timezone.now() + A_DAY_LATER) == 0


def test_a_failed_delayed_payment_keeps_the_order_and_emails_a_link_to_pay_again(client, fake_stripe):
    order = started(fake_stripe)
    fake_stripe.pay(order.stripe_session_id, amount=order.amount_cents, payment_status="unpaid")
    deliver(client, session_event(fake_stripe, order, "checkout.session.completed"))
    deliver(client, session_event(fake_stripe, order, "checkout.session.async_payment_failed"))
    email_deliver_pending()

    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT
    assert [m.extra_headers["X-Hera-Email"] for m in mail.outbox] == ["payment_pending", "payment_failed"]
    assert f"{order.absolute_url}?pay=again" in mail.outbox[1].body
    html = client.get(order.get_absolute_url() + "?pay=again").content.decode()
    assert "Your payment did not go through" in html
    assert reverse("orders:checkout_continue", kwargs={"token": order.token}) in html


def test_paying_again_after_a_failed_delayed_payment_opens_a_new_session_and_queues(client, fake_stripe):
    order = started(fake_stripe)
    first = order.stripe_session_id
    fake_stripe.pay(first, amount=order.amount_cents, payment_status="unpaid")
    deliver(client, session_event(fake_stripe, order, "checkout.session.completed"))
    deliver(client, session_event(fake_stripe, order, "checkout.session.async_payment_failed"))

    response = client.post(reverse("orders:checkout_continue", kwargs={"token": order.token}))
    order.refresh_from_db()
    assert response.status_code == 303 and response["Location"] == fake_stripe.sessions[order.stripe_session_id]["url"]
    assert order.stripe_session_id != first
    fake_stripe.pay(order.stripe_session_id, amount=order.amount_cents)
    deliver(client, session_event(fake_stripe, order, "checkout.session.completed"))
    order.refresh_from_db()
    assert order.status == Status.QUEUED


def test_leaving_stripe_and_coming_back_expires_the_old_session_and_opens_a_new_one(client, fake_stripe):
    order = started(fake_stripe)
    first = order.stripe_session_id

    response = client.post(reverse("orders:checkout_continue", kwargs={"token": order.token}))

    order.refresh_from_db()
    assert fake_stripe.sessions[first]["status"] == "expired"
    assert [r.path for r in fake_stripe.requests if r.method == "POST"] == [
        "/v1/checkout/sessions", f"/v1/checkout/sessions/{first}/expire", "/v1/checkout/sessions",
    ]
    keys = [r.headers["Idempotency-Key"] for r in fake_stripe.posts("/v1/checkout/sessions")]
    assert keys == [f"checkout-{order.token}-1", f"checkout-{order.token}-2"]
    assert order.stripe_session_id != first and fake_stripe.sessions[order.stripe_session_id]["status"] == "open"
    assert response["Location"] == fake_stripe.sessions[order.stripe_session_id]["url"]


def test_the_expiry_of_the_session_left_behind_does_not_expire_the_order(client, fake_stripe):
    order = started(fake_stripe)
    first = order.stripe_session_id
    client.post(reverse("orders:checkout_continue", kwargs={"token": order.token}))
    deliver(client, session_event(fake_stripe, order, "checkout.session.expired", session_id=first))
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


def test_coming_back_to_a_session_already_paid_opens_no_second_one(client, fake_stripe):
    order = started(fake_stripe)
    fake_stripe.pay(order.stripe_session_id, amount=order.amount_cents)  # paid; the webhook is not here yet
    response = client.post(reverse("orders:checkout_continue", kwargs={"token": order.token}))
    assert response["Location"] == order.get_absolute_url()
    assert len(fake_stripe.posts("/v1/checkout/sessions")) == 1


def test_an_order_already_paid_cannot_be_paid_again(client, fake_stripe):
    order = started(fake_stripe)
    fake_stripe.pay(order.stripe_session_id, amount=order.amount_cents)
    deliver(client, session_event(fake_stripe, order, "checkout.session.completed"))
    response = client.post(reverse("orders:checkout_continue", kwargs={"token": order.token}))
    assert response["Location"] == order.get_absolute_url()
    assert len(fake_stripe.posts("/v1/checkout/sessions")) == 1


def test_housekeeping_never_expires_a_session_stripe_says_is_complete(fake_stripe):
    order = started(fake_stripe)
    fake_stripe.pay(order.stripe_session_id, amount=order.amount_cents, payment_status="unpaid")  # no webhook yet
    later = timezone.now() + A_DAY_LATER
    assert orders_expire_unpaid(now=later) == 0
    asked = len(fake_stripe.requests)
    assert orders_expire_unpaid(now=later) == 0
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT and order.checkout_completed_at is not None
    assert len(fake_stripe.requests) == asked  # it left the sweep: Stripe is not asked again


def test_a_failed_checkout_is_tried_again_with_a_key_of_its_own(client, fake_stripe):
    order = make_order(language="en")
    fake_stripe.fail_with(500, "api_error", "An unknown error occurred")
    with pytest.raises(CheckoutUnavailable):
        checkout_start(order)
    fake_stripe.error = None
    response = client.post(reverse("orders:checkout_continue", kwargs={"token": order.token}))
    order.refresh_from_db()
    assert response["Location"] == fake_stripe.sessions[order.stripe_session_id]["url"]
    assert fake_stripe.posts("/v1/checkout/sessions")[-1].headers["Idempotency-Key"] == f"checkout-{order.token}-2"
