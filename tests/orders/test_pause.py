"""A generator configuration error pauses generation instead of failing the customer's order, and resumes when fixed.

The worker runs in-process with the real Google generator against the strict fake Gemini server.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders import pause, queue, tasks
from orders.models import EmailKind, GenerationPause, Order, OutboundEmail, Status
from tests.conftest import make_order
from tests.fakes.genai_server import API_KEY, BLOCKED_KEY, FakeModel, candidate_blocked_body

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("email_threads_finish")]


@pytest.fixture(autouse=True)
def one_attempt(settings):
    settings.HERA_MAX_ATTEMPTS = 1  # a counted attempt would fail the order at once


BROKEN_SETUPS = {
    "a field v1 lacks": ("HERA_GENAI_API_VERSION", "v1", "v1beta", 'Unknown name "systemInstruction"'),
    "a shut-down model": ("HERA_TEXT_MODEL", "gemini-2.5-flash", "gemini-3.5-flash-lite", "404 NOT_FOUND"),
    "a wrong key": ("GOOGLE_API_KEY", "not-the-key", API_KEY, "API key not valid"),
    "a blocked key": ("GOOGLE_API_KEY", BLOCKED_KEY, API_KEY, "403 PERMISSION_DENIED"),
    "no key": ("GOOGLE_API_KEY", "", API_KEY, "needs GOOGLE_API_KEY"),
}


@pytest.mark.parametrize("setup", BROKEN_SETUPS.values(), ids=BROKEN_SETUPS.keys())
def test_a_configuration_error_pauses_generation_and_keeps_the_order_uncounted(settings, gemini, setup):
    name, broken, _, words = setup
    setattr(settings, name, broken)
    order = make_order(status="queued", page_count=2)
    queued_at = Order.objects.get(pk=order.pk).queued_at

    assert tasks.process_next_order() == order.reference

    order.refresh_from_db()
    assert (order.status, order.attempts, order.queued_at, order.not_before) == (Status.QUEUED, 0, queued_at, None)
    assert not OutboundEmail.objects.filter(order=order, kind=EmailKind.FAILED).exists()
    assert words in pause.paused_reason()
    assert order.events.last().note.startswith("released, attempt 1 not counted")


@pytest.mark.parametrize("setup", BROKEN_SETUPS.values(), ids=BROKEN_SETUPS.keys())
def test_a_paused_worker_resumes_at_once_when_restarted_with_the_setting_fixed(settings, gemini, setup):
    name, broken, fixed, _ = setup
    setattr(settings, name, broken)
    order = make_order(status="queued", page_count=2)
    tasks.process_next_order()
    assert tasks.process_next_order() is None  # still broken, checked at most every few minutes: nothing claimed

    setattr(settings, name, fixed)  # the worker restarted with the corrected variable
    assert tasks.process_next_order() == order.reference

    order.refresh_from_db()
    assert order.status == Status.DONE
    assert order.attempts == 1
    assert pause.paused_reason() is None


def test_a_paused_worker_claims_nothing(gemini):
    pause.generation_pause(pause.CONFIGURATION, "the key was refused", fingerprint="same")
    make_order(status="queued")

    assert queue.order_claim_next("w") is None
    assert Order.objects.get().status == Status.QUEUED


def test_queue_tick_checks_a_paused_setup_again_when_due_and_resumes(settings, gemini):
    settings.HERA_TEXT_MODEL = "gemini-3.9-flash"  # not yet released: unknown to the API
    make_order(status="queued", page_count=2)
    tasks.process_next_order()
    GenerationPause.objects.update(checked_at=timezone.now() - timedelta(seconds=settings.HERA_GENERATION_RECHECK_SECONDS))

    tasks.queue_tick()  # due: models.get still answers 404
    assert "gemini-3.9-flash does not exist or was shut down" in pause.paused_reason()
    assert [r.method for r in gemini.requests][-2:] == ["GET", "GET"]

    gemini.models["gemini-3.9-flash"] = FakeModel("text")  # Google releases it
    GenerationPause.objects.update(checked_at=timezone.now() - timedelta(seconds=settings.HERA_GENERATION_RECHECK_SECONDS))
    tasks.queue_tick()

    assert pause.paused_reason() is None


def test_a_paused_setup_is_not_checked_again_before_it_is_due(gemini):
    pause.generation_pause(pause.CONFIGURATION, "the key was refused", fingerprint=tasks.configuration_fingerprint())

    tasks.queue_tick()

    assert gemini.requests == []
    assert pause.paused_reason() == "the key was refused"


def test_a_safety_block_stays_an_attempt_of_that_order(settings, gemini):
    settings.HERA_MAX_ATTEMPTS = 3
    order = make_order(status="queued", page_count=2)
    for _ in range(2):
        gemini.reply(candidate_blocked_body("SAFETY"))

    tasks.process_next_order()

    order.refresh_from_db()
    assert (order.status, order.attempts) == (Status.QUEUED, 1)
    assert "blocked by a safety filter" in order.last_error
    assert pause.paused_reason() is None


def test_healthz_says_whether_generation_runs_and_only_the_kind_of_pause(client):
    assert client.get(reverse("orders:healthz")).json()["generation"] == "ok"

    pause.generation_pause(pause.CONFIGURATION, "GOOGLE_API_KEY was refused (API key reported as leaked).")

    assert client.get(reverse("orders:healthz")).json()["generation"] == "paused: configuration"


def test_every_source_of_a_pause_is_reported_and_lifted_on_its_own():
    pause.generation_pause(pause.CONFIGURATION, "the model is gone.")
    pause.generation_pause("memory", "the worker is short of memory.")

    assert pause.generation_state() == "paused: configuration"
    assert pause.paused_reason() == "the model is gone.; the worker is short of memory."
    pause.generation_resume(pause.CONFIGURATION)
    assert pause.generation_state() == "paused: memory"


def test_a_google_book_records_its_calls_and_tokens_on_the_order(gemini):
    order = make_order(status="queued", page_count=3)

    tasks.process_next_order()

    order.refresh_from_db()
    assert order.status == Status.DONE
    assert order.generation_usage == {
        "story": {
            "calls": 1, "retries": 0, "prompt_tokens": 120, "output_tokens": 480, "thoughts_tokens": 0, "transient_errors": 0
        },
        "pictures": {
            "calls": 3, "retries": 0, "prompt_tokens": 900, "output_tokens": 3 * 1680, "thoughts_tokens": 0,
            "transient_errors": 0,
        },
    }


def test_the_admin_order_page_shows_the_calls_and_the_estimated_cost(english_admin):
    order = make_order(status="queued")
    queue.order_record_usage(order.pk, {"pictures": {"calls": 2, "retries": 1, "prompt_tokens": 600, "output_tokens": 3360, "thoughts_tokens": 0}})

    page = english_admin.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert "pictures: 2 call(s) incl. 1 softened retry, 600 tokens in, 3,360 out, 0 thinking" in page
    assert "$0.20 (at the HERA_GOOGLE_*_PRICE settings)" in page
