"""The email outbox: rows written with the change that causes them, delivered after commit, retried until sent.

A row is sent inside the transaction that holds its lock (`SELECT … FOR UPDATE SKIP LOCKED`) and marks it sent, so
two senders (the after-commit thread, the worker's periodic sweep) never send the same row. If the commit itself
failed after SMTP accepted the message, the retry carries the same Message-ID, which mail clients deduplicate.
"""

import logging
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy

from generation.elision import elide_names

from . import pause, previews, selectors
from .models import EmailKind, Kind, Order, OutboundEmail

log = logging.getLogger("hera.emails")

SUBJECTS = {
    EmailKind.QUEUED: gettext_lazy("%(name)s's book is in the queue"),
    EmailKind.READY: gettext_lazy("%(name)s's book is ready"),
    EmailKind.FAILED: gettext_lazy("We could not create %(name)s's book"),
    EmailKind.REFUNDED: gettext_lazy("Your order for %(name)s has been refunded"),
    EmailKind.DELAYED: gettext_lazy("%(name)s's book is delayed"),
    EmailKind.PAYMENT_PENDING: gettext_lazy("%(name)s's book: your payment is on its way"),
    EmailKind.PAYMENT_FAILED: gettext_lazy("%(name)s's book: your payment did not go through"),
    EmailKind.PAYMENT_CHECK: gettext_lazy("Payment to check for order %(reference)s"),
}
# Emails to staff (HERA_STAFF_EMAIL), in the admin's language rather than the customer's.
STAFF_KINDS = {EmailKind.PAYMENT_CHECK, EmailKind.STAFF_ALERT}
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600


def outbox_add(order: Order, kind: str, *, dedupe_key: str | None = None) -> OutboundEmail | None:
    """Add one email of `kind` for the order to the outbox; return None if that email already exists."""
    key = dedupe_key or f"order-{order.pk}-{kind}"
    email, created = OutboundEmail.objects.get_or_create(
        dedupe_key=key, defaults={"order": order, "kind": kind, "to": order.email}
    )
    if not created:
        return None
    # Robust: the change is already committed; a failed start is retried by the sweep and must not look like a
    # failure of that change to its caller (the worker would delete the book it just finished).
    transaction.on_commit(lambda: email_deliver_soon(email.pk), robust=True)
    return email


def staff_address() -> str:
    """Return where staff emails go: HERA_STAFF_EMAIL, else the first of Django's ADMINS, else nowhere."""
    if settings.HERA_STAFF_EMAIL:
        return settings.HERA_STAFF_EMAIL
    admins = settings.ADMINS
    return admins[0][1] if admins and isinstance(admins[0], (tuple, list)) else (admins[0] if admins else "")


def outbox_add_staff(order: Order | None, kind: str, *, dedupe_key: str, note: str = "") -> OutboundEmail | None:
    """Add one staff email (about the order, if any) to the outbox; None when it exists or no staff address is set."""
    to = staff_address()
    if not to:
        log.warning("no HERA_STAFF_EMAIL: staff are not emailed (%s): %s", kind, note or (order and order.reference))
        return None
    email, created = OutboundEmail.objects.get_or_create(
        dedupe_key=dedupe_key[:150], defaults={"order": order, "kind": kind, "to": to, "note": note}
    )
    if not created:
        return None
    transaction.on_commit(lambda: email_deliver_soon(email.pk), robust=True)
    return email


def outbox_staff_alert(note: str, *, dedupe_key: str, order: Order | None = None) -> OutboundEmail | None:
    """Add one `staff_alert` (once per `dedupe_key`): a paid order failed, generation paused for long."""
    return outbox_add_staff(order, EmailKind.STAFF_ALERT, dedupe_key=dedupe_key, note=note)


def outbox_order_failed(order: Order) -> None:
    """Tell the customer their book could not be made and, for a paid order, staff (call it with the change)."""
    outbox_add(order, EmailKind.FAILED)
    if order.kind == Kind.PAID:
        stamp = f"{order.finished_at:%Y%m%dT%H%M%S.%f}" if order.finished_at else "0"
        outbox_staff_alert(
            f"Paid order {order.reference} ended failed after {order.attempts} attempt(s): {order.last_error}",
            dedupe_key=f"order-{order.pk}-staff_alert-failed-{stamp}", order=order,
        )


def email_resend_ready(order: Order) -> OutboundEmail:
    """Queue a new copy of the `ready` email (a staff resend), with a dedupe key and Message-ID of its own."""
    email = outbox_add(order, EmailKind.READY, dedupe_key=f"order-{order.pk}-ready-resend-{uuid.uuid4().hex[:12]}")
    assert email is not None  # a fresh random key cannot exist yet
    return email


