"""Pausing generation: while a pause is recorded, no worker claims an order; each pause says why.

A pause has a source, which is also its kind: `configuration` (the generator's setup is refused), `upstream` (the
upstream's weather: quotas, 5xx, timeouts) or `memory` (orders/memory_guard.py). /healthz says only the kind; the
reason, in the upstream's own words, and since when and the next try, are for staff on the admin's live queue.

An upstream pause ends by itself: once its back-off is over, one real claim goes through (a trial); the first call
that succeeds lifts the pause, a trial that meets the weather again doubles the back-off, up to
HERA_UPSTREAM_BACKOFF_MAX_SECONDS, so generation resumes within a minute of the upstream's return. A spent per-day
quota waits for its reset.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import GenerationPause

log = logging.getLogger("hera.queue")

CONFIGURATION = "configuration"
UPSTREAM = "upstream"
MEMORY = "memory"
KINDS = (CONFIGURATION, UPSTREAM, MEMORY)  # the order /healthz names them in when several hold at once


def generation_pause(
    source: str, reason: str, *, fingerprint: str = "", probe: str = "", order_id: int | None = None,
    retry_at: datetime | None = None,
) -> GenerationPause:
    """Stop claiming orders because of `source`; log it once per new reason."""
    reason = reason[:2000]
    now = timezone.now()
    pause, created = GenerationPause.objects.get_or_create(
        source=source,
        defaults={
            "reason": reason, "fingerprint": fingerprint, "paused_at": now, "checked_at": now, "probe": probe,
            "order_id": order_id,
        },
    )
    changed = created or pause.reason != reason
    pause.reason, pause.fingerprint, pause.checked_at = reason, fingerprint, now
    pause.probe = probe or pause.probe
    pause.order_id = order_id or pause.order_id
    if source == UPSTREAM:
        # The first pause waits the base back-off, each trial met by the weather again doubles it, up to the cap.
        base, cap = settings.HERA_UPSTREAM_BACKOFF_SECONDS, settings.HERA_UPSTREAM_BACKOFF_MAX_SECONDS
        pause.backoff_seconds = base if created else min(cap, max(base, pause.backoff_seconds * 2))
        pause.next_try_at = max(now + timedelta(seconds=pause.backoff_seconds), retry_at or now)
    pause.save()
    if changed:
        log.error("generation paused (%s): %s", source, reason)
    return pause


def upstream_paused_since(moment: datetime) -> bool:
    """Tell whether the upstream's weather paused generation after `moment` (a book claimed then must be handed back;
    the trial claim of an older pause goes on)."""
    return GenerationPause.objects.filter(source=UPSTREAM, paused_at__gt=moment).exists()


def generation_resume(source: str, *, paused_before: datetime | None = None) -> bool:
    """Lift the pause of `source` (only one that began before `paused_before`, if given); return whether there was
    one."""
    pauses = GenerationPause.objects.filter(source=source)
    if paused_before is not None:
        pauses = pauses.filter(paused_at__lt=paused_before)
    deleted, _ = pauses.delete()
    if deleted:
        log.warning("generation resumed (%s)", source)
    return bool(deleted)


def generation_paused() -> bool:
    """Tell whether any pause is recorded (an upstream pause too, while its trial is due or running)."""
    return GenerationPause.objects.exists()


def claims_blocked(now: datetime | None = None) -> bool:
    """Tell whether claims must stop: any pause, except an upstream pause whose next try is due (its trial)."""
    now = now or timezone.now()
    return GenerationPause.objects.exclude(source=UPSTREAM, next_try_at__lte=now).exists()


def trial_take(now: datetime) -> None:
    """Let one claim through an upstream pause whose next try is due (call it locked)."""
    pause = GenerationPause.objects.filter(source=UPSTREAM, next_try_at__lte=now).first()
    if pause is None:
        return
    # While the trial runs no other claim goes through: its answer lifts the pause, its weather pauses again with a
    # longer back-off; only a trial whose worker vanished leaves the next try to its lease's end.
    pause.next_try_at = now + timedelta(seconds=max(1, pause.backoff_seconds, settings.HERA_LEASE_SECONDS))
    pause.save(update_fields=["next_try_at"])
    log.warning("generation paused (upstream): one claim goes through to try again")


def next_trial_at() -> datetime | None:
    return GenerationPause.objects.filter(source=UPSTREAM).values_list("next_try_at", flat=True).first()


def paused_kind() -> str | None:
    """Return the kind of pause in force (configuration first), or None when generation runs."""
    sources = set(GenerationPause.objects.values_list("source", flat=True))
    return next((kind for kind in KINDS if kind in sources), min(sources, default=None))


def paused_reason() -> str | None:
    """Return why generation is paused (every source's reason, staff's words), or None when it runs."""
    reasons = list(GenerationPause.objects.values_list("reason", flat=True))
    return "; ".join(reasons) or None


def generation_state() -> str:
    """Return `ok` or `paused: <kind>`, as /healthz reports it (never the upstream's words)."""
    kind = paused_kind()
    return f"paused: {kind}" if kind else "ok"


def pauses() -> list[GenerationPause]:
    """Every pause in force, with its order, for the admin's live queue."""
    return list(GenerationPause.objects.select_related("order").order_by("paused_at"))


# A pause is the shop's weather, not news for customers: only one that has held a book for an hour is told, once.
DELAYED_EMAIL_AFTER = timedelta(hours=1)
STAFF_ALERT_AFTER = timedelta(minutes=15)


def pause_notices_add(now: datetime | None = None) -> None:
    """Alert staff of a pause past 15 minutes, and email each customer whose book it held for over an hour (once)."""
    from .emails import outbox_add, outbox_staff_alert
    from .models import EmailKind, Order, Status

    now = now or timezone.now()
    paused = pauses()
    for pause in paused:
        if pause.paused_at <= now - STAFF_ALERT_AFTER:
            outbox_staff_alert(
                f"Generation paused ({pause.source}) since {pause.paused_at:%Y-%m-%d %H:%M} UTC: {pause.reason}",
                dedupe_key=f"pause-{pause.source}-{pause.paused_at:%Y%m%dT%H%M%S.%f}-staff_alert",
                order=pause.order,
            )
    held_since = now - DELAYED_EMAIL_AFTER
    if not any(pause.paused_at <= held_since for pause in paused):
        return
    held = Order.objects.filter(status__in=(Status.QUEUED, Status.GENERATING), queued_at__lte=held_since)
    for order in held.exclude(emails__kind=EmailKind.DELAYED):
        outbox_add(order, EmailKind.DELAYED)
