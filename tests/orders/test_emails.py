import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone, translation

from orders import pause, queue
from orders.emails import email_deliver_pending, email_message, email_resend_ready, outbox_add
from orders.models import EmailKind, Order, OutboundEmail, Status
from orders.payments import order_mark_paid
from tests.conftest import make_order
from tests.fakes.smtp_server import FakeSMTPServer


def join_email_threads(timeout: float = 10) -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("hera-email-"):
            thread.join(timeout)


@pytest.fixture
def smtp_settings(settings):
    """Point Django at a real local SMTP server, not yet started (that is: down)."""
    server = FakeSMTPServer()
    for name, value in server.django_settings().items():
        setattr(settings, name, value)
    yield server
    join_email_threads()
    server.stop()


def queued_email(**order_fields) -> OutboundEmail:
    order = make_order(status="queued", **order_fields)
    return OutboundEmail.objects.get(order=order, kind=EmailKind.QUEUED)


def sent_message(email: OutboundEmail):
    email_deliver_pending()
    (message,) = [m for m in mail.outbox if m.extra_headers["Message-ID"] == email.message_id]
    return message


@pytest.mark.django_db
def test_queued_email_says_position_and_eta_in_french(settings):
    settings.HERA_MINUTES_PER_BOOK = 5
    make_order(status="queued")
    make_order(status="queued")
    message = sent_message(queued_email(language="fr", child_name="Zoë"))
    assert "numéro 3 dans la file, prêt dans environ 15 minutes" in message.body
    assert message.subject == "Le livre de Zoë est dans la file"


@pytest.mark.django_db
def test_queued_email_says_position_and_eta_in_english(settings):
    settings.HERA_MINUTES_PER_BOOK = 5
    make_order(status="queued")
    make_order(status="queued")
    message = sent_message(queued_email(language="en", child_name="Max"))
    assert "number 3 in line, ready in about 15 minutes" in message.body
    assert message.subject == "Max's book is in the queue"


@pytest.mark.django_db
def test_queued_email_sent_while_generation_is_paused_promises_no_time_and_keeps_the_place():
    make_order(status="queued")
    pause.generation_pause(pause.UPSTREAM, "Gemini answered 503 UNAVAILABLE")
    message = sent_message(queued_email(language="fr", child_name="Zoë"))
    assert "numéro 2 de la file. Notre illustrateur ne répond pas pour le moment : votre place est gardée" in message.body
    assert "minutes" not in message.body
    assert message.body.count("écrirons") == 1  # "we will write again" once, not in the pause's sentence too


@pytest.mark.django_db
def test_email_speaks_the_orders_language_whatever_language_is_active():
    email = queued_email(language="fr", child_name="Zoë")
    with translation.override("en"):
        message = email_message(email)
    assert message.subject == "Le livre de Zoë est dans la file"
    assert message.body.startswith("Bonjour,")
    assert '<html lang="fr">' in message.alternatives[0][0]


@pytest.mark.django_db
def test_queued_email_position_is_the_one_at_sending_time(settings):
    settings.HERA_MINUTES_PER_BOOK = 5
    first = make_order(status="queued")
    email = queued_email(language="en")
    OutboundEmail.objects.filter(order=first).update(sent_at=timezone.now())
    queue.order_claim_next("worker-1")  # the first order is now generating: ours is second
    assert "number 2 in line, ready in about 10 minutes" in sent_message(email).body


@pytest.mark.django_db
def test_email_carries_its_kind_header_and_stable_message_id():
    email = queued_email()
    message = sent_message(email)
    assert message.extra_headers["X-Hera-Email"] == "queued"
    parsed = message.message()
    assert parsed["X-Hera-Email"] == "queued"
    assert parsed["Message-ID"] == email.message_id == f"<order-{email.order_id}-queued@127.0.0.1>"


@pytest.mark.django_db
def test_email_is_text_with_an_html_alternative():
    message = sent_message(queued_email(language="en"))
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert "<html lang=\"en\">" in html
    assert "number 1 in line" in html.replace("<strong>", "").replace("</strong>", "")
    assert "<" not in message.body


