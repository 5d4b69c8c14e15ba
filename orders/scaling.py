"""Scaling with the queue: recommend a bigger instance when the queue stays long, the smaller one when it empties.

`scale_evaluate` runs in every queue_tick; a queue that is long while generation is paused (orders/pause.py) never
calls for a bigger instance. Its memory is one ScalingState row (since when the queue is long, since
when it is empty, whether we scaled up), so the rule holds across restarts and between two workers' ticks (the row
is locked). A decision is a ScaleDecision row, logged once; `scale_deliver` then acts on the newest one at most once:
a signed JSON POST to HERA_SCALE_WEBHOOK_URL and/or a plan change through Render's API. A channel that did not
answer, or answered 5xx, 408 or 429, is asked again at later ticks (after 1, 2, 5 and 15 minutes, five attempts in
all) unless a newer decision overtakes it; a refusal (another 4xx) is recorded and left. A plan change restarts the
instance; the durable queue, the leases and the page checkpoints make that harmless.

Webhook: `POST HERA_SCALE_WEBHOOK_URL` with a JSON body
`{"id", "direction": "up"|"down", "plan", "queue_size", "reason", "decided_at"}` and the headers
`X-Hera-Timestamp` (Unix seconds) and `X-Hera-Signature: sha256=<hex>`, the HMAC-SHA256 with
HERA_SCALE_WEBHOOK_SECRET of `<timestamp>.<body>`. A receiver recomputes it, compares in constant time, and refuses
a timestamp older than a few minutes.

Render: `PATCH {RENDER_API_BASE}/services/{RENDER_SERVICE_ID}` with `{"serviceDetails": {"plan": <plan>}}` and
`Authorization: Bearer RENDER_API_KEY` (Render's "Update service" endpoint).
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Order, ScaleDecision, ScaleDirection, ScalingState
from .pause import generation_paused

log = logging.getLogger("hera.queue")

HTTP_TIMEOUT = 10
MAX_ATTEMPTS = 5
RETRY_MINUTES = (1, 2, 5, 15)  # after attempts 1..4: the last one about 23 minutes after the first


def scale_evaluate(now=None) -> ScaleDecision | None:
    """Update the queue's history with what waits now; record and return a decision when the rule calls for one."""
    now = now or timezone.now()
    ScalingState.objects.get_or_create(pk=1)
    with transaction.atomic():
        state = ScalingState.objects.select_for_update().get(pk=1)
        waiting = Order.objects.queued().count()
        # While generation is paused the queue grows for a reason a bigger instance does not fix, and the plan change
        # would restart the instance for nothing: the long queue's clock starts again once generation runs.
        busy = waiting > settings.HERA_SCALE_UP_QUEUE and not generation_paused()
        empty = waiting == 0 and not Order.objects.generating().exists()
        state.busy_since = (state.busy_since or now) if busy else None
        state.empty_since = (state.empty_since or now) if empty else None
        state.evaluated_at = now
        decision = None
        if not state.scaled_up and busy and now - state.busy_since >= timedelta(minutes=settings.HERA_SCALE_UP_MINUTES):
            reason = (
                f"more than {settings.HERA_SCALE_UP_QUEUE} orders waiting for "
                f"{settings.HERA_SCALE_UP_MINUTES} minutes ({waiting} now)"
            )
            decision = decide(ScaleDirection.UP, waiting, reason, settings.HERA_SCALE_UP_PLAN, now)
            state.scaled_up = True
        elif state.scaled_up and empty and now - state.empty_since >= timedelta(minutes=settings.HERA_SCALE_DOWN_MINUTES):
            reason = f"queue empty for {settings.HERA_SCALE_DOWN_MINUTES} minutes after a scale-up"
            decision = decide(ScaleDirection.DOWN, waiting, reason, settings.HERA_SCALE_DOWN_PLAN, now)
            state.scaled_up = False
        state.save()
    if decision:
        log.info("scaling: recommend scaling %s (%s)", decision.direction, decision.reason)
    return decision


def decide(direction: str, waiting: int, reason: str, plan: str, now) -> ScaleDecision:
    return ScaleDecision.objects.create(direction=direction, decided_at=now, queue_size=waiting, reason=reason, plan=plan)


