"""Orders: the customer's book, whose `status` doubles as the generation queue.

Only the transition methods below write `status`; each checks the table of allowed transitions and records an
OrderEvent. Queue-level operations that need locks (claim, lease, recovery) live in orders/queue.py.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from generation import appearance
from generation.offline.themes import THEMES

MIN_PAGES = 2
MAX_PAGES = 24
MIN_AGE = 1
MAX_AGE = 12


def new_token() -> str:
    """Return an unguessable public token (192 random bits, URL-safe)."""
    return secrets.token_urlsafe(24)


class InvalidTransition(Exception):
    """An order was asked to move to a status its current status does not allow."""


class LeaseLost(Exception):
    """A worker wrote to an order whose lease it no longer holds (expired, recovered, cancelled)."""


class Status(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    QUEUED = "queued", _("In the queue")
    GENERATING = "generating", _("Being created")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    EXPIRED = "expired", _("Expired")


@dataclass(frozen=True)
class Transition:
    """What one verb accepts and where it leads; the Order's method of the same name applies it."""

    sources: frozenset[str]
    target: str


_LIVE = (Status.PENDING_PAYMENT, Status.QUEUED, Status.GENERATING, Status.DONE, Status.FAILED, Status.CANCELLED)

# Every status change, by verb. Staff refusals, the admin's actions, the webhook and the checkout ask this table
# (Order.can) rather than repeating its rules.
TRANSITIONS: dict[str, Transition] = {
    # A payment that completes after its session expired is still a payment: it must be served.
    "queue": Transition(frozenset({Status.PENDING_PAYMENT, Status.EXPIRED}), Status.QUEUED),
    "claim": Transition(frozenset({Status.QUEUED}), Status.GENERATING),
    "finish": Transition(frozenset({Status.GENERATING}), Status.DONE),
    "retry_later": Transition(frozenset({Status.GENERATING}), Status.QUEUED),
    "recover": Transition(frozenset({Status.GENERATING}), Status.QUEUED),
    # The generator's setup failed (a refused key, a shut-down model): the attempt is not counted (orders/pause.py).
    "release": Transition(frozenset({Status.GENERATING}), Status.QUEUED),
    "fail": Transition(frozenset({Status.GENERATING}), Status.FAILED),
    # A pending order is cancelled only by its failed payment; staff cancel what is in line (orders/staff.py).
    "cancel": Transition(frozenset({Status.PENDING_PAYMENT, Status.QUEUED, Status.GENERATING}), Status.CANCELLED),
    "expire": Transition(frozenset({Status.PENDING_PAYMENT}), Status.EXPIRED),
    # A refund can be delivered before the payment it undoes (Stripe sends events in any order).
    "refund": Transition(frozenset({*_LIVE, Status.EXPIRED}), Status.REFUNDED),
    "staff_retry": Transition(frozenset({Status.FAILED, Status.CANCELLED}), Status.QUEUED),
    "regenerate": Transition(frozenset({Status.DONE}), Status.QUEUED),
}


class Priority(models.IntegerChoices):
    HIGH = 20, _("High")
    NORMAL = 10, _("Normal")
    LOW = 0, _("Low")


class Kind(models.TextChoices):
    PAID = "paid", _("Paid")
    FREE = "free", _("Free")
    TEST = "test", _("Test")


# A book's language and theme are declared once: in settings.LANGUAGES and in the theme records.
Language = models.TextChoices("Language", [(code.upper(), (code, name)) for code, name in settings.LANGUAGES])
Theme = models.TextChoices("Theme", [(theme.key.upper(), (theme.key, theme.label)) for theme in THEMES.values()])


class OrderQuerySet(models.QuerySet):
    def queued(self):
        return self.filter(status=Status.QUEUED)

    def generating(self):
        return self.filter(status=Status.GENERATING)

    def live_generating(self, now=None):
        return self.generating().filter(lease_expires_at__gt=now or timezone.now())

    def expired_leases(self, now=None):
        return self.generating().filter(lease_expires_at__lte=now or timezone.now())

    def ready(self, now=None):
        """Queued orders that may be claimed now (not waiting out a retry backoff)."""
        now = now or timezone.now()
        return self.queued().filter(Q(not_before__isnull=True) | Q(not_before__lte=now))

    def in_claim_order(self):
        return self.order_by(*CLAIM_ORDER)


