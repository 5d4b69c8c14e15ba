"""The receipt in the `queued` email: order reference, the book, the price paid, in the order's language."""

import pytest
from django.core import mail

from orders.emails import email_deliver_pending
from orders.models import Kind
from orders.payments import order_mark_paid, order_price_record
from tests.conftest import make_order

pytestmark = pytest.mark.django_db


def queued_email(**fields):
    order = make_order(page_count=4, theme="space", child_name="Zoë", **fields)
    order_price_record(order)
    order_mark_paid(order, actor="test")
    email_deliver_pending()
    (message,) = mail.outbox
    assert message.extra_headers["X-Hera-Email"] == "queued"
    return order, message


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        ("en", ["Your receipt", "Order #{pk}", "Book: Zoë's book, ", ", 4 pages", "Price paid: €16.90"]),
        ("fr", ["Votre reçu", "Commande #{pk}", "Livre : le livre de Zoë, ", ", 4 pages", "Prix payé : 16,90\xa0€"]),
    ],
)
def test_the_queued_email_carries_a_receipt_in_the_orders_language(language, lines):
    order, message = queued_email(language=language)
    html = message.alternatives[0][0]
    for line in lines:
        assert line.format(pk=order.pk) in message.body
    assert order.reference in html
    assert ("16,90\xa0€" if language == "fr" else "€16.90") in html


def test_a_free_book_receipt_says_nothing_was_paid():
    order = make_order(kind=Kind.FREE, language="en", priority=0)
    from orders import queue

    queue.order_enqueue(order, actor="admin")
    email_deliver_pending()
    (message,) = mail.outbox
    assert "Price paid: nothing (a gift from Hera)" in message.body
