"""Checkout and fulfilment: the one path by which a payment queues an order (Stripe webhook or offline checkout)."""

import logging
from datetime import timedelta

import stripe
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from . import queue
from .models import Order, Status

log = logging.getLogger("hera.payments")

class CheckoutUnavailable(Exception):
    """Stripe could not start a Checkout Session; the customer can try again in a moment."""


def order_price_cents(page_count: int) -> int:
    """Return the price of a book of `page_count` pages, in cents of HERA_CURRENCY."""
    return settings.HERA_PRICE_BASE_CENTS + settings.HERA_PRICE_PER_PAGE_CENTS * page_count


def stripe_client() -> stripe.StripeClient:
    """Return a Stripe client on the real API, or on STRIPE_API_BASE (stripe-mock, a local fake)."""
    base_addresses = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    # Retries are safe: every request that creates something carries an idempotency key. The timeout is short
    # because a customer waits on this request (Stripe's default is 80 s, times each retry).
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses,
        max_network_retries=2,
        http_client=stripe.new_default_http_client(timeout=(5, 20)),
    )


def offline_checkout_enabled() -> bool:
    """Tell whether the offline checkout (a "Pay" button that pays) exists: HERA_OFFLINE_CHECKOUT, never with Stripe."""
    return settings.HERA_OFFLINE_CHECKOUT and not settings.STRIPE_SECRET_KEY


def checkout_start(order: Order) -> str:
    """Return the URL where the customer pays for `order`: Stripe Checkout, or the offline checkout when enabled."""
    order_price_record(order)
    if offline_checkout_enabled():
        return reverse("orders:offline_checkout", kwargs={"token": order.token})
    if not settings.STRIPE_SECRET_KEY:
        # Development with HERA_OFFLINE_CHECKOUT=off and no key: no way to pay, and never a free book.
        log.warning("no checkout for %s: neither Stripe keys nor HERA_OFFLINE_CHECKOUT", order.reference)
        raise CheckoutUnavailable("no checkout is configured")
    attempt = order.checkout_attempts + 1
    try:
        # One key per attempt: Stripe replays the answer to a key for 24 hours, so a key per order would hand a
        # customer coming back to pay the session they left (or one already expired) instead of a new one.
        session = stripe_client().v1.checkout.sessions.create(
            checkout_session_params(order), options={"idempotency_key": f"checkout-{order.token}-{attempt}"}
        )
    except stripe.StripeError as exc:
        # Stripe saves even a 500 under its key: the next try gets a key of its own, not the saved failure.
        Order.objects.filter(pk=order.pk).update(checkout_attempts=attempt)
        order.checkout_attempts = attempt
        log.warning("checkout session failed for %s: %s", order.reference, exc.__class__.__name__)
        raise CheckoutUnavailable(str(exc)) from exc
    order.stripe_session_id = session.id
    order.checkout_attempts = attempt
    order.payment_failed_at = None
    order.checkout_completed_at = None
    order.save(
        update_fields=[
            "stripe_session_id", "checkout_attempts", "payment_failed_at", "checkout_completed_at", "updated_at"
        ]
    )
    log.info("checkout session created for %s amount=%d attempt=%d", order.reference, order.amount_cents, attempt)
    return session.url


def checkout_can_resume(order: Order) -> bool:
    """Tell whether the customer may go back to pay: still unpaid, and no payment on its way."""
    if order.status != Status.PENDING_PAYMENT:
        return False
    return order.checkout_completed_at is None or order.payment_failed_at is not None