CLAIM_ORDER = ("-priority", "queued_at", "id")


class Order(models.Model):
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)

    # The customer's inputs.
    email = models.EmailField(_("email"), max_length=254)
    child_name = models.CharField(_("child's first name"), max_length=40)
    child_age = models.PositiveSmallIntegerField(_("child's age"))
    theme = models.CharField(_("theme"), max_length=20, choices=Theme.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.FR)
    page_count = models.PositiveSmallIntegerField(_("number of pages"))
    dedication = models.TextField(_("dedication"), max_length=300, blank=True)
    # How the hero looks, from generation/appearance.py's closed lists; "" means "surprise me".
    skin_tone = models.CharField(
        _("skin tone"), max_length=20, blank=True, choices=appearance.form_choices("skin_tone")
    )
    hair_color = models.CharField(
        _("hair colour"), max_length=20, blank=True, choices=appearance.form_choices("hair_color")
    )
    hair_style = models.CharField(
        _("hairstyle"), max_length=20, blank=True, choices=appearance.form_choices("hair_style")
    )
    glasses = models.CharField(_("glasses"), max_length=20, blank=True, choices=appearance.form_choices("glasses"))

    # Queue state.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT, editable=False)
    priority = models.SmallIntegerField(choices=Priority.choices, default=Priority.HIGH)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PAID)
    amount_cents = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="eur")

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    not_before = models.DateTimeField(null=True, blank=True, editable=False, help_text="Retry backoff.")

    # The lease of the worker generating the order; every worker write is fenced by lease_token.
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    worker_id = models.CharField(max_length=100, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    last_error = models.TextField(blank=True, editable=False)

    # Progress and result. `story` is the checkpoint of the written story; finished pages are files in storage.
    pages_done = models.PositiveSmallIntegerField(default=0, editable=False)
    pages_total = models.PositiveSmallIntegerField(default=0, editable=False)
    story = models.JSONField(null=True, blank=True, editable=False)
    pdf = models.FileField(upload_to="books/", max_length=255, blank=True, editable=False)
    # Pages (1-based) whose small picture exists (orders/previews.py): kept after the page checkpoints are purged.
    preview_pages = models.JSONField(default=list, blank=True, editable=False)
    # The generator that made the book (settings.HERA_GENERATOR): the learned ETA compares like with like.
    generator = models.CharField(max_length=20, blank=True, editable=False)
    # What making the book cost, summed over every attempt: {"story"|"pictures": {"calls", "retries",
    # "prompt_tokens", "output_tokens", "thoughts_tokens"}}, from the usageMetadata Google returns.
    generation_usage = models.JSONField(default=dict, blank=True, editable=False)

    stripe_session_id = models.CharField(max_length=255, null=True, blank=True, unique=True, editable=False)
    stripe_payment_intent_id = models.CharField(max_length=255, null=True, blank=True, unique=True, editable=False)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The waiting rows in claim order: what queue.order_claim_next() and selectors.position() read.
            models.Index(
                F("priority").desc(),
                "queued_at",
                "id",
                name="order_queued_claim_idx",
                condition=Q(status="queued"),
            ),
            models.Index(fields=["status", "lease_expires_at"], name="order_status_lease_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(page_count__gte=MIN_PAGES) & Q(page_count__lte=MAX_PAGES), name="order_page_count_range"
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="order_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.child_name}"

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", kwargs={"token": self.token})

    @property
    def reference(self) -> str:
        """A short reference, safe to show staff and logs (never enough to guess the token)."""
        return f"#{self.pk}" if self.pk else "#new"

    @property
    def absolute_url(self) -> str:
        return settings.HERA_BASE_URL + self.get_absolute_url()

    @property
    def progress_percent(self) -> int:
        total = self.pages_total or self.page_count
        return round(100 * self.pages_done / total) if total else 0

    # Transitions, one method per verb of TRANSITIONS. Each one checks the table, sets every related field, saves
    # with update_fields and records an OrderEvent. Callers that race (worker, webhook, admin) lock the row first;
    # see orders/queue.py.

    def can(self, verb: str) -> bool:
        """Tell whether the transition `verb` accepts the order's current status."""
        return self.status in TRANSITIONS[verb].sources

    def _transition(self, verb: str, *, actor: str, note: str = "", **changes) -> "OrderEvent":
        target = TRANSITIONS[verb].target
        if not self.can(verb):
            raise InvalidTransition(
                f"Order {self.reference} cannot go from {self.status} to {target}"
                + (f" ({note})" if note else "")
                + "."
            )
        from_status = self.status
        self.status = target
        for field, value in changes.items():
            setattr(self, field, value)
        with transaction.atomic():
            self.save(update_fields=["status", "updated_at", *changes])
            return OrderEvent.objects.create(
                order=self, from_status=from_status, to_status=target, actor=actor[:100], note=note[:2000]
            )

    def queue(self, *, actor: str, note: str = "", priority: int | None = None) -> "OrderEvent":
        """Put the order in the queue for the first time (after payment, or as a free/test order)."""
        now = timezone.now()
        changes = {"queued_at": now, "not_before": None, "pages_total": self.page_count, "paid_at": self.paid_at or now}
        if priority is not None:
            changes["priority"] = priority
        return self._transition("queue", actor=actor, note=note, **changes)

    def claim(self, *, worker_id: str, lease_seconds: int) -> "OrderEvent":
        now = timezone.now()
        return self._transition(
            "claim",
            actor=worker_id,
            note=f"attempt {self.attempts + 1}",
            started_at=now,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            lease_token=uuid.uuid4(),
            worker_id=worker_id[:100],
            attempts=self.attempts + 1,
            not_before=None,
        )

    def finish(self, *, pdf_name: str, actor: str) -> "OrderEvent":
        return self._transition(
            "finish",
            actor=actor,
            note="book ready",
            pdf=pdf_name,
            generator=settings.HERA_GENERATOR,
            finished_at=timezone.now(),
            pages_done=self.pages_total,
            last_error="",
            **self._lease_cleared(),
        )

    def retry_later(self, *, error: str, actor: str, delay_seconds: int) -> "OrderEvent":
        """Put a failed attempt back in the queue, in its original place, after a backoff."""
        return self._transition(
            "retry_later",
            actor=actor,
            note=f"attempt {self.attempts} failed, retrying: {error}",
            last_error=error,
            not_before=timezone.now() + timedelta(seconds=delay_seconds) if delay_seconds else None,
            **self._lease_cleared(),
        )

    def release(self, *, actor: str, reason: str) -> "OrderEvent":
        """Give a claimed order back, in its place, without counting the attempt: the setup failed, not the book."""
        return self._transition(
            "release",
            actor=actor,
            note=f"released, attempt {self.attempts} not counted: {reason}",
            attempts=max(0, self.attempts - 1),
            not_before=None,
            **self._lease_cleared(),
        )

    def recover(self, *, actor: str = "recovery") -> "OrderEvent":
        """Return an order whose worker vanished to the queue, in its original place."""
        return self._transition(
            "recover",
            actor=actor,
            note=f"lease of {self.worker_id or 'a worker'} expired during attempt {self.attempts}",
            last_error=f"worker lost its lease during attempt {self.attempts}",
            **self._lease_cleared(),
        )

    def fail(self, *, error: str, actor: str) -> "OrderEvent":
        return self._transition(
            "fail",
            actor=actor,
            note=error,
            last_error=error,
            finished_at=timezone.now(),
            **self._lease_cleared(),
        )

    def cancel(self, *, actor: str, note: str = "") -> "OrderEvent":
        return self._transition("cancel", actor=actor, note=note, **self._lease_cleared())

    def expire(self, *, actor: str, note: str = "") -> "OrderEvent":
        return self._transition("expire", actor=actor, note=note)

    def refund(self, *, actor: str, note: str = "") -> "OrderEvent":
        return self._transition("refund", actor=actor, note=note, **self._lease_cleared())

    def staff_retry(self, *, actor: str, note: str = "") -> "OrderEvent":
        """Put a failed or cancelled order back in the queue, in its original place, with fresh attempts."""
        return self._transition(
            "staff_retry",
            actor=actor,
            note=note or "retried by staff",
            attempts=0,
            last_error="",
            queued_at=self.queued_at or timezone.now(),
            not_before=None,
            pages_total=self.page_count,
        )

    def regenerate(self, *, actor: str, note: str = "") -> "OrderEvent":
        """Queue a done book to be made again; the old PDF stays until the new one replaces it."""
        return self._transition(
            "regenerate",
            actor=actor,
            note=note or "regeneration requested",
            attempts=0,
            last_error="",
            queued_at=timezone.now(),
            not_before=None,
            story=None,
            preview_pages=[],
            pages_done=0,
            pages_total=self.page_count,
        )

    @staticmethod
    def _lease_cleared() -> dict:
        return {"lease_expires_at": None, "lease_token": None, "worker_id": ""}


class OrderEvent(models.Model):
    """One status change: the audit trail behind every order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=100, help_text="Who made the change: a user, stripe, a worker, recovery.")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status} by {self.actor}"


class ProcessedStripeEvent(models.Model):
    """A Stripe event id already handled: a redelivery of the same event changes nothing."""

    event_id = models.CharField(max_length=255, primary_key=True)
    event_type = models.CharField(max_length=100)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="stripe_events")
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class EmailKind(models.TextChoices):
    QUEUED = "queued", _("Order confirmation")
    READY = "ready", _("Book ready")
    FAILED = "failed", _("Generation failed")
    REFUNDED = "refunded", _("Refunded")


class OutboundEmail(models.Model):
    """The outbox: written in the same transaction as the change that causes it, delivered after commit.

    `dedupe_key` makes "at most once per order and kind" a database fact; a staff resend gets a key of its own.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=20, choices=EmailKind.choices)
    dedupe_key = models.CharField(max_length=150, unique=True)
    to = models.EmailField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="email_pending_idx", condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} email for {self.order.reference}"

    @property
    def message_id(self) -> str:
        """A stable Message-ID, so a retried delivery is recognisably the same message."""
        domain = settings.HERA_BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "hera.local"
        return f"<{self.dedupe_key.replace(':', '.')}@{domain}>"


