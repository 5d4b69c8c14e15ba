"""Orders in any status, reached through the Order's own transitions (as the worker, Stripe and staff would)."""

from orders.models import Order, Status
from tests.conftest import make_order


def order_in(status: str, **overrides) -> Order:
    """Create an order and walk it through the transitions to `status`."""
    if status == Status.PENDING_PAYMENT:
        return make_order(**overrides)
    if status == Status.EXPIRED:
        order = make_order(**overrides)
        order.mark_expired(actor="test")
        return order
    order = make_order(status="queued", **overrides)
    if status == Status.QUEUED:
        return order
    if status in (Status.CANCELLED, Status.REFUNDED):
        (order.mark_cancelled if status == Status.CANCELLED else order.mark_refunded)(actor="test")
        return order
    order.mark_generating(worker_id="test-worker", lease_seconds=60)
    if status == Status.GENERATING:
        return order
    if status == Status.DONE:
        order.mark_done(pdf_name=f"books/{order.token}.pdf", actor="test-worker")
    elif status == Status.FAILED:
        order.mark_failed(error="the image model refused page 3", actor="test-worker")
    else:
        raise ValueError(f"order_in cannot reach {status}")
    return order
