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
    # A payment arrived that does not match its order (amount, currency, session, test money): staff accept or refund.
    PAYMENT_CHECK = "payment_check", _("Payment to check")


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
    # A matching payment also queues an order held for a foreign one (a 1 € Payment Link naming it): staff still
    # see the held payment, flagged on the order.
    "queue": Transition(frozenset({Status.PENDING_PAYMENT, Status.EXPIRED, Status.PAYMENT_CHECK}), Status.QUEUED),
    "claim": Transition(frozenset({Status.QUEUED}), Status.GENERATING),
    "finish": Transition(frozenset({Status.GENERATING}), Status.DONE),
    "retry_later": Transition(frozenset({Status.GENERATING}), Status.QUEUED),
    "recover": Transition(frozenset({Status.GENERATING}), Status.QUEUED),
    # Handed back uncounted: the generator's setup failed or the upstream's weather paused generation
    # (orders/pause.py), memory ran short, or the worker was asked to stop (a deploy, a plan change, a sleep:
    # hera/stopping.py).
    "release": Transition(frozenset({Status.GENERATING}), Status.QUEUED),
    # The book's own calls met weather while a neutral probe of the same call was answered: handed back after a
    # back-off, uncounted the first time (generation/faults.py, orders/queue.py).
    "defer": Transition(frozenset({Status.GENERATING}), Status.QUEUED),
    "fail": Transition(frozenset({Status.GENERATING}), Status.FAILED),
    # Staff cancel what is in line (orders/staff.py: never an unpaid order, whose checkout may still be paid). A
    # pending order could be cancelled by its failed payment until issue 18; such orders exist and stay retryable.
    "cancel": Transition(frozenset({Status.PENDING_PAYMENT, Status.QUEUED, Status.GENERATING}), Status.CANCELLED),
    "expire": Transition(frozenset({Status.PENDING_PAYMENT}), Status.EXPIRED),
    # A refund can be delivered before the payment it undoes (Stripe sends events in any order).
    "refund": Transition(frozenset({*_LIVE, Status.EXPIRED, Status.PAYMENT_CHECK}), Status.REFUNDED),
    # A payment that does not match its order waits for staff, who accept it (queue the book) or refund it.
    "hold_payment": Transition(frozenset({Status.PENDING_PAYMENT, Status.EXPIRED}), Status.PAYMENT_CHECK),
    "accept_payment": Transition(frozenset({Status.PAYMENT_CHECK}), Status.QUEUED),
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
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT, editable=False)
    priority = models.SmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.HIGH)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PAID)
    amount_cents = models.PositiveIntegerField(_("amount (cents)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="eur")

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, editable=False)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True, editable=False, help_text=_("Retry backoff."))

    # The lease of the worker generating the order; every worker write is fenced by lease_token.
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True, editable=False)
    lease_token = models.UUIDField(_("lease token"), null=True, blank=True, editable=False)
    worker_id = models.CharField(_("worker"), max_length=100, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, editable=False)
    # Attempts whose calls failed with 5xx or timeouts while a neutral probe of the same call passed: from the second
    # one on, such an attempt is charged as the book's own fault, so no order loops at the head of the queue.
    weather_strikes = models.PositiveSmallIntegerField(_("weather strikes"), default=0, editable=False)
    # pages_done when the current attempt began: an attempt whose lease was lost counts only if it finished no page.
    pages_at_claim = models.PositiveSmallIntegerField(_("pages at claim"), default=0, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)

    # Progress and result. `story` is the checkpoint of the written story; finished pages are files in storage.
    pages_done = models.PositiveSmallIntegerField(_("pages done"), default=0, editable=False)
    pages_total = models.PositiveSmallIntegerField(_("pages in total"), default=0, editable=False)
    story = models.JSONField(_("story"), null=True, blank=True, editable=False)
    pdf = models.FileField(_("PDF"), upload_to="books/", max_length=255, blank=True, editable=False)
    # Pages (1-based) whose small picture exists (orders/previews.py): kept after the page checkpoints are purged.
    preview_pages = models.JSONField(_("pages with a preview"), default=list, blank=True, editable=False)
    # The generator that made the book (settings.HERA_GENERATOR): the learned ETA compares like with like.
    generator = models.CharField(_("generator"), max_length=20, blank=True, editable=False)
    # What making the book cost, summed over every attempt: {"story"|"pictures": {"calls", "retries",
    # "prompt_tokens", "output_tokens", "thoughts_tokens"}}, from the usageMetadata Google returns.
    generation_usage = models.JSONField(_("generation usage"), default=dict, blank=True, editable=False)

    stripe_session_id = models.CharField(_("Stripe Checkout Session"), max_length=255, null=True, blank=True, unique=True, editable=False)
    stripe_payment_intent_id = models.CharField(_("Stripe PaymentIntent"), max_length=255, null=True, blank=True, unique=True, editable=False)
    # Each new Checkout Session of the order (the first one, or after the customer left Stripe) is one attempt, with
    # an idempotency key of its own: a key reused within 24 hours would make Stripe replay the old session.
    checkout_attempts = models.PositiveSmallIntegerField(_("checkout attempts"), default=0, editable=False)
    # The customer finished Stripe's page: a delayed payment (SEPA debit…) is on its way, so the order never expires.
    checkout_completed_at = models.DateTimeField(_("checkout completed at"), null=True, blank=True, editable=False)
    payment_failed_at = models.DateTimeField(_("payment failed at"), null=True, blank=True, editable=False)
    # Test or live money, as the payment said (accepting test money for a book is refused).
    payment_livemode = models.BooleanField(_("live money"), null=True, blank=True, editable=False)
    # Why a payment waits for staff (the order is payment_check), or an extra payment that reached a paid order.
    payment_check_reason = models.TextField(_("payment to check"), blank=True, editable=False)
    # A staff refund: asked (committed before Stripe is called), then Stripe's refund id (after it answered).
    refund_requested_at = models.DateTimeField(_("refund asked at"), null=True, blank=True, editable=False)
    stripe_refund_id = models.CharField(_("Stripe refund"), max_length=255, blank=True, editable=False)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
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
        if verb == "expire" and self.checkout_completed_at is not None:
            return False  # a completed checkout means a payment is on its way: never "nothing was charged"
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

    def note(self, *, actor: str, note: str) -> "OrderEvent":
        """Write a line in the order's history without changing its status (a staff step, a payment to check)."""
        return OrderEvent.objects.create(
            order=self, from_status=self.status, to_status=self.status, actor=actor[:100], note=note[:2000]
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
            pages_at_claim=self.pages_done,
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
        """Give a claimed order back, in its place, without counting the attempt: not the book's fault."""
        return self._transition(
            "release",
            actor=actor,
            note=f"released, attempt {self.attempts} not counted: {reason}",
            attempts=max(0, self.attempts - 1),
            not_before=None,
            **self._lease_cleared(),
        )

    def defer(self, *, actor: str, reason: str, delay_seconds: int) -> "OrderEvent":
        """Give the order back uncounted after weather only its own calls met; not claimable before the back-off."""
        return self._transition(
            "defer",
            actor=actor,
            note=f"handed back after weather only this book met, attempt {self.attempts} not counted: {reason}",
            attempts=max(0, self.attempts - 1),
            weather_strikes=self.weather_strikes + 1,
            last_error=reason,
            not_before=timezone.now() + timedelta(seconds=delay_seconds),
            **self._lease_cleared(),
        )

    @property
    def attempt_made_progress(self) -> bool:
        """Tell whether the attempt in hand finished a page (its lease may then be lost without counting it)."""
        return self.pages_done > self.pages_at_claim

    def recover(self, *, actor: str = "recovery") -> "OrderEvent":
        """Return an order whose worker vanished to the queue, in its original place; the attempt counts only if it
        finished no page (a killed instance is the platform's weather; a book that kills its worker makes no page)."""
        counted = not self.attempt_made_progress
        note = f"lease of {self.worker_id or 'a worker'} expired during attempt {self.attempts}"
        return self._transition(
            "recover",
            actor=actor,
            note=note if counted else f"{note}, not counted: it finished pages {self.pages_at_claim + 1}-{self.pages_done}",
            last_error=f"worker lost its lease during attempt {self.attempts}",
            attempts=self.attempts if counted else max(0, self.attempts - 1),
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

    def hold_payment(self, *, actor: str, reason: str, livemode: bool | None) -> "OrderEvent":
        """Keep a payment that does not match the order for staff to accept or refund."""
        return self._transition(
            "hold_payment", actor=actor, note=reason, payment_check_reason=reason, payment_livemode=livemode,
            paid_at=self.paid_at or timezone.now(),
        )

    def accept_payment(self, *, actor: str, note: str = "") -> "OrderEvent":
        """Queue the book of a payment staff checked and accepted."""
        now = timezone.now()
        return self._transition(
            "accept_payment", actor=actor, note=note or "payment accepted by staff", payment_check_reason="",
            queued_at=now, not_before=None,
            pages_total=self.page_count, paid_at=self.paid_at or now,
        )

    def refund(self, *, actor: str, note: str = "") -> "OrderEvent":
        return self._transition("refund", actor=actor, note=note, **self._lease_cleared())

    def staff_retry(self, *, actor: str, note: str = "") -> "OrderEvent":
        """Put a failed or cancelled order back in the queue, in its original place, with fresh attempts."""
        return self._transition(
            "staff_retry",
            actor=actor,
            note=note or "retried by staff",
            attempts=0,
            weather_strikes=0,
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
            weather_strikes=0,
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

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order"))
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.CharField(_("by"), max_length=100, help_text=_("Who made the change: a user, stripe, a worker, recovery."))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("history of transitions and attempts")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status} by {self.actor}"


class ProcessedStripeEvent(models.Model):
    """A Stripe event id already handled: a redelivery of the same event changes nothing."""

    event_id = models.CharField(_("event id"), max_length=255, primary_key=True)
    event_type = models.CharField(_("event type"), max_length=100)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="stripe_events", verbose_name=_("order"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("processed Stripe event")
        verbose_name_plural = _("processed Stripe events")

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class EmailKind(models.TextChoices):
    QUEUED = "queued", _("Order confirmation")
    READY = "ready", _("Book ready")
    FAILED = "failed", _("Generation failed")
    REFUNDED = "refunded", _("Refunded")
    DELAYED = "delayed", _("Book delayed")
    STAFF_ALERT = "staff_alert", _("Staff alert")
    PAYMENT_PENDING = "payment_pending", _("Payment on its way")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    PAYMENT_CHECK = "payment_check", _("Payment to check (staff)")


class OutboundEmail(models.Model):
    """The outbox: written in the same transaction as the change that causes it, delivered after commit.

    `dedupe_key` makes "at most once per order and kind" a database fact; a staff resend gets a key of its own.
    """

    # None for a staff alert about generation as a whole (a long pause).
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.CASCADE, related_name="emails", verbose_name=_("order")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EmailKind.choices)
    note = models.TextField(_("note"), blank=True, help_text=_("What a staff alert says."))
    dedupe_key = models.CharField(_("deduplication key"), max_length=150, unique=True)
    to = models.EmailField(_("to"), max_length=254)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="email_pending_idx", condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} email for {self.order.reference if self.order else 'staff'}"

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
    # Upstream weather: when one claim may go through to try again, and the back-off that led there.
    next_try_at = models.DateTimeField(null=True, blank=True)
    backoff_seconds = models.PositiveIntegerField(default=0)
    # The kind of call refused ("story" or "pictures"): a recheck repeats it with a neutral prompt.
    probe = models.CharField(max_length=20, blank=True)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["paused_at"]

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


class WorkerHeartbeat(models.Model):
    """The last sign of life of each worker process, shown by /healthz and the admin's queue page."""

    worker_id = models.CharField(_("worker"), max_length=100, unique=True)
    seen_at = models.DateTimeField(_("seen at"), default=timezone.now)
    current_order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("current order")
    )
    # The worker's HERA_CONCURRENT_GENERATIONS, which its claims obey: the web's positions and ETAs use it
    # (selectors.concurrent_generations), so `auto` is reckoned once, from the worker's own memory.
    concurrent_generations = models.PositiveSmallIntegerField(_("books at once"), null=True, blank=True)
    concurrency_source = models.CharField(_("books at once from"), max_length=200, blank=True)
    # The generator's state as its start-up check found it (orders.tasks.generator_check), for the live queue.
    generator_state = models.TextField(_("generator state"), blank=True)
    generator_checked_at = models.DateTimeField(_("generator checked at"), null=True, blank=True)

    # A worker beats every minute from queue_tick, and every third of a lease while it builds a book: after three
    # silent minutes it is reported as silent (by /healthz and the admin's live queue alike).
    SILENCE_SECONDS = 180

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

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