class GenerationPause(models.Model):
    """A reason to claim no order (a generator configuration error, a memory guard…), one row per source.

    Generation runs while the table is empty. The row lives in the database so every process sees it: the worker
    that stops claiming, /healthz and the admin's live queue in the web process.
    """

    source = models.CharField(max_length=40, primary_key=True)
    reason = models.TextField()
    # What the configuration was when it failed (a hash, never a key): a worker started with another one retries.
    fingerprint = models.CharField(max_length=64, blank=True)
    paused_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["paused_at"]

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


class WorkerHeartbeat(models.Model):
    """The last sign of life of each worker process, shown by /healthz and the admin's queue page."""

    worker_id = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)
    current_order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    # A worker beats every minute from queue_tick, and every third of a lease while it builds a book: after three
    # silent minutes it is reported as silent (by /healthz and the admin's live queue alike).
    SILENCE_SECONDS = 180

    def __str__(self) -> str:
        return self.worker_id

    def seconds_ago(self, now=None) -> int:
        return round(((now or timezone.now()) - self.seen_at).total_seconds())

    def is_alive(self, now=None) -> bool:
        return self.seconds_ago(now) <= self.SILENCE_SECONDS


class ScaleDirection(models.TextChoices):
    UP = "up", _("Scale up")
    DOWN = "down", _("Scale down")


