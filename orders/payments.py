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
    try:
        session = stripe_client().v1.checkout.sessions.create(
            checkout_session_params(order), options={"idempotency_key": f"checkout-{order.token}"}
        )
    except stripe.StripeError as exc:
        log.warning("checkout session failed for %s: %s", order.reference, exc.__class__.__name__)
        raise CheckoutUnavailable(str(exc)) from exc
    order.stripe_session_id = session.id
    order.save(update_fields=["stripe_session_id", "updated_at"])
    log.info("checkout session created for %s amount=%d", order.reference, order.amount_cents)
    return session.url


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
        if payment_intent_id and not order.stripe_payment_intent_id:
            order.stripe_payment_intent_id = payment_intent_id
            changed.append("stripe_payment_intent_id")
        if changed:
            order.save(update_fields=[*changed, "updated_at"])
        return order


# Stripe's own default lifetime of a Checkout Session: after it, the order can no longer be paid by that session.
UNPAID_LIFETIME = timedelta(days=1)


def orders_expire_unpaid(now=None) -> int:
    """Expire the orders left unpaid for more than a day (abandoned checkouts, a loop of posts); return how many."""
    cutoff = (now or timezone.now()) - UNPAID_LIFETIME
    expired = 0
    while True:
        with transaction.atomic():
            # SKIP LOCKED: an order a webhook is paying right now is left for the next tick.
            order = (
                Order.objects.filter(status=Status.PENDING_PAYMENT, created_at__lt=cutoff)
                .select_for_update(skip_locked=True)
                .order_by("id")
                .first()
            )
            if order is None:
                break
            order.expire(actor="housekeeping", note="unpaid for more than a day")
        expired += 1
    if expired:
        log.info("unpaid orders expired: %d", expired)
    return expired