def scale_deliver(now=None) -> ScaleDecision | None:
    """Act on the newest decision if it is due (see ScaleDecision.due); return it, or None when nothing was sent."""
    now = now or timezone.now()
    if not any(channel_configured(channel) for channel in SENDERS):
        return None
    with transaction.atomic():
        newest = ScaleDecision.objects.values_list("pk", flat=True).first()
        decision = ScaleDecision.objects.select_for_update(skip_locked=True).filter(pk=newest).first()
        if decision is None or not decision.due(now):
            return None
        # An older decision still unsent or waiting to be tried again was overtaken by this one: sending it now would
        # undo the newer one.
        older = ScaleDecision.objects.exclude(pk=decision.pk)
        older.filter(sent_at__isnull=True).update(sent_at=now, outcome="superseded by a newer decision, not sent")
        older.filter(retry_at__isnull=False).update(retry_at=None)
        decision.sent_at = decision.sent_at or now
        decision.attempts += 1
        decision.retry_at = None
        decision.save(update_fields=["sent_at", "attempts", "retry_at"])
    outcomes, passing_failure = [], False
    delivered_to = set(filter(None, decision.delivered_to.split(",")))
    for channel, send in SENDERS.items():
        if not channel_configured(channel) or channel in delivered_to:
            continue
        try:
            outcomes.append(f"{channel}: {send(decision)}")
            delivered_to.add(channel)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            passing_failure = passing_failure or passing(exc)
            outcomes.append(f"{channel}: failed, {describe(exc)}")
    decision.delivered = all(channel in delivered_to for channel in SENDERS if channel_configured(channel))
    if not decision.delivered and passing_failure and decision.attempts < MAX_ATTEMPTS:
        decision.retry_at = now + timedelta(minutes=RETRY_MINUTES[decision.attempts - 1])
        outcomes.append(f"trying again at {timezone.localtime(decision.retry_at):%H:%M}")
    attempt = "; ".join(outcomes)
    decision.outcome = attempt if decision.attempts == 1 else f"{decision.outcome}\nattempt {decision.attempts}: {attempt}"
    decision.delivered_to = ",".join(sorted(delivered_to))
    decision.save(update_fields=["outcome", "delivered", "delivered_to", "retry_at"])
    (log.info if decision.delivered else log.warning)(
        "scaling: %s decision #%d, attempt %d: %s", decision.direction, decision.pk, decision.attempts, attempt
    )
    return decision


def passing(exc: Exception) -> bool:
    """Tell a failure worth trying again (no answer, the server's own error, "too many requests") from a refusal."""
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500 or exc.code in (408, 429)
    return isinstance(exc, OSError)  # refused connection, timeout, unknown host (URLError is an OSError)


def channel_configured(channel: str) -> bool:
    return bool(settings.HERA_SCALE_WEBHOOK_URL if channel == "webhook" else settings.RENDER_API_KEY)


def describe(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.read()[:200].decode(errors='replace')}".rstrip()
    return f"{exc.__class__.__name__}: {exc}"


def decision_payload(decision: ScaleDecision) -> dict:
    return {
        "id": decision.pk,
        "direction": decision.direction,
        "plan": decision.plan or None,
        "queue_size": decision.queue_size,
        "reason": decision.reason,
        "decided_at": decision.decided_at.isoformat(),
    }


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Sign `<timestamp>.<body>` with HMAC-SHA256: the timestamp is signed too, so an old delivery cannot be replayed."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def send_webhook(decision: ScaleDecision) -> str:
    body = json.dumps(decision_payload(decision)).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        settings.HERA_SCALE_WEBHOOK_URL, data=body, method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Hera-Scaling/1",
            "X-Hera-Timestamp": timestamp,
            "X-Hera-Signature": webhook_signature(settings.HERA_SCALE_WEBHOOK_SECRET, timestamp, body),
        },
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        return f"HTTP {response.status}"


def send_render_plan(decision: ScaleDecision) -> str:
    if not decision.plan:
        raise ValueError("no plan for this decision (HERA_SCALE_UP_PLAN / HERA_SCALE_DOWN_PLAN)")
    request = urllib.request.Request(
        f"{settings.RENDER_API_BASE}/services/{settings.RENDER_SERVICE_ID}",
        data=json.dumps({"serviceDetails": {"plan": decision.plan}}).encode(),
        method="PATCH",
        headers={
            "Authorization": f"Bearer {settings.RENDER_API_KEY}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        return f"HTTP {response.status}, plan {decision.plan}"


SENDERS = {"webhook": send_webhook, "render": send_render_plan}  # in the order they are acted on


def admin_context(limit: int = 5) -> dict:
    """What the admin's live queue page shows of scaling: the latest decisions, newest first, and the rule."""
    return {
        "scaling_decisions": list(ScaleDecision.objects.all()[:limit]),
        "scale_up_queue": settings.HERA_SCALE_UP_QUEUE,
        "scale_up_minutes": settings.HERA_SCALE_UP_MINUTES,
    }