class ScalingState(models.Model):
    """What the scaling rule remembers between two queue ticks (one row): since when the queue is long or empty."""

    busy_since = models.DateTimeField(null=True, blank=True)
    empty_since = models.DateTimeField(null=True, blank=True)
    scaled_up = models.BooleanField(default=False)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "scaled up" if self.scaled_up else "base size"


class ScaleDecision(models.Model):
    """A recommendation to change the instance's size, recorded once, and what was done about it."""

    direction = models.CharField(max_length=4, choices=ScaleDirection.choices)
    decided_at = models.DateTimeField(default=timezone.now, db_index=True)
    queue_size = models.PositiveIntegerField()
    reason = models.TextField()
    plan = models.CharField(max_length=50, blank=True, help_text="HERA_SCALE_UP_PLAN or HERA_SCALE_DOWN_PLAN.")
    # Acted on at most once: `sent_at` and each attempt are committed before anything leaves, so a crash never sends
    # it twice. Only a failure known to be passing (no answer, 5xx, 408, 429) is tried again, at `retry_at`.
    sent_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    delivered = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    delivered_to = models.CharField(max_length=40, blank=True, help_text="The channels that took it, comma-separated.")

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.direction} at {self.decided_at:%Y-%m-%d %H:%M}"

    def due(self, now) -> bool:
        """Tell whether it waits to be sent: never sent yet, or a passing failure whose time to try again has come."""
        return self.sent_at is None or (self.retry_at is not None and self.retry_at <= now)
