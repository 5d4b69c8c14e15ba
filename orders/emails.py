"""The email outbox: rows written with the change that causes them, delivered after commit, retried until sent."""

from django.db import transaction

from .models import Order, OutboundEmail


def outbox_add(order: Order, kind: str, *, dedupe_key: str | None = None) -> OutboundEmail | None:
    """Add one email of `kind` for the order to the outbox; return None if that email already exists."""
    key = dedupe_key or f"order-{order.pk}-{kind}"
    email, created = OutboundEmail.objects.get_or_create(
        dedupe_key=key, defaults={"order": order, "kind": kind, "to": order.email}
    )
    if not created:
        return None
    transaction.on_commit(lambda: deliver_soon(email.pk))
    return email


def deliver_soon(email_id: int) -> None:
    """Deliver a just-committed outbox row without waiting for the periodic sweep (hook for the delivery code)."""
