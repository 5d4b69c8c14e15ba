"""Checkout and fulfilment: the one path by which a payment queues an order (Stripe webhook or offline checkout)."""

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from . import queue
from .models import Order

log = logging.getLogger("hera.payments")


def checkout_start(order: Order) -> str:
    """Return the URL where the customer pays for `order`: Stripe Checkout, or the offline checkout without keys."""
    if not settings.STRIPE_SECRET_KEY:
        return reverse("orders:offline_checkout", kwargs={"token": order.token})
    raise NotImplementedError("Stripe Checkout Session creation lands with the checkout issue.")


def order_mark_paid(
    order: Order, *, actor: str, session_id: str | None = None, payment_intent_id: str | None = None
) -> bool:
    """Record the payment and queue the order in one transaction; return False if it was already paid."""
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
            order.save(update_fields=changed)
        return queue.enqueue(order, actor=actor, note="payment received")
