"""The read side of the queue: places in line, ETA and the public summary, as customers, emails and staff see them.

Nothing here writes; orders/queue.py changes the queue, and emails and views read it from here.
"""

import math
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from .models import Order, Status, WorkerHeartbeat


def queue_size() -> int:
    return Order.objects.queued().count()


def position(order: Order) -> int | None:
    """1-based place in line: generating orders first (by start), then queued ones in claim order."""
    if order.status == Status.GENERATING:
        earlier = Order.objects.generating().filter(started_at__lt=order.started_at).count()
        same_start = Order.objects.generating().filter(started_at=order.started_at, id__lt=order.id).count()
        return 1 + earlier + same_start
    if order.status != Status.QUEUED:
        return None
    ahead = Order.objects.queued().filter(
        Q(priority__gt=order.priority)
        | Q(priority=order.priority, queued_at__lt=order.queued_at)
        | Q(priority=order.priority, queued_at=order.queued_at, id__lt=order.id)
    )
    return 1 + Order.objects.generating().count() + ahead.count()


def positions() -> dict[int, int]:
    """Every generating and queued order's position, in two queries (for lists and the admin)."""
    result: dict[int, int] = {}
    generating = Order.objects.generating().order_by("started_at", "id").values_list("id", flat=True)
    for rank, order_id in enumerate(generating, start=1):
        result[order_id] = rank
    offset = len(result)
    for rank, order_id in enumerate(Order.objects.queued().in_claim_order().values_list("id", flat=True), start=1):
        result[order_id] = offset + rank
    return result


def concurrent_generations(now=None) -> int:
    """Return the number of books made at once in force: what the live workers' claims obey (their heartbeats), so the
    web of a web + worker layout does not reckon `auto` from its own memory; this process's setting without one."""
    since = (now or timezone.now()) - timedelta(seconds=WorkerHeartbeat.SILENCE_SECONDS)
    published = WorkerHeartbeat.objects.filter(seen_at__gte=since).aggregate(Max("concurrent_generations"))
    return published["concurrent_generations__max"] or settings.HERA_CONCURRENT_GENERATIONS


def eta_minutes(position_in_line: int | None, generations: int | None = None) -> int | None:
    """Minutes until the book at `position_in_line` is made; pass `generations` (the number in force) when asking for
    many rows at once."""
    if position_in_line is None:
        return None
    generations = generations or concurrent_generations()
    return math.ceil(position_in_line / generations) * settings.HERA_MINUTES_PER_BOOK


def order_eta_minutes(order: Order, position_in_line: int | None, now=None) -> int | None:
    """Return the order's ETA: its place's, but never before its retry back-off (`not_before`) ends."""
    eta = eta_minutes(position_in_line)
    if eta is None or order.status != Status.QUEUED or order.not_before is None:
        return eta
    waiting = (order.not_before - (now or timezone.now())).total_seconds()
    return max(eta, math.ceil(waiting / 60))


def queue_summary() -> dict:
    """What /api/queue-status tells the world: sizes and a short reference, never customer data."""
    current = Order.objects.generating().order_by("started_at", "id").only("id").first()
    return {
        "queue_size": queue_size(),
        "is_processing": current is not None,
        "current_job": current.reference if current else None,
    }