@pytest.mark.django_db
def test_email_text_shows_the_name_as_typed_and_the_html_escapes_it():
    message = sent_message(queued_email(language="en", child_name="O'Neil"))
    assert "O'Neil's book" in message.body
    assert "O&#x27;Neil" in message.alternatives[0][0]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_ready_email_holds_the_absolute_download_and_order_links(language, settings):
    order = make_order(language=language)
    email = outbox_add(order, EmailKind.READY)
    message = sent_message(email)
    assert f"{settings.HERA_BASE_URL}/orders/{order.token}/book.pdf" in message.body
    assert f"{settings.HERA_BASE_URL}/orders/{order.token}/" in message.body
    assert f'href="{settings.HERA_BASE_URL}/orders/{order.token}/book.pdf"' in message.alternatives[0][0]
    assert message.extra_headers["X-Hera-Email"] == "ready"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "language", "words"),
    [
        ("failed", "fr", "n’avons pas pu créer"),
        ("failed", "en", "could not create"),
        ("refunded", "fr", "remboursée (16,90 €)"),
        ("refunded", "en", "refunded (€16.90)"),
    ],
)
def test_failed_and_refunded_emails_speak_the_orders_language(kind, language, words):
    order = make_order(language=language, amount_cents=1690)
    message = email_message(outbox_add(order, kind))
    assert words in message.body
    assert message.extra_headers["X-Hera-Email"] == kind


@pytest.mark.django_db
def test_an_email_is_written_and_rolled_back_with_the_change_that_causes_it():
    order = make_order()
    with pytest.raises(RuntimeError), transaction.atomic():
        order_mark_paid(order, actor="stripe")
        assert OutboundEmail.objects.filter(order=order, kind=EmailKind.QUEUED).exists()
        raise RuntimeError("the payment's transaction fails after the order was queued")
    assert not OutboundEmail.objects.filter(order=order).exists()
    assert Order.objects.get(pk=order.pk).status == Status.PENDING_PAYMENT


@pytest.mark.django_db
def test_outbox_holds_one_email_per_order_and_kind():
    order = make_order()
    assert outbox_add(order, EmailKind.READY) is not None
    assert outbox_add(order, EmailKind.READY) is None
    assert OutboundEmail.objects.filter(order=order, kind=EmailKind.READY).count() == 1


@pytest.mark.django_db
def test_deliver_pending_sends_each_email_once():
    queued_email()
    queued_email()
    assert email_deliver_pending() == 2
    assert email_deliver_pending() == 0
    assert len(mail.outbox) == 2
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_resend_ready_sends_a_new_message_with_its_own_message_id():
    order = make_order()
    first = outbox_add(order, EmailKind.READY)
    email_deliver_pending()
    again = email_resend_ready(order)
    assert email_deliver_pending() == 1
    assert again.message_id != first.message_id
    assert [m.extra_headers["X-Hera-Email"] for m in mail.outbox] == ["ready", "ready"]


@pytest.mark.django_db
def test_email_stays_pending_with_the_error_while_smtp_is_down(smtp_settings):
    email = queued_email()
    assert email_deliver_pending() == 0
    email.refresh_from_db()
    assert email.sent_at is None
    assert email.attempts == 1
    assert "Connection refused" in email.last_error or "ConnectionRefused" in email.last_error
    assert email.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_failed_email_is_not_retried_before_its_backoff(smtp_settings):
    email = queued_email()
    email_deliver_pending()
    smtp_settings.start()
    assert email_deliver_pending() == 0
    email.refresh_from_db()
    assert (email.attempts, email.sent_at) == (1, None)


