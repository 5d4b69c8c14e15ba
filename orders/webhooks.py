"""Stripe webhooks: verify the signature, then apply the event once, in the transaction that records its id.

Stripe delivers at least once, in any order, sometimes twice at the same moment. The event id is inserted into
ProcessedStripeEvent first, in the same transaction as the event's effect: a redelivery fails that insert (a
concurrent one waits on the primary key until the first commits, then fails it) and changes nothing.

A signed event proves only that it comes from our Stripe account, not that it pays for the order it names: a
Payment Link or a coupon on the same account can carry any `client_reference_id` (a public URL parameter). So a
Checkout Session acts on its order only when it matches what Hera asked for (amount, currency, mode, the order's own
session, test or live money as the key); otherwise the order keeps its status and its history says what differed.
"""

import logging
from collections.abc import Callable

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .emails import outbox_add, outbox_add_staff
from .models import EmailKind, Order, ProcessedStripeEvent, Status
from .payments import order_mark_paid, order_price_cents, order_record_stripe_ids

log = logging.getLogger("hera.webhooks")

# Stripe's own default: a signed delivery older than five minutes is refused (replay protection).
SIGNATURE_TOLERANCE_SECONDS = 300
PAID_STATUSES = ("paid", "no_payment_required")
ACTOR = "stripe"
# The start of the history note of a session that did not match its order; the admin filters on it.
PAYMENT_REFUSED = "payment not accepted"
LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_")


def livemode_expected() -> bool:
    """Tell whether our key moves real money (live) or test money; without a key, only test money is expected."""
    return settings.STRIPE_SECRET_KEY.startswith(LIVE_KEY_PREFIXES)


class BadWebhook(Exception):
    """The request is not a readable Stripe event signed with our secret."""


def event_verify(payload: bytes, signature: str) -> dict:
    """Return the event as a plain dict once its signature and timestamp are checked; raise BadWebhook if not."""
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as exc:
        raise BadWebhook(f"signature: {exc.user_message or exc}") from exc
    except (ValueError, TypeError, AttributeError) as exc:
        # A body that is not UTF-8 JSON describing an object (ValueError covers UnicodeDecodeError and JSON errors).
        raise BadWebhook(f"unreadable body: {exc.__class__.__name__}") from exc
    data = event.to_dict()
    obj = data.get("data", {}).get("object") if isinstance(data.get("data"), dict) else None
    if not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str) or not isinstance(obj, dict):
        raise BadWebhook("unreadable body: not a Stripe event")
    return data


