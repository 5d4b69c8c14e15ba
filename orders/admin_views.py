"""The admin's live queue page: what is generating and what waits, as plain rows, and its two buttons.

OrderAdmin (orders/admin.py) routes to these views and passes itself, for permissions and messages. Rows are
dataclasses built here from one query each for generating and waiting orders; places in line are their ranks.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import scaling, selectors, staff
from .models import Kind, Order, Priority, Status, WorkerHeartbeat
from .pause import pauses

QUEUE_REFRESH_SECONDS = 3
QUEUE_OPERATIONS = {"move_to_front": staff.order_move_to_front, "cancel": staff.order_cancel}
LIVE_FIELDS = (
    "id", "child_name", "page_count", "pages_done", "pages_total", "kind", "priority", "status", "attempts",
    "queued_at", "started_at", "lease_expires_at", "worker_id", "not_before", "last_error",
)


@dataclass(frozen=True)
class GeneratingRow:
    """A book being generated, as the live queue shows it."""

    id: int
    position: int
    change_url: str
    child_name: str
    kind_label: str
    progress_percent: int
    pages_done: int
    pages_total: int
    running_for: str
    lease_age_seconds: int | None
    lease_expired: bool
    worker_id: str
    attempts: int


@dataclass(frozen=True)
class WaitingRow:
    """A queued order, as the live queue shows it."""

    id: int
    position: int
    change_url: str
    child_name: str
    page_count: int
    priority_label: str
    kind_label: str
    eta: int | None
    waiting_for: str
    backoff: bool
    not_before: datetime | None
    attempts: int
    last_error: str


@dataclass(frozen=True)
class WorkerRow:
    """A worker cluster as its heartbeat shows it: alive, gone quietly (holding nothing), or lost holding an order.

    A cluster that stopped cleanly has no row (it forgets its heartbeat as it stops); one that vanished idle (killed
    between books) is only greyed, and only one that vanished while making a book is worth a red mark.
    """

    worker_id: str
    seconds_ago: int
    state: str  # "alive", "gone" or "lost"
    current_order_id: int | None
    generations: int | None
    generations_source: str
    generator_state: str


def worker_row(beat: WorkerHeartbeat, now: datetime) -> WorkerRow:
    state = "alive" if beat.is_alive(now) else ("lost" if beat.current_order_id else "gone")
    return WorkerRow(
        worker_id=beat.worker_id,
        seconds_ago=beat.seconds_ago(now),
        state=state,
        current_order_id=beat.current_order_id,
        generations=beat.concurrent_generations,
        generations_source=beat.concurrency_source,
        generator_state=beat.generator_state,
    )


def duration_text(start: datetime | None, now: datetime) -> str:
    """Say how long ago `start` was, briefly: "7 min", "2 h 05", "3 d 4 h" (cheaper than timesince per row)."""
    if start is None:
        return "—"
    minutes = max(0, int((now - start).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h {minutes % 60:02d}"
    return f"{minutes // (24 * 60)} d {minutes // 60 % 24} h"


def queue_view(request: HttpRequest, model_admin: admin.ModelAdmin) -> HttpResponse:
    """Show what is generating and what waits; `?fragment=1` answers the part the page refreshes."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        **live_queue(timezone.now()),
        "opts": model_admin.opts,
        "title": _("Live queue"),
        "can_act": model_admin.has_change_permission(request),
        "act_url": reverse("admin:orders_order_queue_act"),
        "refresh_seconds": QUEUE_REFRESH_SECONDS,
    }
    fragment = request.GET.get("fragment") == "1"
    template = "admin/orders/order/queue_live.html" if fragment else "admin/orders/order/queue.html"
    return TemplateResponse(request, template, context)


