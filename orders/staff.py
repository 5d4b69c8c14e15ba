"""Staff operations on orders: what the admin's actions and live queue page call, one order at a time.

Each operation locks the order row, goes through the Order's transitions (or orders.queue for its place in line),
and returns a StaffResult saying what it did or why it did nothing. Waking the worker waits for the commit, so the
worker never looks for an order it cannot see yet.
"""

import logging
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import emails, queue, selectors
from .models import TRANSITIONS, EmailKind, Kind, Order, Priority, Status
from .payments import RefundFailed, stripe_refund_create
from .webhooks import livemode_expected

log = logging.getLogger("hera.staff")

# The statuses each staff transition accepts, read from the Order's table of transitions.
RETRYABLE = TRANSITIONS["staff_retry"].sources
REGENERABLE = TRANSITIONS["regenerate"].sources
# An order awaiting payment is left to its checkout: cancelled by staff, a payment arriving later would find
# nothing to queue (a failed payment leaves it pending too, so the customer can pay again; it expires unpaid).
CANCELLABLE = TRANSITIONS["cancel"].sources - {Status.PENDING_PAYMENT}
# A refund is asked of Stripe for an order that has a payment and is not refunded yet; Stripe's charge.refunded
# then moves it to `refunded` (orders/webhooks.py).
REFUNDABLE = TRANSITIONS["refund"].sources - {Status.PENDING_PAYMENT, Status.EXPIRED}
ACCEPTABLE = TRANSITIONS["accept_payment"].sources
# An extra payment flagged on an order that kept its status; a payment_check order is settled by accept or refund.
FLAG_CLEARABLE = frozenset(Status.values) - {Status.PAYMENT_CHECK}


@dataclass(frozen=True)
class StaffResult:
    """The outcome of one staff operation on one order; `detail` reads after the order's reference."""

    order: Order
    done: bool
    detail: str

    def __str__(self) -> str:
        return f"{self.order.reference} {self.detail}"


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _refusal(order: Order, accepted: Collection[str], rule: str) -> StaffResult | None:
    """Return the skipped result for an order whose status the operation does not accept, else None."""
    if order.status in accepted:
        return None
    return StaffResult(order, False, _("is “%(status)s”: %(rule)s") % {"status": order.get_status_display(), "rule": rule})


def _done(order: Order, detail: str, actor: str) -> StaffResult:
    """Report a done operation (a detail naming the customer's address is hidden from the log by its filter)."""
    log.info("staff %s: %s %s", actor, order.reference, detail)
    return StaffResult(order, True, detail)


def order_retry(order: Order, *, actor: str) -> StaffResult:
    """Put a failed or cancelled order back in the queue, in its original place, with fresh attempts."""
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, RETRYABLE, _("only failed or cancelled orders are retried")):
            return refused
        # A checkout abandoned and then cancelled was never paid for: retrying it would give a book away.
        if order.kind == Kind.PAID and order.paid_at is None:
            return StaffResult(order, False, _("was never paid: nothing to retry"))
        order.staff_retry(actor=actor)
        transaction.on_commit(queue.wake_worker, robust=True)
    return _done(order, _("queued again with fresh attempts"), actor)


def order_move_to_front(order: Order, *, actor: str) -> StaffResult:
    """Give a queued order the first place in line."""
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, (Status.QUEUED,), _("only queued orders can move")):
            return refused
        if selectors.position(order) == 1 + Order.objects.generating().count():
            return StaffResult(order, False, _("is already first in line"))
        queue.order_move_to_front(order, actor=actor)
    return _done(order, _("moved to the front of the queue"), actor)


def order_set_priority(order: Order, priority: int, *, actor: str) -> StaffResult:
    """Set the priority of a queued order (high, normal or low)."""
    label = str(Priority(priority).label).lower()
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, (Status.QUEUED,), _("priority only matters while queued")):
            return refused
        if order.priority == priority:
            return StaffResult(order, False, _("already has %(priority)s priority") % {"priority": label})
        queue.order_set_priority(order, priority, actor=actor)
    return _done(order, _("set to %(priority)s priority") % {"priority": label}, actor)


def order_cancel(order: Order, *, actor: str) -> StaffResult:
    """Cancel a queued or generating order.

    Cancelling clears the lease, so a worker generating the order fails its next fenced write (the next page's
    progress, or the final save) with LeaseLost and stops without finishing the book.
    """
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, CANCELLABLE, _("only queued or generating orders are cancelled")):
            return refused
        was_generating = order.status == Status.GENERATING
        order.cancel(actor=actor, note="cancelled by staff")
    detail = _("cancelled; its worker stops at the next page") if was_generating else _("cancelled")
    return _done(order, detail, actor)


