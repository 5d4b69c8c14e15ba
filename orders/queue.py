"""The durable queue: orders whose status is `queued`, claimed by workers under a lease.

Claims take the waiting row with `SELECT … FOR UPDATE SKIP LOCKED` in the shortest possible transaction. Every write
a worker makes afterwards names the lease token it was given; once the lease is lost (expired and recovered, or the
order cancelled) those writes raise LeaseLost and change nothing.
"""

import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from . import selectors
from .emails import outbox_add, outbox_order_failed
from .models import EmailKind, LeaseLost, Order, Priority, Status, WorkerHeartbeat
from .pause import claims_blocked, trial_take

log = logging.getLogger("hera.queue")

# Claims are serialised on PostgreSQL by a transaction-scoped advisory lock, so two claimers cannot both see a free
# generation slot; SKIP LOCKED then lets them pass over rows that a webhook or the admin holds. SQLite's IMMEDIATE
# transactions already serialise writers.
CLAIM_LOCK_KEY = 0x4E7A_C1A1


def worker_id() -> str:
    """Name this worker process by host and cluster (the django-q2 sentinel): stable across recycled processes."""
    return f"{cluster_id()}/{os.getpid()}"[:100]


def cluster_id(sentinel_pid: int | None = None) -> str:
    """Name this worker cluster by host and sentinel (the parent of a worker process): its heartbeat row's identity."""
    return f"{socket.gethostname()}:{sentinel_pid or os.getppid()}"[:100]


def wake_worker() -> None:
    """Ask the cluster to look at the queue now (the schedule would, within a minute)."""
    from django_q.tasks import async_task

    async_task("orders.tasks.process_next_order", task_name="process_next_order", q_options={"group": "queue"})


TRIAL_SCHEDULE = "hera-upstream-trial"


def wake_worker_at(when) -> None:
    """Ask the cluster to look at the queue at `when` (django-q2's scheduler looks every 30 s)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=TRIAL_SCHEDULE,
        defaults={
            "func": "orders.tasks.process_next_order", "schedule_type": Schedule.ONCE, "repeats": 1, "next_run": when,
        },
    )


def generator_check_soon() -> None:
    """Have a worker check the generator's setup and log it (orders.tasks.generator_check); start-up does not wait."""
    from django_q.tasks import async_task

    async_task("orders.tasks.generator_check", task_name="generator_check", q_options={"group": "queue"})


def order_enqueue(order: Order, *, actor: str, note: str = "", priority: int | None = None) -> bool:
    """Queue a new or just-paid order once; return False when it was already past that point."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        # Only a payment (or a new free/test order) queues: a cancelled or refunded order is never revived here.
        if not order.can("queue"):
            return False
        size_before = selectors.queue_size()
        order.queue(actor=actor, note=note, priority=priority)
        outbox_add(order, EmailKind.QUEUED)
        transaction.on_commit(wake_worker, robust=True)  # the payment is committed; queue_tick wakes it anyway
    log.info(
        "order added %s kind=%s priority=%s queue size %d -> %d",
        order.reference, order.kind, order.priority, size_before, size_before + 1,
    )
    return True


def order_claim_next(claimer: str | None = None) -> Order | None:
    """Claim the next ready order under a fresh lease, unless generation is paused or every slot is taken.

    An upstream pause whose next try is due lets one claim through (its trial) and pushes the next try back.
    """
    claimer = claimer or worker_id()
    leases_recover_expired()
    if claims_blocked():
        return None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK_KEY])
        now = timezone.now()
        if Order.objects.live_generating(now).count() >= settings.HERA_CONCURRENT_GENERATIONS:
            return None
        order = Order.objects.ready(now).in_claim_order().select_for_update(skip_locked=True).first()
        if order is None:
            return None
        if claims_blocked(now):  # another claimer took the trial while this one waited for the lock
            return None
        trial_take(now)
        order.claim(worker_id=claimer, lease_seconds=settings.HERA_LEASE_SECONDS)
    log.info(
        "order claimed %s by %s attempt %d/%d, %d left in queue",
        order.reference, claimer, order.attempts, settings.HERA_MAX_ATTEMPTS, selectors.queue_size(),
    )
    return order


def _fenced(order_id: int, lease_token) -> Order:
    """Lock and return the order if `lease_token` still holds its lease; raise LeaseLost otherwise."""
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or order.status != Status.GENERATING or order.lease_token != lease_token:
        raise LeaseLost(f"Order #{order_id}: lease {lease_token} is no longer held.")
    return order


def lease_renew(order_id: int, lease_token, heartbeat_id: str | None = None) -> bool:
    """Renew the lease; return False when it was lost and the worker must stop."""
    now = timezone.now()
    renewed = Order.objects.filter(pk=order_id, status=Status.GENERATING, lease_token=lease_token).update(
        lease_expires_at=now + timedelta(seconds=settings.HERA_LEASE_SECONDS)
    )
    heartbeat_record(heartbeat_id or cluster_id(), order_id if renewed else None)
    return bool(renewed)


def heartbeat_record(heartbeat_id: str, order_id: int | None = None) -> None:
    """Say this worker is alive, what it holds, and how many books at once it makes (the number in force)."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=heartbeat_id[:100],
        defaults={"seen_at": timezone.now(), "current_order_id": order_id, **heartbeat_concurrency()},
    )


