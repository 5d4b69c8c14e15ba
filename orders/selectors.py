"""The read side of the queue: places in line, ETA and the public summary, as customers, emails and staff see them.

Nothing here writes; orders/queue.py changes the queue, and emails and views read it from here.
"""

import math
import statistics
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


DEFAULT_MINUTES_PER_BOOK = 5  # the design card's figure, until `auto` has books to learn from
LEARN_FROM_BOOKS = 20  # the recent books whose median minutes per page `auto` uses


def concurrent_generations(now=None) -> int:
    """Return the number of books made at once in force: what the live workers' claims obey (their heartbeats), so the
    web of a web + worker layout does not reckon `auto` from its own memory; this process's setting without one."""
    since = (now or timezone.now()) - timedelta(seconds=WorkerHeartbeat.SILENCE_SECONDS)
    published = WorkerHeartbeat.objects.filter(seen_at__gte=since).aggregate(Max("concurrent_generations"))
    return published["concurrent_generations__max"] or settings.HERA_CONCURRENT_GENERATIONS


def minutes_per_page(generator: str | None = None) -> float | None:
    """Return the median minutes per page of the recent books made by `generator` (default: the current one)."""
    books = (
        Order.objects.filter(status=Status.DONE, generator=generator or settings.HERA_GENERATOR)
        .exclude(started_at=None)
        .exclude(finished_at=None)
        .filter(pages_total__gt=0)
        .order_by("-finished_at", "-id")
        .values_list("started_at", "finished_at", "pages_total")[:LEARN_FROM_BOOKS]
    )
    samples = [(finished - started).total_seconds() / 60 / pages for started, finished, pages in books]
    return statistics.median(samples) if samples else None


def pages_left(order: Order) -> int:
    total = order.pages_total or order.page_count
    return max(total - order.pages_done, 0)


def eta_minutes(order: Order, position_in_line: int | None = None, now=None) -> int | None:
    """Minutes until the order's book is ready: a book being drawn counts its pages left, a queued one its line,
    but never before its retry back-off (`not_before`) ends."""
    place = position(order) if position_in_line is None else position_in_line
    if place is None:
        return None
    eta = line_eta_minutes(order, place)
    if order.status != Status.QUEUED:
        return eta
    return after_back_off(eta, order.not_before, now or timezone.now())


def after_back_off(eta: int, not_before, now) -> int:
    """Never promise a queued order's book before its retry back-off (`not_before`) ends."""
    if not_before is None:
        return eta
    return max(eta, math.ceil((not_before - now).total_seconds() / 60))


def eta_rates() -> tuple[float | None, int]:
    """Return the learned minutes per page (`auto` with books to learn from, else None) and the minutes per book."""
    if settings.HERA_MINUTES_PER_BOOK == "auto":
        return minutes_per_page(), DEFAULT_MINUTES_PER_BOOK
    return None, settings.HERA_MINUTES_PER_BOOK


def line_eta_minutes(order: Order, place: int) -> int:
    per_page, per_book = eta_rates()
    if per_page is not None:
        return math.ceil(per_page * line_pages_left(order))
    if order.status == Status.GENERATING:
        total = order.pages_total or order.page_count
        return math.ceil(per_book * pages_left(order) / total) if total else per_book
    return math.ceil(place / concurrent_generations()) * per_book


def etas(generations: int | None = None) -> dict[int, int]:
    """Every generating and queued order's ETA, as eta_minutes() gives it, in a few queries (for the admin's lists);
    pass `generations` when the number in force is already known."""
    learned, per_book = eta_rates()
    fields = ("id", "pages_total", "page_count", "pages_done")
    at_once = generations or concurrent_generations()
    result: dict[int, int] = {}
    pages_ahead = 0
    generating = list(Order.objects.generating().order_by("started_at", "id").values_list(*fields))
    for order_id, total, count, done in generating:
        left = max((total or count) - done, 0)
        pages_ahead += left
        if learned is not None:
            result[order_id] = math.ceil(learned * left)
        else:
            result[order_id] = math.ceil(per_book * left / (total or count)) if total or count else per_book
    place = len(generating)
    now = timezone.now()
    queued = Order.objects.queued().in_claim_order().values_list(*fields, "not_before")
    for order_id, total, count, done, not_before in queued:
        place += 1
        pages_ahead += max((total or count) - done, 0)
        if learned is not None:
            eta = math.ceil(learned * pages_ahead / at_once)
        else:
            eta = math.ceil(place / at_once) * per_book
        result[order_id] = after_back_off(eta, not_before, now)
    return result


def line_pages_left(order: Order) -> float:
    """Pages to draw before the order's book is ready, shared by the books made at once (its own when drawn)."""
    if order.status == Status.GENERATING:
        return pages_left(order)
    ahead = Order.objects.generating() | Order.objects.queued().filter(
        Q(priority__gt=order.priority)
        | Q(priority=order.priority, queued_at__lt=order.queued_at)
        | Q(priority=order.priority, queued_at=order.queued_at, id__lt=order.id)
    )
    pages = sum(max((total or count) - done, 0) for total, count, done in ahead.values_list(
        "pages_total", "page_count", "pages_done"
    ))
    return (pages + pages_left(order)) / concurrent_generations()


def queue_summary() -> dict:
    """What /api/queue-status tells the world: sizes and a short reference, never customer data."""
    current = Order.objects.generating().order_by("started_at", "id").only("id").first()
    return {
        "queue_size": queue_size(),
        "is_processing": current is not None,
        "current_job": current.reference if current else None,
    }