class StripeEventHandler:
    """Apply one verified Stripe event; the method is chosen by event type and each one is idempotent."""

    def __init__(self, event: dict):
        self.event = event
        self.object: dict = event["data"]["object"]
        self.handlers: dict[str, Callable[[], Order | None]] = {
            "checkout.session.completed": self.session_completed,
            "checkout.session.async_payment_succeeded": self.session_async_payment_succeeded,
            "checkout.session.async_payment_failed": self.session_async_payment_failed,
            "checkout.session.expired": self.session_expired,
            "charge.refunded": self.charge_refunded,
        }

    def handle(self) -> str:
        """Apply the event unless it was processed before; return what happened (for the log)."""
        event_id, event_type = self.event["id"], self.event["type"]
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = ProcessedStripeEvent.objects.create(event_id=event_id, event_type=event_type[:100])
            except IntegrityError:
                log.info("stripe event %s %s already processed, ignored", event_type, event_id)
                return "duplicate"
            handler = self.handlers.get(event_type)
            if handler is None:
                log.info("stripe event %s %s not handled, acknowledged", event_type, event_id)
                return "ignored"
            order = handler()
            if order is not None:
                record.order = order
                record.save(update_fields=["order"])
        log.info("stripe event %s %s applied to %s", event_type, event_id, order.reference if order else "no order")
        return "applied" if order else "unknown order"

    # Checkout Sessions.

    def session_completed(self) -> Order | None:
        order = self.session_order()
        if order is None or not self.session_matches(order):
            return order
        if self.object.get("payment_status") in PAID_STATUSES:
            return self.session_paid(order)
        return self.session_payment_pending(order)

    def session_payment_pending(self, order: Order) -> Order:
        """A delayed payment method (SEPA debit…): the money comes days later with async_payment_succeeded."""
        with transaction.atomic():
            order = order_record_stripe_ids(order, session_id=self.object["id"], payment_intent_id=self.payment_intent_id())
            if order.status != Status.PENDING_PAYMENT:
                return order
            # From now on the order never expires: the customer was told the money is on its way.
            order.checkout_completed_at = timezone.now()
            order.payment_failed_at = None
            order.save(update_fields=["checkout_completed_at", "payment_failed_at", "updated_at"])
            order.note(actor=ACTOR, note=f"checkout {self.object['id']} completed unpaid: a delayed payment is on its way")
            outbox_add(order, EmailKind.PAYMENT_PENDING, dedupe_key=f"order-{order.pk}-payment_pending-{self.object['id']}")
        log.info("checkout completed unpaid for %s, awaiting the asynchronous payment", order.reference)
        return order

    def session_async_payment_succeeded(self) -> Order | None:
        order = self.session_order()
        if order is None or not self.session_matches(order, paid=True):
            return order
        return self.session_paid(order)

    def session_async_payment_failed(self) -> Order | None:
        order = self.session_order(locked=True)
        if order is None or self.session_differences(order):  # another session's failure is not this order's
            return order
        # The order stays pending_payment (never cancelled, never expired by the clock): the customer may pay again.
        if order.status == Status.PENDING_PAYMENT:
            order.payment_failed_at = timezone.now()
            order.save(update_fields=["payment_failed_at", "updated_at"])
            order.note(actor=ACTOR, note=f"asynchronous payment failed (session {self.object['id']}); the customer may pay again")
            outbox_add(order, EmailKind.PAYMENT_FAILED, dedupe_key=f"order-{order.pk}-payment_failed-{self.object['id']}")
        return order

    def session_expired(self) -> Order | None:
        order = self.session_order(locked=True)
        if order is None or self.session_differences(order):  # an abandoned foreign session expires alone
            return order
        # Only an unpaid order expires: an expiry delivered after the payment never undoes it.
        if order.can("expire"):
            order.expire(actor=ACTOR, note=f"checkout session {self.object['id']} expired unpaid")
        return order

    def session_matches(self, order: Order, *, paid: bool = False) -> bool:
        """Tell whether a payment's session is the one Hera created for `order`; if not, note what differed, and
        hold the money it brought for staff."""
        differences = self.session_differences(order)
        if not differences:
            return True
        note = f"{PAYMENT_REFUSED} ({self.event['type']}, session {self.object.get('id')}): " + "; ".join(differences)
        log.warning("stripe session %s refused for %s: %s", self.object.get("id"), order.reference,
                    "; ".join(differences))
        if paid or self.object.get("payment_status") == "paid":
            payment_hold(order, note, session=self.object, payment_intent_id=self.payment_intent_id(),
                         livemode=self.object.get("livemode"))
        else:
            order.note(actor=ACTOR, note=note)  # no money moved (unpaid, or nothing to pay): a line in the history is enough
        return False

    def session_differences(self, order: Order) -> list[str]:
        """List how the session differs from what Hera asked Stripe for this order (empty when it matches)."""
        session = self.object
        differences = []
        price = order.amount_cents or order_price_cents(order.page_count)
        amount = session.get("amount_total")
        if not isinstance(amount, int) or amount < price:
            differences.append(f"amount_total {amount} is below the order's price {price}")
        currency = session.get("currency")
        if not isinstance(currency, str) or currency.lower() != order.currency.lower():
            differences.append(f"currency {currency} is not the order's {order.currency}")
        if session.get("mode") != "payment":
            differences.append(f"mode {session.get('mode')} is not payment")
        if order.stripe_session_id and session.get("id") != order.stripe_session_id:
            differences.append(f"session {session.get('id')} is not the order's session {order.stripe_session_id}")
        expected = livemode_expected()
        if self.event.get("livemode") is not expected or session.get("livemode") is not expected:
            differences.append(
                f"livemode {session.get('livemode')} does not match the {'live' if expected else 'test'} secret key"
            )
        return differences

    def session_paid(self, order: Order) -> Order:
        intent = self.payment_intent_id()
        if order_mark_paid(order, actor=ACTOR, session_id=self.object["id"], payment_intent_id=intent):
            return order
        order.refresh_from_db()
        if intent and order.stripe_payment_intent_id and intent != order.stripe_payment_intent_id:
            # A second payment for a book already paid for (two tabs, a retried checkout): staff refund it.
            note = f"{PAYMENT_REFUSED} ({self.event['type']}, session {self.object['id']}): an extra payment {intent}"
            payment_hold(order, note, session=self.object, payment_intent_id=intent, livemode=self.object.get("livemode"))
        else:
            log.info("payment for %s already recorded (status %s)", order.reference, order.status)
        return order

    def session_order(self, *, locked: bool = False) -> Order | None:
        """Find the session's order by session id, then by the token in its metadata (which only Hera sets), then
        by its client_reference_id (which a Payment Link's URL can set to anything)."""
        orders = Order.objects.select_for_update() if locked else Order.objects.all()
        session_id = self.object.get("id")
        order = orders.filter(stripe_session_id=session_id).first() if isinstance(session_id, str) else None
        metadata = self.object.get("metadata")
        tokens = [(metadata or {}).get("order_token") if isinstance(metadata, dict) else None,
                  self.object.get("client_reference_id")]
        for token in tokens:
            if order is None and isinstance(token, str) and token:
                order = orders.filter(token=token).first()
        if order is None:
            log.warning("stripe session %s matches no order", self.object.get("id"))
        return order

    def payment_intent_id(self) -> str | None:
        intent = self.object.get("payment_intent")
        return intent.get("id") if isinstance(intent, dict) else intent

    # Charges.

    def charge_refunded(self) -> Order | None:
        order = self.charge_order()
        if order is None:
            return None
        if not self.object.get("refunded"):
            log.info("partial refund on %s (%s of %s), status unchanged",
                     order.reference, self.object.get("amount_refunded"), self.object.get("amount"))
            return order
        if not order.can("refund"):
            log.info("refund for %s ignored in status %s", order.reference, order.status)
            return order
        intent = self.payment_intent_id()
        if intent and order.stripe_payment_intent_id and intent != order.stripe_payment_intent_id:
            # An extra payment given back: the order's own payment (and book) stand.
            order.note(actor=ACTOR, note=f"extra payment {intent} refunded (charge {self.object.get('id')}); the order's payment stands")
            return order
        order.refund(actor=ACTOR, note=f"charge {self.object.get('id')} refunded")
        outbox_add(order, EmailKind.REFUNDED)
        log.info("order refunded %s, out of the queue", order.reference)
        return order

    def charge_order(self) -> Order | None:
        """Find the charge's order (locked) by payment intent, falling back to the token in its metadata."""
        orders = Order.objects.select_for_update()
        intent = self.payment_intent_id()
        order = orders.filter(stripe_payment_intent_id=intent).first() if intent else None
        token = (self.object.get("metadata") or {}).get("order_token")
        if order is None and token:
            order = orders.filter(token=token).first()
        if order is None:
            log.warning("stripe charge %s matches no order", self.object.get("id"))
        return order



