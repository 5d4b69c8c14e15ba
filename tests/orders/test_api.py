import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from orders import emails, pause, queue
from orders.models import Order, Priority, WorkerHeartbeat
from tests.conftest import free_port, make_order

STATUS_FIELDS = {
    "status", "position", "eta_minutes", "pages_done", "pages_total", "download_url", "delayed", "preview_urls", "title",
    "cover_url",
}


def status_of(client, order: Order) -> dict:
    response = client.get(reverse("orders:status_json", kwargs={"token": order.token}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.json()


def generating_order(page_count: int = 8) -> Order:
    make_order(status="queued", page_count=page_count)
    return queue.order_claim_next("w1")


def done_order(client) -> Order:
    order = generating_order(page_count=4)
    name = default_storage.save("books/test-book.pdf", ContentFile(b"%PDF-1.4 test book"))
    return queue.order_finish(order.pk, order.lease_token, name)


# status.json


@pytest.mark.django_db
def test_status_of_a_pending_order_has_nulls_outside_the_queue(client):
    order = make_order(page_count=6)
    assert status_of(client, order) == {
        "status": "pending_payment",
        "position": None,
        "eta_minutes": None,
        "pages_done": None,
        "pages_total": 6,
        "download_url": None,
        "delayed": False,
        "preview_urls": [],
        "title": None,
        "cover_url": None,
    }


@pytest.mark.django_db
def test_status_of_a_queued_order_has_its_position_and_eta(client, settings):
    settings.HERA_MINUTES_PER_BOOK = 5
    settings.HERA_CONCURRENT_GENERATIONS = 1
    generating_order()
    make_order(status="queued")
    third = make_order(status="queued", page_count=10)
    assert status_of(client, third) == {
        "status": "queued",
        "position": 3,
        "eta_minutes": 15,
        "pages_done": None,
        "pages_total": 10,
        "download_url": None,
        "delayed": False,
        "preview_urls": [],
        "title": None,
        "cover_url": None,
    }


@pytest.mark.django_db
def test_status_eta_follows_the_number_of_concurrent_generations(client, settings):
    settings.HERA_MINUTES_PER_BOOK = 4
    settings.HERA_CONCURRENT_GENERATIONS = 2
    orders = [make_order(status="queued") for _ in range(3)]
    assert [status_of(client, o)["eta_minutes"] for o in orders] == [4, 4, 8]


@pytest.mark.django_db
def test_status_of_a_generating_order_has_its_pages(client):
    order = generating_order(page_count=8)
    queue.order_record_progress(order.pk, order.lease_token, 3)
    assert status_of(client, order) == {
        "status": "generating",
        "position": 1,
        "eta_minutes": 4,  # 5 of its 8 pages left: ceil(5 × 5 / 8)
        "pages_done": 3,
        "pages_total": 8,
        "download_url": None,
        "delayed": False,
        "preview_urls": [],
        "title": None,
        "cover_url": None,
    }


@pytest.mark.django_db
def test_status_of_a_done_order_has_its_download_url(client):
    order = done_order(client)
    assert status_of(client, order) == {
        "status": "done",
        "position": None,
        "eta_minutes": None,
        "pages_done": 4,
        "pages_total": 4,
        "download_url": f"/orders/{order.token}/book.pdf",
        "delayed": False,
        "preview_urls": [],
        "title": None,
        "cover_url": None,
    }


@pytest.mark.django_db
def test_status_of_a_waiting_order_while_generation_is_paused_is_delayed_without_eta(client):
    generating = generating_order()
    queued = make_order(status="queued")
    pause.generation_pause(pause.UPSTREAM, "Gemini answered 503 UNAVAILABLE")

    assert [status_of(client, o)["delayed"] for o in (generating, queued)] == [True, True]
    assert [status_of(client, o)["eta_minutes"] for o in (generating, queued)] == [None, None]
    assert status_of(client, queued)["position"] == 2  # the place is kept


@pytest.mark.django_db
def test_an_order_in_its_retry_back_off_keeps_its_place_and_promises_nothing_sooner(client, settings):
    settings.HERA_MINUTES_PER_BOOK = 5
    order = generating_order()
    behind = make_order(status="queued")
    queue.order_fail(order.pk, order.lease_token, "the model refused this book")
    Order.objects.filter(pk=order.pk).update(not_before=timezone.now() + timedelta(minutes=14, seconds=30))

    assert (status_of(client, order)["position"], status_of(client, order)["eta_minutes"]) == (1, 15)
    assert (status_of(client, behind)["position"], status_of(client, behind)["eta_minutes"]) == (2, 10)
    assert queue.order_claim_next("w2").pk == behind.pk  # the others are claimed meanwhile


@pytest.mark.django_db
def test_a_settled_order_is_not_delayed_by_a_pause(client):
    order = done_order(client)
    pause.generation_pause(pause.CONFIGURATION, "the key was refused")

    assert status_of(client, order)["delayed"] is False


@pytest.mark.django_db
def test_the_order_page_says_the_book_is_delayed_and_its_place_kept(client):
    order = make_order(status="queued", language="fr")
    assert 'data-field="delayed" hidden' in client.get(order.get_absolute_url()).content.decode()

    pause.generation_pause(pause.UPSTREAM, "Gemini answered 429 RESOURCE_EXHAUSTED")
    page = client.get(order.get_absolute_url()).content.decode()

    assert 'data-field="delayed" hidden' not in page
    assert "Votre livre a du retard" in page
    assert "votre place dans la file est gardée" in page


@pytest.mark.django_db
def test_status_has_exactly_the_spec_fields_in_every_state(client):
    pending = make_order()
    failed = generating_order()
    failed.fail(error="kaput", actor="test")
    for order in (pending, failed):
        assert set(status_of(client, order)) == STATUS_FIELDS


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token",
    ["nope", "A" * 32, "A" * 65, "abc%00def", "abc'--", "%F0%9F%93%96", "..%2F..%2Fetc"],
    ids=["short", "well-formed", "too-long", "nul-byte", "quote", "emoji", "dots"],
)
def test_unknown_or_malformed_token_is_404(client, token):
    make_order()
    assert client.get(f"/orders/{token}/status.json").status_code == 404
    assert client.get(f"/orders/{token}/book.pdf").status_code == 404


@pytest.mark.django_db
def test_status_json_refuses_post(client):
    order = make_order()
    assert client.post(reverse("orders:status_json", kwargs={"token": order.token})).status_code == 405


# book.pdf


@pytest.mark.django_db
def test_book_pdf_is_404_before_the_book_is_done(client):
    order = generating_order()
    assert client.get(reverse("orders:book_pdf", kwargs={"token": order.token})).status_code == 404


@pytest.mark.django_db
def test_book_pdf_serves_the_done_book(client):
    order = done_order(client)
    response = client.get(status_of(client, order)["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test book"


@pytest.mark.django_db
def test_book_pdf_keeps_serving_the_old_book_while_it_is_regenerated(client):
    order = done_order(client)
    order.regenerate(actor="staff")
    assert status_of(client, order)["download_url"] == f"/orders/{order.token}/book.pdf"
    queue.order_claim_next("w1")
    response = client.get(status_of(client, order)["download_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test book"


@pytest.mark.django_db
def test_book_pdf_keeps_serving_the_old_book_when_its_regeneration_is_cancelled(client):
    order = done_order(client)
    order.regenerate(actor="staff")
    order.cancel(actor="staff")
    response = client.get(reverse("orders:book_pdf", kwargs={"token": order.token}))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test book"


@pytest.mark.django_db
def test_book_pdf_of_a_refunded_book_is_404(client):
    order = done_order(client)
    order.regenerate(actor="staff")
    order.refund(actor="stripe")
    assert status_of(client, order)["download_url"] is None
    assert client.get(reverse("orders:book_pdf", kwargs={"token": order.token})).status_code == 404


@pytest.mark.django_db
def test_book_pdf_from_the_bucket_redirects_to_a_signed_link_that_downloads_it(client, bucket):
    order = done_order(client)
    response = client.get(reverse("orders:book_pdf", kwargs={"token": order.token}))
    assert response.status_code == 302
    link = urlsplit(response["Location"])
    assert f"{link.scheme}://{link.netloc}" == bucket.endpoint_url
    assert dict(parse_qsl(link.query))["X-Amz-Expires"] == "600"
    assert "no-cache" in response["Cache-Control"]
    with urllib.request.urlopen(response["Location"], timeout=10) as download:
        assert download.read() == b"%PDF-1.4 test book"
        assert download.headers["Content-Disposition"] == "attachment; filename*=utf-8''Zo%C3%AB-hera.pdf"


@pytest.mark.django_db
def test_status_json_of_a_book_in_the_bucket_keeps_heras_own_url(client, bucket):
    order = done_order(client)
    assert status_of(client, order)["download_url"] == f"/orders/{order.token}/book.pdf"


@pytest.mark.django_db
def test_the_ready_email_of_a_book_in_the_bucket_links_to_heras_own_url(client, bucket, settings, mailoutbox):
    order = done_order(client)
    emails.email_deliver_pending()
    [ready] = [message for message in mailoutbox if message.extra_headers["X-Hera-Email"] == "ready"]
    assert f"{settings.HERA_BASE_URL}/orders/{order.token}/book.pdf" in ready.body
    assert bucket.endpoint_url not in ready.body


# /api/queue-status


@pytest.mark.django_db
def test_queue_status_when_idle(client):
    make_order()  # pending payment is not in the queue
    assert client.get("/api/queue-status").json() == {"queue_size": 0, "is_processing": False, "current_job": None}


@pytest.mark.django_db
def test_queue_status_while_generating(client):
    current = generating_order()
    make_order(status="queued"), make_order(status="queued", priority=Priority.LOW)
    assert client.get("/api/queue-status").json() == {
        "queue_size": 2,
        "is_processing": True,
        "current_job": f"#{current.pk}",
    }


@pytest.mark.django_db
def test_queue_status_shows_no_customer_data(client):
    generating_order()
    body = client.get("/api/queue-status").content.decode()
    order = Order.objects.get()
    for private in (order.token, order.email, order.child_name):
        assert private not in body


# /healthz


@pytest.mark.django_db
def test_healthz_without_any_worker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "worker": None, "generation": "ok"}


@pytest.mark.django_db
def test_healthz_reports_the_latest_worker_heartbeat(client):
    WorkerHeartbeat.objects.create(worker_id="old:1", seen_at=timezone.now() - timedelta(hours=1))
    queue.heartbeat_record("host:42")
    body = client.get("/healthz").json()
    assert body["database"] == "ok"
    assert body["worker"]["seconds_ago"] <= 2
    assert body["worker"]["alive"] is True


@pytest.mark.django_db
def test_healthz_names_no_host_nor_process(client):
    queue.heartbeat_record("render-srv-7f9c:4242")
    pause.generation_pause(pause.UPSTREAM, "Gemini (gemini-3.1-flash-image) answered 503 UNAVAILABLE: overloaded")

    text = client.get("/healthz").content.decode()

    assert "render-srv-7f9c" not in text and "4242" not in text
    assert "503" not in text and "overloaded" not in text
    assert client.get("/healthz").json()["generation"] == "paused: upstream"


@pytest.mark.django_db
def test_healthz_reports_a_silent_worker(client):
    WorkerHeartbeat.objects.create(worker_id="host:42", seen_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"]["alive"] is False
    assert response.json()["worker"]["seconds_ago"] >= 600


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_database_is_unreachable(client):
    settings_dict = connection.settings_dict
    saved = settings_dict["HOST"], settings_dict["PORT"]
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", free_port()  # nothing listens there
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        settings_dict["HOST"], settings_dict["PORT"] = saved
    assert response.status_code == 503
    assert response.json() == {"database": "unreachable", "error": "OperationalError"}