@pytest.mark.django_db
def test_email_is_delivered_once_after_smtp_comes_back(smtp_settings):
    email = queued_email(language="fr")
    email_deliver_pending()
    smtp_settings.start()
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert email_deliver_pending() == 1
    assert email_deliver_pending() == 0
    (received,) = smtp_settings.wait_for(1)
    assert received["X-Hera-Email"] == "queued"
    assert received["Message-ID"] == email.message_id
    assert received.get_content_type() == "multipart/alternative"
    assert "numéro 1 dans la file" in received.get_body(("plain",)).get_content()
    email.refresh_from_db()
    assert email.sent_at is not None
    assert email.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_another_sender_is_skipped():
    email = queued_email()
    join_email_threads()  # the after-commit delivery of this committed row: undo it, to test the sweep alone
    OutboundEmail.objects.filter(pk=email.pk).update(sent_at=None)
    locked, release = threading.Event(), threading.Event()

    def other_sender_holding_the_row():
        try:
            with transaction.atomic():
                OutboundEmail.objects.select_for_update().get(pk=email.pk)
                locked.set()
                release.wait(timeout=5)
        finally:
            connection.close()

    other = threading.Thread(target=other_sender_holding_the_row)
    other.start()
    assert locked.wait(timeout=5)
    sent_while_locked = email_deliver_pending()
    release.set()
    other.join(timeout=5)
    assert sent_while_locked == 0
    assert email_deliver_pending() == 1


@pytest.mark.django_db(transaction=True)
def test_two_orders_paid_together_get_their_queued_emails_within_seconds_without_a_worker(smtp_settings):
    smtp_settings.start()
    orders = [make_order(email=f"parent{i}@example.com") for i in range(2)]
    started = time.monotonic()
    for order in orders:
        order_mark_paid(order, actor="test")  # commits: the after-commit thread sends
    received = smtp_settings.wait_for(2, timeout=10)
    elapsed = max(smtp_settings.received_at) - started if received else None
    join_email_threads()
    assert sorted(m["To"] for m in received) == ["parent0@example.com", "parent1@example.com"]
    assert [m["X-Hera-Email"] for m in received] == ["queued", "queued"]
    assert elapsed < 3
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()


def wait_until(predicate, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


@pytest.fixture
def qcluster(smtp_settings):
    """Start a real django-q2 worker on the test database, mailing to the test's SMTP server, generating slowly."""
    test_database_url = f"{os.environ['DATABASE_URL'].rsplit('/', 1)[0]}/{connection.settings_dict['NAME']}"  # tests/settings.py
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": test_database_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_settings.port),
        "EMAIL_USE_TLS": "false",
        "HERA_OFFLINE_PAGE_SECONDS": "1.5",
        "HERA_LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=settings.BASE_DIR, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    yield worker
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_orders_paid_together_get_their_queued_emails_while_a_book_is_generating(smtp_settings, qcluster):
    smtp_settings.start()
    slow = make_order(status="queued", email="slow@example.com", page_count=4)
    assert wait_until(lambda: Order.objects.get(pk=slow.pk).status == Status.GENERATING, timeout=30)
    paid = [make_order(email=f"parent{i}@example.com", page_count=2) for i in range(2)]
    started = time.monotonic()
    for order in paid:
        order_mark_paid(order, actor="test")
    assert wait_until(lambda: len(recipients(smtp_settings, "queued") & {o.email for o in paid}) == 2, timeout=10)
    elapsed = time.monotonic() - started
    assert Order.objects.get(pk=slow.pk).status == Status.GENERATING  # the worker is still busy with the book
    assert elapsed < 3
    # The book's own `ready` email leaves from the worker process once it is done.
    assert wait_until(lambda: "slow@example.com" in recipients(smtp_settings, "ready"), timeout=60)
    assert Order.objects.get(pk=slow.pk).status == Status.DONE


def recipients(server: FakeSMTPServer, kind: str) -> set[str]:
    return {m["To"] for m in list(server.messages) if m["X-Hera-Email"] == kind}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "subject"), [
    ("Inès", "Le livre d’Inès est dans la file"), ("Hugo", "Le livre d’Hugo est dans la file"),
    ("Yanis", "Le livre de Yanis est dans la file"),
])
def test_a_french_email_elides_before_the_name_in_its_subject_and_body(name, subject):
    message = sent_message(queued_email(language="fr", child_name=name))
    assert message.subject == subject
    body = "le livre d’" if subject.startswith("Le livre d’") else "le livre de "
    assert f"{body}{name}" in message.body
    assert f"{body}<strong>{name}</strong>" in message.alternatives[0][0]