def payment_hold(order: Order, note: str, *, session: dict, payment_intent_id: str | None, livemode) -> None:
    """Keep money that does not match its order for staff: the order waits in payment_check if it was unpaid, or
    keeps its status and is flagged if it already had a payment; staff get one payment_check email per payment."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.can("hold_payment"):
            # The refund button needs the payment: the order's own intent, unless another already holds that id.
            if payment_intent_id and not order.stripe_payment_intent_id and not Order.objects.filter(
                stripe_payment_intent_id=payment_intent_id
            ).exists():
                order.stripe_payment_intent_id = payment_intent_id
                order.save(update_fields=["stripe_payment_intent_id", "updated_at"])
            order.hold_payment(actor=ACTOR, reason=note, livemode=livemode if isinstance(livemode, bool) else None)
        elif note not in order.payment_check_reason:  # the same payment told again (a new event id) adds nothing
            reason = "\n".join(filter(None, [order.payment_check_reason, note]))
            order.payment_check_reason = reason[:4000]
            order.save(update_fields=["payment_check_reason", "updated_at"])
            order.note(actor=ACTOR, note=note)
        paid_by = payment_intent_id or session.get("id")
        outbox_add_staff(order, EmailKind.PAYMENT_CHECK, dedupe_key=f"order-{order.pk}-payment_check-{paid_by}")
