"""Staff operations on orders: what the admin's actions and live queue page call, one order at a time.

Each operation locks the order row, goes through the Order's transitions (or orders.queue for its place in line),
and returns a StaffResult saying what it did or why it did nothing. Waking the worker waits for the commit, so the
worker never looks for an order it cannot see yet.
"""

import logging
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction

from . import emails, queue, selectors
from .models import TRANSITIONS, Kind, Order, Priority, Status

log = logging.getLogger("hera.staff")

# The statuses each staff transition accepts, read from the Order's table of transitions.
RETRYABLE = TRANSITIONS["staff_retry"].sources
REGENERABLE = TRANSITIONS["regenerate"].sources
# An order awaiting payment is left to its checkout: cancelled by staff, a payment arriving later would find
# nothing to queue (only a failed payment cancels it).
CANCELLABLE = TRANSITIONS["cancel"].sources - {Status.PENDING_PAYMENT}


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
    return StaffResult(order, False, f"is {order.status}: {rule}")


def _done(order: Order, detail: str, actor: str) -> StaffResult:
    """Report a done operation (a detail naming the customer's address is hidden from the log by its filter)."""
    log.info("staff %s: %s %s", actor, order.reference, detail)
    return StaffResult(order, True, detail)


def order_retry(order: Order, *, actor: str) -> StaffResult:
    """Put a failed or cancelled order back in the queue, in its original place, with fresh attempts."""
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, RETRYABLE, "only failed or cancelled orders are retried"):
            return refused
        # A checkout abandoned and then cancelled was never paid for: retrying it would give a book away.
        if order.kind == Kind.PAID and order.paid_at is None:
            return StaffResult(order, False, "was never paid: nothing to retry")
        order.staff_retry(actor=actor)
        transaction.on_commit(queue.wake_worker, robust=True)
    return _done(order, "queued again with fresh attempts", actor)


def order_move_to_front(order: Order, *, actor: str) -> StaffResult:
    """Give a queued order the first place in line."""
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, (Status.QUEUED,), "only queued orders can move"):
            return refused
        if selectors.position(order) == 1 + Order.objects.generating().count():
            return StaffResult(order, False, "is already first in line")
        queue.order_move_to_front(order, actor=actor)
    return _done(order, "moved to the front of the queue", actor)


def order_set_priority(order: Order, priority: int, *, actor: str) -> StaffResult:
    """Set the priority of a queued order (high, normal or low)."""
    label = Priority(priority).name.lower()
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, (Status.QUEUED,), "priority only matters while queued"):
            return refused
        if order.priority == priority:
            return StaffResult(order, False, f"already has {label} priority")
        queue.order_set_priority(order, priority, actor=actor)
    return _done(order, f"set to {label} priority", actor)


def order_cancel(order: Order, *, actor: str) -> StaffResult:
    """Cancel a queued or generating order.

    Cancelling clears the lease, so a worker generating the order fails its next fenced write (the next page's
    progress, or the final save) with LeaseLost and stops without finishing the book.
    """
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, CANCELLABLE, "only queued or generating orders are cancelled"):
            return refused
        was_generating = order.status == Status.GENERATING
        order.cancel(actor=actor, note="cancelled by staff")
    detail = "cancelled; its worker stops at the next page" if was_generating else "cancelled"
    return _done(order, detail, actor)


def order_regenerate(order: Order, *, actor: str) -> StaffResult:
    """Queue a done book to be made again; the customer keeps the old PDF until the new one is ready."""
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, REGENERABLE, "only done books are regenerated"):
            return refused
        order.regenerate(actor=actor, note="regeneration requested by staff")
        transaction.on_commit(queue.wake_worker, robust=True)
    return _done(order, "queued for regeneration (the old PDF stays until the new one is ready)", actor)


def order_resend_ready(order: Order, *, actor: str) -> StaffResult:
    """Send the `ready` email (download link) again."""
    with transaction.atomic():
        order = _locked(order)
        if refused := _refusal(order, (Status.DONE,), "the ready email needs a done book"):
            return refused
        emails.email_resend_ready(order)
    return _done(order, f"ready email queued again to {order.email}", actor)
