"""A payment that does not match its order: held in payment_check for staff, who accept it or refund it."""

import pytest
from django.core import mail
from django.urls import reverse

from orders.emails import email_deliver_pending
from orders.models import Order, OutboundEmail, Status
from orders.payments import checkout_start
from tests.conftest import make_order
from tests.fakes.stripe_api import stripe_event
from tests.orders.test_refunds import act, messages_of
from tests.orders.test_webhooks import deliver

pytestmark = pytest.mark.django_db

STAFF = "staff@hera.example"


@pytest.fixture(autouse=True)
def staff_email(settings):
    settings.HERA_STAFF_EMAIL = STAFF


def refused(client, fake, *, livemode: bool = False) -> Order:
    """An order whose Checkout Session was paid 1 € less than its price (a coupon, a Payment Link)."""
    order = make_order(language="en")
    checkout_start(order)
    order.refresh_from_db()
    fake.pay(order.stripe_session_id, amount=order.amount_cents - 100, livemode=livemode)
    session = dict(fake.sessions[order.stripe_session_id], amount_total=order.amount_cents - 100)
    event = stripe_event("checkout.session.completed", session)
    event["livemode"] = livemode
    deliver(client, event)
    order.refresh_from_db()
    return order


def staff_emails() -> list[tuple[str, str]]:
    return list(OutboundEmail.objects.filter(kind="payment_check").values_list("kind", "to"))


def test_a_refused_payment_holds_the_order_for_staff(client, fake_stripe):
    order = refused(client, fake_stripe)
    assert order.status == Status.PAYMENT_CHECK
    assert "amount_total 1590 is below the order's price 1690" in order.payment_check_reason
    assert order.stripe_payment_intent_id in fake_stripe.payment_intents  # what a refund will give back


def test_staff_get_one_payment_check_email_however_often_stripe_tells(client, fake_stripe):
    order = refused(client, fake_stripe)
    session = dict(fake_stripe.sessions[order.stripe_session_id], amount_total=order.amount_cents - 100)
    deliver(client, stripe_event("checkout.session.completed", session))  # the same payment, a new event id
    email_deliver_pending()
    assert staff_emails() == [("payment_check", STAFF)]
    order.refresh_from_db()
    assert order.payment_check_reason.count("amount_total 1590") == 1
    (message,) = mail.outbox
    assert message.to == [STAFF]
    assert reverse("admin:orders_order_change", args=[order.pk]) in message.body


def test_the_customer_page_says_the_payment_is_being_checked(client, fake_stripe):
    order = refused(client, fake_stripe)
    html = client.get(order.get_absolute_url()).content.decode()
    assert "We are checking your payment" in html
    assert "Nothing was charged" not in html


def test_the_order_list_and_live_queue_show_a_payment_to_check_badge(client, english_admin, fake_stripe):
    order = refused(client, fake_stripe)
    listing = english_admin.get(reverse("admin:orders_order_changelist")).content.decode()
    queue = english_admin.get(reverse("admin:orders_order_queue")).content.decode()
    assert 'hera-status--payment_check">Payment to check</span>' in listing
    assert f'href="{reverse("admin:orders_order_change", args=[order.pk])}"' in queue
    assert "Payment to check" in queue


def test_staff_accept_the_payment_and_the_book_is_queued(client, english_admin, fake_stripe):
    order = refused(client, fake_stripe)
    act(english_admin, order, "accept_payment")
    order.refresh_from_db()
    assert order.status == Status.QUEUED
    assert order.payment_check_reason == ""
    assert OutboundEmail.objects.filter(order=order, kind="queued").count() == 1


def test_accepting_test_money_against_a_live_key_is_refused(client, english_admin, fake_stripe, settings):
    order = refused(client, fake_stripe)  # paid in test mode
    settings.STRIPE_SECRET_KEY = "sk_live_hera"
    response = act(english_admin, order, "accept_payment")
    order.refresh_from_db()
    assert order.status == Status.PAYMENT_CHECK
    assert messages_of(response) == [
        f"Skipped {order.reference}: was paid with test money, which does not match the Stripe key."
    ]


def test_staff_refund_a_payment_to_check(client, english_admin, fake_stripe):
    order = refused(client, fake_stripe)
    act(english_admin, order, "refund", confirm="yes")
    (request,) = fake_stripe.posts("/v1/refunds")
    assert request.params["payment_intent"] == order.stripe_payment_intent_id
    deliver(client, stripe_event("charge.refunded", dict(fake_stripe.charge_of(order.stripe_payment_intent_id))))
    order.refresh_from_db()
    assert order.status == Status.REFUNDED


def test_the_orders_own_payment_still_queues_an_order_held_for_a_foreign_one(client, fake_stripe):
    order = make_order(language="en")
    checkout_start(order)
    order.refresh_from_db()
    foreign = fake_stripe.pay(amount=100)
    link = dict(fake_stripe.sessions[order.stripe_session_id], id="cs_test_payment_link", amount_total=100,
                payment_status="paid", status="complete", payment_intent=foreign["id"])
    deliver(client, stripe_event("checkout.session.completed", link))
    own = fake_stripe.pay(order.stripe_session_id, amount=order.amount_cents)
    deliver(client, stripe_event("checkout.session.completed", dict(fake_stripe.sessions[order.stripe_session_id])))
    order.refresh_from_db()
    assert order.status == Status.QUEUED
    assert order.stripe_payment_intent_id == own["id"]  # a refund undoes the order's own payment
    assert "cs_test_payment_link" in order.payment_check_reason  # the foreign one still waits for staff


def test_an_extra_payment_on_a_queued_order_is_flagged_without_changing_it(client, english_admin, fake_stripe):
    order = make_order(language="en")
    checkout_start(order)
    order.refresh_from_db()
    fake_stripe.pay(order.stripe_session_id, amount=order.amount_cents)
    deliver(client, stripe_event("checkout.session.completed", dict(fake_stripe.sessions[order.stripe_session_id])))
    order.refresh_from_db()
    events = order.events.count()
    second = fake_stripe.pay(amount=order.amount_cents)
    again = dict(fake_stripe.sessions[order.stripe_session_id], id="cs_test_second_tab", payment_intent=second["id"])
    deliver(client, stripe_event("checkout.session.completed", again))
    order.refresh_from_db()
    assert order.status == Status.QUEUED
    assert order.events.count() == events + 1 and order.events.last().to_status == Status.QUEUED
    assert "cs_test_second_tab" in order.payment_check_reason
    assert staff_emails() == [("payment_check", STAFF)]
    listing = english_admin.get(reverse("admin:orders_order_changelist")).content.decode()
    assert 'hera-status--payment_check"' in listing
    act(english_admin, order, "payment_checked")
    order.refresh_from_db()
    assert order.payment_check_reason == ""


def test_the_refund_of_an_extra_payment_leaves_the_order_alone(client, fake_stripe):
    order = make_order(language="en")
    checkout_start(order)
    order.refresh_from_db()
    fake_stripe.pay(order.stripe_session_id, amount=order.amount_cents)
    deliver(client, stripe_event("checkout.session.completed", dict(fake_stripe.sessions[order.stripe_session_id])))
    second = fake_stripe.pay(amount=order.amount_cents)
    charge = dict(fake_stripe.charge_of(second["id"]), refunded=True, metadata={"order_token": order.token})
    deliver(client, stripe_event("charge.refunded", charge))
    order.refresh_from_db()
    assert order.status == Status.QUEUED