def checkout_resume(order: Order) -> str:
    """Return a new payment page for an unpaid order, after closing its open Checkout Session.

    The old session is expired first, so the customer cannot pay twice with two tabs; a session Stripe says is
    already complete and paid is left alone (its webhook is on its way) and the customer goes back to the order page.
    """
    if not checkout_can_resume(order):
        return order.get_absolute_url()
    if offline_checkout_enabled() or not settings.STRIPE_SECRET_KEY or not order.stripe_session_id:
        return checkout_start(order)
    client = stripe_client()
    try:
        session = client.v1.checkout.sessions.retrieve(order.stripe_session_id)
        if session.status == "open":
            session = client.v1.checkout.sessions.expire(order.stripe_session_id)
    except stripe.StripeError as exc:
        log.warning("checkout session of %s could not be closed: %s", order.reference, exc.__class__.__name__)
        raise CheckoutUnavailable(str(exc)) from exc
    # A complete session is paid, or its delayed payment is on its way (its webhook may not be here yet): no second
    # session, unless Stripe already told us that payment failed.
    if session.status == "complete" and order.payment_failed_at is None:
        log.info("checkout session of %s is complete; no new session", order.reference)
        return order.get_absolute_url()
    return checkout_start(order)


def order_price_record(order: Order) -> None:
    """Store the price the customer is asked to pay, computed here and never taken from the browser."""
    order.amount_cents = order_price_cents(order.page_count)
    order.currency = settings.HERA_CURRENCY
    order.save(update_fields=["amount_cents", "currency", "updated_at"])


def checkout_session_params(order: Order) -> dict:
    """Build the Checkout Session request: one line item, the order token twice, redirects to the order page."""
    with translation.override(order.language):
        name = gettext("Personalised book for %(name)s (%(pages)d pages)") % {
            "name": order.child_name, "pages": order.page_count
        }
    return {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": order.currency,
                    "unit_amount": order.amount_cents,
                    "product_data": {"name": name},
                },
            }
        ],
        "client_reference_id": order.token,
        "metadata": {"order_token": order.token},
        "payment_intent_data": {"metadata": {"order_token": order.token}},
        "customer_email": order.email,
        "locale": order.language,
        "success_url": f"{order.absolute_url}?checkout=success",
        "cancel_url": f"{order.absolute_url}?checkout=cancelled",
    }


def order_mark_paid(
    order: Order, *, actor: str, session_id: str | None = None, payment_intent_id: str | None = None
) -> bool:
    """Record the payment and queue the order in one transaction; return False if it was already paid."""
    with transaction.atomic():
        order = order_record_stripe_ids(order, session_id=session_id, payment_intent_id=payment_intent_id)
        return queue.order_enqueue(order, actor=actor, note="payment received")


def order_record_stripe_ids(order: Order, *, session_id: str | None, payment_intent_id: str | None) -> Order:
    """Lock the order and remember its Checkout Session and PaymentIntent ids (the first ones seen win)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        changed = []
        if session_id and not order.stripe_session_id:
            order.stripe_session_id = session_id
            changed.append("stripe_session_id")
        # A payment held for staff gives way to the order's own matching payment: a refund must undo the right one.
        replace_held = order.status == Status.PAYMENT_CHECK and payment_intent_id != order.stripe_payment_intent_id
        if payment_intent_id and (not order.stripe_payment_intent_id or replace_held):
            order.stripe_payment_intent_id = payment_intent_id
            changed.append("stripe_payment_intent_id")
        if changed:
            order.save(update_fields=[*changed, "updated_at"])
        return order


# Stripe's own default lifetime of a Checkout Session: after it, the order can no longer be paid by that session.
UNPAID_LIFETIME = timedelta(days=1)


# Each tick asks Stripe about this many day-old sessions at most, so the housekeeping stays short.
SESSIONS_CHECKED_PER_TICK = 20


def orders_expire_unpaid(now=None) -> int:
    """Expire the orders left unpaid for more than a day (abandoned checkouts, a loop of posts); return how many.

    An order whose checkout completed is never expired (a delayed payment is on its way). With Stripe, an order
    with a Checkout Session expires only once Stripe says the session expired: its webhooks are retried for three
    days, so a clock alone would race a payment still being delivered. Stripe is asked outside any lock.
    """
    cutoff = (now or timezone.now()) - UNPAID_LIFETIME
    stale = Order.objects.filter(status=Status.PENDING_PAYMENT, created_at__lt=cutoff, checkout_completed_at=None)
    with_stripe = bool(settings.STRIPE_SECRET_KEY)
    by_clock = stale.filter(stripe_session_id=None) if with_stripe else stale
    expired = 0
    for order_id in by_clock.order_by("id").values_list("id", flat=True):
        expired += order_expire_unpaid(order_id, None, "unpaid for more than a day")
    if with_stripe:
        asked = stale.exclude(stripe_session_id=None).order_by("updated_at", "id")[:SESSIONS_CHECKED_PER_TICK]
        for order_id, session_id in asked.values_list("id", "stripe_session_id"):
            expired += order_expire_if_session_ended(order_id, session_id)
    if expired:
        log.info("unpaid orders expired: %d", expired)
    return expired


def order_expire_if_session_ended(order_id: int, session_id: str) -> int:
    """Ask Stripe about a day-old order's session: expire the order if the session expired; return 1 if it did."""
    try:
        session = stripe_client().v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError as exc:
        log.warning("session of #%s not retrieved, expiry left for later: %s", order_id, exc.__class__.__name__)
        return 0
    if session.status == "expired":
        return order_expire_unpaid(order_id, session_id, f"checkout session {session_id} expired unpaid (retrieved from Stripe)")
    if session.status == "complete":
        # Paid, or a delayed payment on its way, and its webhook still to come (Stripe retries for three days):
        # the order leaves the sweep for good.
        Order.objects.filter(pk=order_id, checkout_completed_at=None).update(
            checkout_completed_at=timezone.now(), updated_at=timezone.now()
        )
        log.warning("session %s of #%s is complete but no webhook said so yet", session_id, order_id)
        return 0
    Order.objects.filter(pk=order_id).update(updated_at=timezone.now())  # open: asked again after the others
    return 0