def email_deliver_soon(email_id: int) -> None:
    """Deliver a just-committed outbox row from a short thread, so the request (or the worker) never waits."""
    # Not a daemon: a worker process recycled right after a book, or a web server stopping, waits for the send
    # (bounded by EMAIL_TIMEOUT) instead of cutting it between SMTP's acceptance and our commit.
    threading.Thread(target=_deliver_in_thread, args=(email_id,), name=f"hera-email-{email_id}").start()


def _deliver_in_thread(email_id: int) -> None:
    try:
        email_deliver_due(OutboundEmail.objects.filter(pk=email_id))
    except Exception:
        log.exception("email %s: immediate delivery crashed; the periodic sweep will retry", email_id)
    finally:
        connection.close()  # this thread's own connection


def email_deliver_pending(limit: int = 50) -> int:
    """Send up to `limit` due outbox rows, one transaction each; return how many were sent."""
    sent = 0
    for _ in range(limit):
        outcome = email_deliver_due(OutboundEmail.objects.all())
        # Stop at the first failure: the server is probably down for every row, and each try may cost a timeout.
        if not outcome:
            break
        sent += 1
    return sent


def email_deliver_due(emails) -> bool | None:
    """Send the first due, unsent, unlocked row of `emails`; return True if sent, False on error, None if none."""
    with transaction.atomic():
        email = (
            emails.filter(sent_at__isnull=True, next_attempt_at__lte=timezone.now())
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
            .first()
        )
        if email is None:
            return None
        try:
            email_message(email).send()
        except Exception as exc:  # SMTP down, refused, timed out, a template error: record it and retry later
            email_record_failure(email, exc)
            return False
        email.sent_at = timezone.now()
        email.attempts += 1
        email.last_error = ""
        email.save(update_fields=["sent_at", "attempts", "last_error"])
    log.info("email sent %s to %s (attempt %d)", email.kind, recipient_label(email), email.attempts)
    return True


def email_record_failure(email: OutboundEmail, exc: Exception) -> None:
    email.attempts += 1
    delay = min(RETRY_BASE_SECONDS * 2 ** (email.attempts - 1), RETRY_MAX_SECONDS)
    email.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    email.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
    email.save(update_fields=["attempts", "next_attempt_at", "last_error"])
    # An SMTP refusal quotes the recipient: staff see it on the order; the log's filter (hera.log_filters) hides it.
    log.warning(
        "email failed %s to %s attempt %d, retry in %ds: %s",
        email.kind, recipient_label(email), email.attempts, delay, email.last_error,
    )


def recipient_label(email: OutboundEmail) -> str:
    return f"order {email.order.reference}" if email.order else "staff"


def email_message(email: OutboundEmail) -> EmailMultiAlternatives:
    """Render the email in the order's language: text and HTML, with its kind header and stable Message-ID."""
    from .forms import price_display  # here: forms → payments → queue imports this module

    order = email.order
    context = email_context(email)
    language = settings.LANGUAGE_CODE if email.kind in STAFF_KINDS else order.language
    names = [order.child_name, escape(order.child_name)] if order else []  # as written in the text, and in the HTML
    with translation.override(language):
        # Staff alerts are written for the operator, untranslated like the logs.
        if email.kind == EmailKind.STAFF_ALERT:
            subject = f"Hera staff alert: {email.note.splitlines()[0][:120]}" if email.note else "Hera staff alert"
        else:
            subject = SUBJECTS[email.kind] % {"name": order.child_name, "reference": order.reference}
            context["price"] = price_display(order.amount_cents)
        subject = elide_names(subject, names)
        text = elide_names(render_to_string(f"emails/{email.kind}.txt", context), names)
        html = elide_names(render_to_string(f"emails/{email.kind}.html", context), names)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"X-Hera-Email": email.kind, "Message-ID": email.message_id},
    )
    message.attach_alternative(html, "text/html")
    return message


def email_context(email: OutboundEmail) -> dict:
    """Everything the templates show; the place in line is computed now, when the email leaves."""
    order = email.order
    if order is None:
        return {"kind": email.kind, "note": email.note, "admin_url": settings.HERA_BASE_URL + reverse("admin:orders_order_queue")}
    position = selectors.position(order)
    return {
        "order": order,
        "kind": email.kind,
        "paid": order.kind == Kind.PAID and order.amount_cents > 0,
        "position": position,
        # While generation is paused no time is promised (the email says the place is kept).
        "eta_minutes": None if pause.generation_paused() else selectors.eta_minutes(order, position),
        "order_url": order.absolute_url,
        "amount": order.amount_cents / 100,
        "download_url": settings.HERA_BASE_URL + reverse("orders:book_pdf", kwargs={"token": order.token}),
        "note": email.note,
        "pay_again_url": order.absolute_url + "?pay=again",
        "admin_url": settings.HERA_BASE_URL + reverse("admin:orders_order_change", args=[order.pk]),
        # Hera's own URL: it answers with a fresh signed link at each opening, so the picture outlives any link.
        "cover_url": settings.HERA_BASE_URL + cover if (cover := previews.cover_url(order)) else None,
    }