def heartbeat_concurrency() -> dict:
    """Return the heartbeat's fields for the number of books at once this worker's claims obey, and its source."""
    return {
        "concurrent_generations": settings.HERA_CONCURRENT_GENERATIONS,
        "concurrency_source": settings.HERA_CONCURRENT_GENERATIONS_SOURCE[:200],
    }


def heartbeat_forget(heartbeat_id: str) -> int:
    """Forget a worker cluster that stopped cleanly, holding nothing: the live queue has no silent worker to show."""
    deleted, _ = WorkerHeartbeat.objects.filter(worker_id=heartbeat_id[:100], current_order__isnull=True).delete()
    return deleted


def checkpoint_write_fenced(order_id: int, lease_token, write: Callable[[], None]) -> None:
    """Run `write` (a page checkpoint) holding the order's row, if `lease_token` still holds the lease.

    The row lock is the fence: recovery and a new claim lock the row too, so a worker whose lease is lost (expired,
    recovered, claimed again by a new instance) raises LeaseLost here and never overwrites the new attempt's pages.
    """
    with transaction.atomic():
        _fenced(order_id, lease_token)
        write()


def order_record_progress(order_id: int, lease_token, pages_done: int) -> None:
    """Record that `pages_done` pages are finished; raise LeaseLost if the lease is gone."""
    _fenced_update(order_id, lease_token, pages_done=pages_done)
    total = Order.objects.filter(pk=order_id).values_list("pages_total", flat=True).first()
    log.info("order progress #%d page %d/%d", order_id, pages_done, total or 0)


def order_record_previews(order_id: int, lease_token, pages: list[int]) -> None:
    """Record which pages (1-based) have their small picture; raise LeaseLost if the lease is gone."""
    _fenced_update(order_id, lease_token, preview_pages=pages)


def order_save_story(order_id: int, lease_token, story: dict) -> None:
    """Checkpoint the written story so a resumed attempt does not write it again."""
    _fenced_update(order_id, lease_token, story=story)


def _fenced_update(order_id: int, lease_token, **changes) -> None:
    """Write `changes` in one UPDATE if `lease_token` still holds the lease; raise LeaseLost otherwise."""
    updated = Order.objects.filter(pk=order_id, status=Status.GENERATING, lease_token=lease_token).update(
        **changes, updated_at=timezone.now()
    )
    if not updated:
        raise LeaseLost(f"Order #{order_id}: lease {lease_token} is no longer held.")


def order_record_usage(order_id: int, usage: dict[str, dict[str, int]]) -> None:
    """Add calls and tokens to the order's running total (billed even when the attempt fails, so not fenced)."""
    if not usage:
        return
    with transaction.atomic():
        order = Order.objects.select_for_update().only("id", "generation_usage").filter(pk=order_id).first()
        if order is None:
            return
        total = order.generation_usage or {}
        for role, counts in usage.items():
            kept = total.setdefault(role, {})
            for name, value in counts.items():
                kept[name] = kept.get(name, 0) + value
        Order.objects.filter(pk=order_id).update(generation_usage=total)


def order_finish(order_id: int, lease_token, pdf_name: str, *, worker_id: str = "worker") -> Order:
    """Mark the book done with its PDF, and queue the `ready` email."""
    with transaction.atomic():
        order = _fenced(order_id, lease_token)
        order.finish(pdf_name=pdf_name, actor=worker_id)
        outbox_add(order, EmailKind.READY)
    seconds = (order.finished_at - order.started_at).total_seconds() if order.started_at else 0
    log.info("order completed %s %d pages in %.1fs", order.reference, order.pages_total, seconds)
    return order


def order_release(order_id: int, lease_token, reason: str, *, worker_id: str = "worker") -> Order:
    """Give the order back in its place without counting the attempt, and send no email: not the book's fault."""
    with transaction.atomic():
        order = _fenced(order_id, lease_token)
        order.release(actor=worker_id, reason=reason[:2000])
    log.warning("order released %s back in its place, attempt not counted: %s", order.reference, reason)
    return order


# Doubling stops here: with a generous HERA_MAX_ATTEMPTS it would otherwise park a paid order for hours, then days.
RETRY_MAX_SECONDS = 900


def retry_delay_seconds(attempts: int) -> int:
    doublings = min(max(0, attempts - 1), 16)  # bounded, so the power stays small whatever the attempt count
    base = settings.HERA_RETRY_BACKOFF_SECONDS
    return min(base * 2**doublings, max(base, RETRY_MAX_SECONDS))