def queue_act_view(request: HttpRequest, model_admin: admin.ModelAdmin) -> HttpResponse:
    """Move an order to the front, or cancel it, from the live queue page."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    # One form holds every row: the button pressed names the action and carries the order's id.
    chosen = [(name, request.POST[name]) for name in QUEUE_OPERATIONS if name in request.POST]
    if len(chosen) != 1 or not chosen[0][1].isdigit():
        return HttpResponseBadRequest("Unknown action or order.")
    name, order_id = chosen[0]
    order = get_object_or_404(Order, pk=order_id)
    result = QUEUE_OPERATIONS[name](order, actor=request.user.get_username())
    model_admin.message_user(request, f"{result}.", messages.SUCCESS if result.done else messages.WARNING)
    return redirect("admin:orders_order_queue")


def live_queue(now: datetime) -> dict:
    """Gather the live queue page in a fixed number of queries (eight, nine with a learned ETA), whatever its length."""
    generating = Order.objects.generating().order_by("started_at", "id").only(*LIVE_FIELDS)
    waiting = list(Order.objects.queued().in_claim_order().only(*LIVE_FIELDS))
    labels = {**{k: str(v) for k, v in Kind.choices}, **{k: str(v) for k, v in Priority.choices}}
    generating_rows = [generating_row(order, rank, labels, now) for rank, order in enumerate(generating, start=1)]
    first_waiting = len(generating_rows) + 1
    workers = [worker_row(beat, now) for beat in WorkerHeartbeat.objects.order_by("-seen_at")[:10]]
    generations, source = generations_in_force(workers)
    etas = selectors.etas(generations)
    return {
        "generating": generating_rows,
        "waiting": [
            waiting_row(order, rank, labels, now, etas.get(order.pk))
            for rank, order in enumerate(waiting, start=first_waiting)
        ],
        "heartbeats": workers,
        "generation_pauses": pauses(),
        "payments_to_check": payments_to_check(),
        "today": today_stats(now),
        "now": now,
        **scaling.admin_context(),
        # The number in force, which positions and ETAs follow, and where it came from (a variable, the default,
        # or `auto` from the instance's memory).
        "concurrency": generations,
        "concurrency_source": source,
    }


def generations_in_force(workers: list[WorkerRow]) -> tuple[int, str]:
    """Return the number of books made at once that the claims obey, and where it comes from, as
    selectors.concurrent_generations reckons it (from the rows already read)."""
    published = [(row.generations, row.generations_source) for row in workers if row.state == "alive" and row.generations]
    if published:
        generations, source = max(published)
        # The worker's own reckoning (`auto: …` from its memory), which this process may not share.
        return generations, _("%(source)s (as the worker reports it)") % {"source": source or "?"}
    return settings.HERA_CONCURRENT_GENERATIONS, settings.HERA_CONCURRENT_GENERATIONS_SOURCE


# A payment waits for staff: the order is held in payment_check, or an extra payment is flagged on it.
PAYMENT_TO_CHECK = Q(status=Status.PAYMENT_CHECK) | ~Q(payment_check_reason="")


def order_needs_payment_check(order: Order) -> bool:
    """Tell whether PAYMENT_TO_CHECK holds for `order`."""
    return order.status == Status.PAYMENT_CHECK or bool(order.payment_check_reason)


def payments_to_check() -> list[dict]:
    """The orders whose payment waits for staff, in one query."""
    orders = Order.objects.filter(PAYMENT_TO_CHECK).order_by("updated_at")
    return [
        {"id": order.pk, "change_url": change_url(order), "child_name": order.child_name,
         "status": order.get_status_display(), "reason": order.payment_check_reason}
        for order in orders.only("id", "child_name", "status", "payment_check_reason")
    ]


def change_url(order: Order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def generating_row(order: Order, position: int, labels: dict, now: datetime) -> GeneratingRow:
    # The lease is renewed by pushing its expiry forward by a full lease, so its last renewal is expiry - lease.
    renewed = order.lease_expires_at - timedelta(seconds=settings.HERA_LEASE_SECONDS) if order.lease_expires_at else None
    return GeneratingRow(
        id=order.pk,
        position=position,
        change_url=change_url(order),
        child_name=order.child_name,
        kind_label=labels[order.kind],
        progress_percent=order.progress_percent,
        pages_done=order.pages_done,
        pages_total=order.pages_total,
        running_for=duration_text(order.started_at, now),
        lease_age_seconds=round((now - renewed).total_seconds()) if renewed else None,
        lease_expired=bool(order.lease_expires_at and order.lease_expires_at <= now),
        worker_id=order.worker_id,
        attempts=order.attempts,
    )


def waiting_row(order: Order, position: int, labels: dict, now: datetime, eta: int | None) -> WaitingRow:
    return WaitingRow(
        id=order.pk,
        position=position,
        change_url=change_url(order),
        child_name=order.child_name,
        page_count=order.page_count,
        priority_label=labels[order.priority],
        kind_label=labels[order.kind],
        eta=eta,
        waiting_for=duration_text(order.queued_at, now),
        backoff=order.not_before is not None and order.not_before > now,
        not_before=order.not_before,
        attempts=order.attempts,
        last_error=order.last_error,
    )


def today_stats(now: datetime) -> dict:
    """Done and failed today (local time), and the average generation time of today's books, in one query."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    stats = Order.objects.filter(finished_at__gte=midnight).aggregate(
        done=Count("id", filter=Q(status=Status.DONE)),
        failed=Count("id", filter=Q(status=Status.FAILED)),
        average=Avg(duration, filter=Q(status=Status.DONE, started_at__isnull=False)),
    )
    average = stats["average"]
    stats["average_seconds"] = round(average.total_seconds()) if average is not None else None
    return stats
