"""Chaos, with a fixed seed: ten paid books made by real qcluster processes against the fake Gemini, while the worker
is killed (-9) and stopped (SIGTERM), Google answers 503 for a few seconds at a time, and one book is refused.

Every other book is made once, the refused one fails alone, and nobody gets an email twice.
"""

import random
import time

import pytest

from orders import queue
from orders.models import EmailKind, Order, OrderEvent, OutboundEmail, Status
from tests.conftest import make_order
from tests.fakes.genai_server import API_KEY, FakeGenAIServer, invalid_argument_body, unavailable_body
from tests.orders.test_worker_process import Clusters, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SEED = 17
REFUSED = "Balthazar"


@pytest.fixture
def clusters(tmp_path):
    started = Clusters(tmp_path)
    yield started
    started.kill_all()


@pytest.fixture
def fake():
    server = FakeGenAIServer(auto=True, picture_seconds=0.3).start()
    yield server
    server.stop()


def settled() -> bool:
    return not Order.objects.filter(status__in=(Status.QUEUED, Status.GENERATING)).exists()


def mid_way() -> bool:
    return Order.objects.filter(status=Status.GENERATING, pages_done__gte=1).exists()


def made_since(done: int) -> bool:
    return Order.objects.filter(status=Status.DONE).count() > done


def nudge() -> None:
    """Do what queue_tick does every minute, every call: wake the worker when an order is ready."""
    if Order.objects.ready().exists():
        queue.wake_worker()


def test_ten_paid_books_through_kills_stops_outages_and_one_refusal(clusters, fake):
    rng = random.Random(SEED)
    env = {
        "HERA_GENERATOR": "google", "GOOGLE_API_KEY": API_KEY, "HERA_GENAI_BASE_URL": fake.base_url,
        "HERA_TEXT_MODEL": "gemini-test-text", "HERA_IMAGE_MODEL": "gemini-test-image", "HERA_IMAGE_SIZE": "1K",
        "HERA_IMAGE_CONCURRENCY": 1, "HERA_LEASE_SECONDS": 4, "HERA_MAX_ATTEMPTS": 4, "HERA_RETRY_BACKOFF_SECONDS": 1,
        "HERA_UPSTREAM_BACKOFF_SECONDS": 1, "HERA_UPSTREAM_BACKOFF_MAX_SECONDS": 2, "HERA_GENAI_RETRY_ATTEMPTS": 1,
        "HERA_STAFF_EMAIL": "staff@hera.example",
    }
    fake.refuse(400, invalid_argument_body(), when=lambda request: REFUSED in request.prompt)
    names = ["Zoë", "Léo", "Inès", "Hugo", REFUSED, "Chloé", "Nour", "Jules", "Mila", "Sacha"]
    for name in names:
        make_order(status="queued", child_name=name, page_count=3)
    events = ["kill", "kill", "stop", "stop", "outage", "outage"]
    rng.shuffle(events)
    proc, _ = clusters.start(**env)
    nudge()

    for event in events:
        done_before = Order.objects.filter(status=Status.DONE).count()
        # Strike a book in the middle of its pages (the loop waits for one more book made after each strike).
        wait_for(lambda: settled() or mid_way(), timeout=180, what=f"a book mid-way for the {event}", poll=0.05)
        if settled():
            break
        time.sleep(rng.uniform(0, 0.3))
        if event == "outage":
            window = fake.refuse(503, unavailable_body())
            time.sleep(rng.uniform(2, 4))
            fake.lift(window)
        else:
            (clusters.kill if event == "kill" else clusters.stop)(proc)
            proc, _ = clusters.start(**env)
        wait_for(lambda done=done_before: nudge() or made_since(done) or settled(),
                 timeout=180, what=f"a book made after the {event}", poll=1)

    wait_for(lambda: nudge() or settled(), timeout=300, what="every book settled", poll=1)
    clusters.kill(proc)

    refused = Order.objects.get(child_name=REFUSED)
    others = Order.objects.exclude(pk=refused.pk)
    assert (refused.status, refused.attempts) == (Status.FAILED, 4)
    assert sorted(set(others.values_list("status", flat=True))) == [Status.DONE]
    for order in others:
        assert OrderEvent.objects.filter(order=order, to_status=Status.DONE).count() == 1
        assert sorted(order.emails.values_list("kind", flat=True)) == [EmailKind.QUEUED, EmailKind.READY]
    assert sorted(refused.emails.values_list("kind", flat=True)) == [EmailKind.FAILED, EmailKind.QUEUED, EmailKind.STAFF_ALERT]
    assert OutboundEmail.objects.filter(kind=EmailKind.STAFF_ALERT).count() == 1
    assert not OutboundEmail.objects.filter(kind=EmailKind.DELAYED).exists()
    notes = list(OrderEvent.objects.values_list("note", flat=True))
    assert any("expired during attempt" in note for note in notes)  # a kill struck a book mid-way
    assert any("not counted" in note and "503 UNAVAILABLE" in note for note in notes)  # an outage handed one back
    logs = "".join(path.read_text() for path in clusters.tmp_path.glob("*.log"))
    assert "generation paused (upstream)" in logs  # the outages paused generation, they did not fail books
    assert "generation resumed (upstream)" in logs
