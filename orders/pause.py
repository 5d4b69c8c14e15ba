"""Pausing generation: while any pause is recorded, no worker claims an order; each pause says why.

A pause has a source (`configuration` here; a memory guard may add its own) and a reason in plain words, shown by
/healthz (`"generation": "paused: <reason>"`) and in red on the admin's live queue.
"""

import logging

from django.utils import timezone

from .models import GenerationPause

log = logging.getLogger("hera.queue")

CONFIGURATION = "configuration"


def generation_pause(source: str, reason: str, *, fingerprint: str = "") -> GenerationPause:
    """Stop claiming orders because of `source`; log it once per new reason."""
    reason = reason[:2000]
    now = timezone.now()
    pause, created = GenerationPause.objects.get_or_create(
        source=source, defaults={"reason": reason, "fingerprint": fingerprint, "paused_at": now, "checked_at": now}
    )
    if not created:
        changed = pause.reason != reason
        pause.reason, pause.fingerprint, pause.checked_at = reason, fingerprint, now
        pause.save(update_fields=["reason", "fingerprint", "checked_at"])
        if not changed:
            return pause
    log.error("generation paused (%s): %s", source, reason)
    return pause


def generation_resume(source: str) -> bool:
    """Lift the pause of `source`; return whether there was one."""
    deleted, _ = GenerationPause.objects.filter(source=source).delete()
    if deleted:
        log.warning("generation resumed (%s)", source)
    return bool(deleted)


def generation_paused() -> bool:
    """Tell whether any pause is recorded (asked before every claim)."""
    return GenerationPause.objects.exists()


def paused_reason() -> str | None:
    """Return why generation is paused (every source's reason), or None when it runs."""
    reasons = list(GenerationPause.objects.values_list("reason", flat=True))
    return "; ".join(reasons) or None


def generation_state() -> str:
    """Return `ok` or `paused: <reason>`, as /healthz reports it."""
    reason = paused_reason()
    return f"paused: {reason}" if reason else "ok"