def order_fail(order_id: int, lease_token, error: str, *, worker_id: str = "worker") -> Order:
    """Record a failed attempt: back to the queue with a backoff, or `failed` at the attempt limit."""
    error = error[:2000]
    with transaction.atomic():
        order = _fenced(order_id, lease_token)
        if order.attempts >= settings.HERA_MAX_ATTEMPTS:
            order.fail(error=error, actor=worker_id)
            outbox_order_failed(order)
        else:
            order.retry_later(error=error, actor=worker_id, delay_seconds=retry_delay_seconds(order.attempts))
    log.warning(
        "order failed %s attempt %d/%d: %s%s",
        order.reference, order.attempts, settings.HERA_MAX_ATTEMPTS, error,
        "" if order.status == Status.FAILED else " (will retry)",
    )
    return order


def order_defer(order_id: int, lease_token, reason: str, *, worker_id: str = "worker") -> Order:
    """Hand back a book whose own calls met weather while a probe passed: uncounted the first time, after a back-off;
    from the second time on, a failed attempt of its own (so it cannot loop at the head of the queue)."""
    with transaction.atomic():
        order = _fenced(order_id, lease_token)
        if order.weather_strikes < 1:
            order.defer(actor=worker_id, reason=reason[:2000], delay_seconds=retry_delay_seconds(1))
    if order.status == Status.QUEUED:
        log.warning("order deferred %s, attempt not counted, weather only this book met: %s", order.reference, reason)
        return order
    return order_fail(order_id, lease_token, reason, worker_id=worker_id)


# What a worker's write left behind, looked for when its connection was lost around the COMMIT (orders/blips.py).


def claimed_by(claimer: str) -> Order | None:
    """Return the order `claimer` holds a live lease on: its claim landed although the answer was lost."""
    return Order.objects.live_generating().filter(worker_id=claimer[:100]).order_by("-started_at").first()


def finished_with(order_id: int, pdf_name: str) -> Order | None:
    """Return the order if it is done with the book `pdf_name`: the worker's finish landed."""
    return Order.objects.filter(pk=order_id, status=Status.DONE, pdf=pdf_name).first()


def failure_recorded(order_id: int, error: str, claimer: str) -> Order | None:
    """Return the order if `claimer` already took it out of generating with `error`: the worker's fail landed."""
    order = Order.objects.filter(pk=order_id, last_error=error[:2000]).exclude(status=Status.GENERATING).first()
    last = order.events.order_by("-at", "-id").first() if order else None
    if last is None or last.from_status != Status.GENERATING or last.actor != claimer[:100]:
        return None
    return order


def leases_recover_expired() -> int:
    """Put orders whose worker vanished back in their place in the queue; fail them at the attempt limit."""
    recovered = 0
    while True:
        with transaction.atomic():
            order = Order.objects.expired_leases().select_for_update(skip_locked=True).order_by("id").first()
            if order is None:
                return recovered
            if order.attempts >= settings.HERA_MAX_ATTEMPTS and not order.attempt_made_progress:
                order.fail(
                    error=f"the worker lost its lease on each of {order.attempts} attempts", actor="recovery"
                )
                outbox_order_failed(order)
            else:
                worker = order.worker_id
                order.recover()
        recovered += 1
        if order.status == Status.FAILED:
            log.warning("order failed %s: lease lost on attempt %d, no attempts left", order.reference, order.attempts)
        else:
            log.warning(
                "order recovered after a lost lease %s (worker %s, attempt %d/%d), back in its place",
                order.reference, worker, order.attempts, settings.HERA_MAX_ATTEMPTS,
            )


# Staff operations on the order of the queue. They change no status, but are recorded in the order's history. Each
# takes an order its caller has locked (orders/staff.py), so a staff action locks the row once.


def order_move_to_front(order: Order, *, actor: str) -> None:
    """Give the locked, queued order the first place: the highest queued priority, ahead of everyone at it."""
    top = Order.objects.queued().exclude(pk=order.pk).aggregate(Max("priority"))["priority__max"]
    priority = max(order.priority, top if top is not None else order.priority)
    first = Order.objects.queued().filter(priority=priority).exclude(pk=order.pk).aggregate(Min("queued_at"))
    earliest = first["queued_at__min"]
    queued_at = min(order.queued_at, earliest - timedelta(milliseconds=1)) if earliest else order.queued_at
    order.priority, order.queued_at = priority, queued_at
    with transaction.atomic():
        order.save(update_fields=["priority", "queued_at", "updated_at"])
        order.note(actor=actor, note="moved to the front of the queue")
    log.info("order moved to front %s by %s", order.reference, actor)


def order_set_priority(order: Order, priority: int, *, actor: str) -> None:
    """Give the locked order `priority`."""
    if priority not in Priority.values:
        raise ValueError(f"Unknown priority {priority!r}.")
    order.priority = priority
    with transaction.atomic():
        order.save(update_fields=["priority", "updated_at"])
        order.note(actor=actor, note=f"priority set to {Priority(priority).label}")