def order_regenerate(order: Order, *, actor: str) -> StaffResult:
    """Queue a done book to be made again; the customer keeps the old PDF until the new one is ready."""
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, REGENERABLE, _("only done books are regenerated")):
            return refused
        order.regenerate(actor=actor, note="regeneration requested by staff")
        transaction.on_commit(queue.wake_worker, robust=True)
    return _done(order, _("queued for regeneration (the old PDF stays until the new one is ready)"), actor)


def order_resend_ready(order: Order, *, actor: str) -> StaffResult:
    """Send the `ready` email (download link) again."""
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, (Status.DONE,), _("the ready email needs a done book")):
            return refused
        emails.email_resend_ready(order)
    return _done(order, _("ready email queued again to %(email)s") % {"email": order.email}, actor)


def order_is_paid(order: Order) -> bool:
    """Tell whether the order holds a customer's money (a Stripe payment staff could refund)."""
    return bool(order.stripe_payment_intent_id) and order.paid_at is not None


def order_accept_payment(order: Order, *, actor: str) -> StaffResult:
    """Queue the book of a payment held for staff (payment_check); test money never buys a book."""
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, ACCEPTABLE, _("only a payment to check is accepted")):
            return refused
        if order.payment_livemode is not None and order.payment_livemode != livemode_expected():
            return StaffResult(order, False, (_("was paid with live money, which does not match the Stripe key") if order.payment_livemode else _("was paid with test money, which does not match the Stripe key")))
        order.accept_payment(actor=actor, note=f"payment accepted by {actor}")
        emails.outbox_add(order, EmailKind.QUEUED)
        transaction.on_commit(queue.wake_worker, robust=True)
    return _done(order, _("payment accepted, queued"), actor)


def order_refund(order: Order, *, actor: str) -> StaffResult:
    """Ask Stripe to refund the order's payment, once: the order becomes refunded when Stripe confirms.

    The request is recorded (and committed) before Stripe is called and the refund's id after; the idempotency key
    is the PaymentIntent's, so a second click, a retry or a second server gets Stripe's same refund back.
    """
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, REFUNDABLE, _("only a paid order is refunded")):
            return refused
        if not order.stripe_payment_intent_id:
            return StaffResult(order, False, _("has no Stripe payment to refund"))
        if order.stripe_refund_id:
            return StaffResult(order, False, _("refund already asked (%(refund)s), awaiting Stripe") % {"refund": order.stripe_refund_id})
        if order.refund_requested_at is None:
            order.refund_requested_at = timezone.now()
            order.save(update_fields=["refund_requested_at", "updated_at"])
        order.note(actor=actor, note=f"refund of {order.stripe_payment_intent_id} asked by {actor}")
    try:
        refund_id = stripe_refund_create(order)
    except RefundFailed as exc:
        with transaction.atomic():
            _locked(order).note(actor=actor, note=f"refund refused by Stripe: {exc}")
        return StaffResult(order, False, _("refund refused by Stripe: %(error)s (asking again is safe)") % {"error": exc})
    with transaction.atomic():
        order = _locked(order)
        order.stripe_refund_id = refund_id[:255]
        order.save(update_fields=["stripe_refund_id", "updated_at"])
        order.note(actor=actor, note=f"refund {refund_id} taken by Stripe; refunded once Stripe confirms")
    return _done(order, _("refund asked of Stripe (%(refund)s); refunded once Stripe confirms") % {"refund": refund_id}, actor)


def order_payment_checked(order: Order, *, actor: str) -> StaffResult:
    """Clear the flag of an extra payment once staff dealt with it (refunded it in Stripe, or kept it)."""
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, FLAG_CLEARABLE, _("accept or refund the payment to check")):
            return refused
        if not order.payment_check_reason:
            return StaffResult(order, False, _("has no extra payment to check"))
        order.note(actor=actor, note=f"extra payment checked by {actor}: {order.payment_check_reason}")
        order.payment_check_reason = ""
        order.save(update_fields=["payment_check_reason", "updated_at"])
    return _done(order, _("extra payment marked as checked"), actor)


def order_cancel_and_refund(order: Order, *, actor: str) -> StaffResult:
    """Cancel a paid order not made yet and give the money back."""
    if not order.stripe_payment_intent_id:
        # Refused before the cancel: a gift or an unpaid order would otherwise be cancelled and reported as skipped.
        return StaffResult(order, False, _("has no Stripe payment to refund"))
    cancelled = order_cancel(order, actor=actor)
    if not cancelled.done:
        return cancelled
    refunded = order_refund(cancelled.order, actor=actor)
    return StaffResult(refunded.order, refunded.done, f"{cancelled.detail}; {refunded.detail}")

