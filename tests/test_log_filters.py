"""No customer data in the logs: order references, never email addresses or order tokens."""

import io
import logging
from smtplib import SMTPRecipientsRefused

import pytest
from django.urls import reverse

from hera.log_filters import RedactOrderTokens
from orders import emails, staff
from orders.models import EmailKind
from tests.conftest import make_order, order_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    """What Hera's console handler writes (the process's log), as text."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, RedactOrderTokens) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_404_on_a_real_order_path_logs_no_token(client, console):
    order = make_order()
    assert client.get(reverse("orders:book_pdf", kwargs={"token": order.token})).status_code == 404
    log = console.getvalue()
    assert "Not Found: /orders/<token>/book.pdf" in log
    assert order.token not in log


def test_staff_resending_the_ready_email_logs_no_address(console):
    order = order_in("done", email="private.parent@example.com")
    result = staff.order_resend_ready(order, actor="admin")
    assert "private.parent@example.com" in result.detail  # staff see it in the admin message
    log = console.getvalue()
    assert order.reference in log
    assert "private.parent@example.com" not in log


def test_an_smtp_refusal_logs_the_order_reference_not_the_address(console):
    order = make_order(email="Private.Parent@example.com", status="queued")
    email = order.emails.get(kind=EmailKind.QUEUED)
    refusal = SMTPRecipientsRefused({"private.parent@example.com": (550, b"5.1.1 private.parent@example.com unknown")})
    emails.email_record_failure(email, refusal)
    log = console.getvalue()
    assert f"order {order.reference}" in log
    assert "private.parent" not in log.lower()
    email.refresh_from_db()
    assert "private.parent@example.com" in email.last_error  # staff still see why on the order