def order_expire_unpaid(order_id: int, session_id: str | None, note: str) -> int:
    """Expire one unpaid order if it is still as it was seen; return 1 if it expired."""
    with transaction.atomic():
        # SKIP LOCKED: an order a webhook is paying right now is left for the next tick.
        order = Order.objects.select_for_update(skip_locked=True).filter(pk=order_id).first()
        if order is None or order.stripe_session_id != session_id or not order.can("expire"):
            return 0
        order.expire(actor="housekeeping", note=note)
    return 1


# Refunds.


class RefundFailed(Exception):
    """Stripe did not take the refund; asking again is safe (same idempotency key)."""


def refund_idempotency_key(payment_intent_id: str) -> str:
    """One key per PaymentIntent: every refund asked for one payment is the same refund for Stripe."""
    return f"refund-{payment_intent_id}"


def payment_captured(order: Order) -> tuple[int, str] | None:
    """Return what Stripe captured for the order's payment (amount in cents, currency), or None if unknown."""
    if not settings.STRIPE_SECRET_KEY or not order.stripe_payment_intent_id:
        return None
    try:
        intent = stripe_client().v1.payment_intents.retrieve(order.stripe_payment_intent_id)
    except stripe.StripeError as exc:
        log.warning("payment of %s not retrieved: %s", order.reference, exc.__class__.__name__)
        return None
    return intent.amount_received, intent.currency


def stripe_refund_create(order: Order) -> str:
    """Ask Stripe to refund the order's whole payment; return the refund's id, or the charge's when already refunded."""
    intent = order.stripe_payment_intent_id
    try:
        refund = stripe_client().v1.refunds.create(
            {"payment_intent": intent, "metadata": {"order_token": order.token}},
            options={"idempotency_key": refund_idempotency_key(intent)},
        )
    except stripe.InvalidRequestError as exc:
        if exc.code == "charge_already_refunded":  # refunded before (by us, the dashboard): done, not an error
            log.info("payment of %s was already refunded", order.reference)
            return "already refunded"
        raise RefundFailed(exc.user_message or str(exc)) from exc
    except stripe.StripeError as exc:
        raise RefundFailed(exc.user_message or exc.__class__.__name__) from exc
    log.info("refund %s asked for %s", refund.id, order.reference)
    return refund.id
