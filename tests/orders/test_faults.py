"""Whose fault is it, written as the incidents: the worker runs in-process, with the real Google generator and SDK,
against the strict fake Gemini server staging Google's documented failures.

Time is moved, not waited for: `time_passes()` ends every back-off and every pause's wait, as minutes would.
"""

import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from google.genai import types

from generation import google
from generation.base import ModelUsage, UsageMeter
from orders import emails, pause, queue, tasks
from orders.models import EmailKind, GenerationPause, Order, OutboundEmail, Status
from tests.conftest import make_order
from tests.fakes.genai_server import invalid_argument_body, quota_body, unavailable_body
from tests.orders.test_emails import join_email_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("email_threads_finish")]

FAST_RETRIES = types.HttpRetryOptions(attempts=2, initial_delay=0.01, max_delay=0.02, jitter=0.0)
REFUSED = "Balthazar"


@pytest.fixture(autouse=True)
def fast(settings, monkeypatch, gemini):
    """The client's own retries in milliseconds, pictures at 1K, two attempts per order, a staff address."""
    monkeypatch.setattr(google, "default_retry_options", lambda: FAST_RETRIES)
    settings.HERA_IMAGE_SIZE = "1K"
    settings.HERA_MAX_ATTEMPTS = 2
    settings.HERA_STAFF_EMAIL = "staff@hera.example"
    settings.HERA_UPSTREAM_BACKOFF_SECONDS = 5
    settings.HERA_UPSTREAM_BACKOFF_MAX_SECONDS = 30


def time_passes() -> None:
    """Let every back-off and every pause's wait run out, as the minutes would."""
    past = timezone.now() - timedelta(seconds=1)
    Order.objects.filter(not_before__isnull=False).update(not_before=past)
    GenerationPause.objects.filter(next_try_at__isnull=False).update(next_try_at=past)


def kinds(order=None) -> list[str]:
    rows = OutboundEmail.objects.filter(order=order) if order else OutboundEmail.objects.all()
    return sorted(rows.values_list("kind", flat=True))


def status_json(client, order) -> dict:
    return client.get(reverse("orders:status_json", kwargs={"token": order.token})).json()


def healthz(client) -> str:
    return client.get(reverse("orders:healthz")).json()["generation"]


def test_one_order_refused_with_400_fails_alone_while_the_two_behind_it_are_made(gemini):
    gemini.refuse(400, invalid_argument_body(), when=lambda request: REFUSED in request.prompt)
    refused = make_order(status="queued", child_name=REFUSED, page_count=2)
    behind = [make_order(status="queued", page_count=2) for _ in range(2)]

    made = [tasks.process_next_order() for _ in range(3)]  # no time passes

    assert made == [refused.reference, *(o.reference for o in behind)]
    assert [Order.objects.get(pk=o.pk).status for o in behind] == [Status.DONE, Status.DONE]
    refused.refresh_from_db()
    assert (refused.status, refused.attempts) == (Status.QUEUED, 1)
    assert refused.not_before > timezone.now()  # its back-off: not claimable yet, its place kept
    assert tasks.process_next_order() is None

    time_passes()
    assert tasks.process_next_order() == refused.reference

    refused.refresh_from_db()
    assert (refused.status, refused.attempts) == (Status.FAILED, 2)
    assert "400 INVALID_ARGUMENT" in refused.last_error
    assert pause.paused_reason() is None
    assert not refused.events.filter(note__startswith="released").exists()
    assert kinds(refused) == ["failed", "queued", "staff_alert"]
    alert = OutboundEmail.objects.get(kind=EmailKind.STAFF_ALERT)
    assert alert.to == "staff@hera.example"
    assert f"Paid order {refused.reference} ended failed after 2 attempt(s)" in alert.note


def test_a_request_shape_refused_for_every_book_pauses_charges_no_one_and_resumes_when_fixed(settings, gemini, client):
    # This image model offers only 1K pictures: models.get finds it, every picture call is refused.
    settings.HERA_IMAGE_MODEL, settings.HERA_IMAGE_SIZE = "gemini-3.1-flash-lite-image", "2K"
    orders = [make_order(status="queued", page_count=2) for _ in range(2)]

    tasks.process_next_order()

    assert healthz(client) == "paused: configuration"
    assert "Unsupported image size '2K'" in pause.paused_reason()
    assert [Order.objects.get(pk=o.pk).attempts for o in orders] == [0, 0]
    assert [status_json(client, o)["delayed"] for o in orders] == [True, True]

    GenerationPause.objects.update(checked_at=timezone.now() - timedelta(seconds=settings.HERA_GENERATION_RECHECK_SECONDS))
    tasks.queue_tick()  # due: models.get passes, the probe of the picture call is refused again
    assert pause.generation_state() == "paused: configuration"
    assert gemini.generate_requests()[-1].body["generationConfig"]["imageConfig"]["imageSize"] == "2K"

    settings.HERA_IMAGE_SIZE = "1K"  # the operator fixes it; the worker restarts with it
    assert [tasks.process_next_order() for _ in range(2)] == [o.reference for o in orders]

    assert [(o.status, o.attempts) for o in Order.objects.filter(pk__in=[o.pk for o in orders])] == [(Status.DONE, 1)] * 2
    assert "failed" not in kinds()


def test_429_then_503_for_minutes_while_two_wait_fails_none_and_both_are_made_on_googles_return(gemini, client):
    first, second = make_order(status="queued", page_count=2), make_order(status="queued", page_count=2)
    gemini.refuse(429, quota_body("minute", retry_delay="20s"))

    tasks.process_next_order()

    assert healthz(client) == "paused: upstream"
    assert [status_json(client, o)["delayed"] for o in (first, second)] == [True, True]
    assert [status_json(client, o)["eta_minutes"] for o in (first, second)] == [None, None]
    assert tasks.process_next_order() is None  # claims stop until the next try

    gemini.clear_refusals()
    gemini.refuse(503, unavailable_body())
    backoffs = []
    for _ in range(5):  # several minutes of 503: one claim goes through at each next try
        time_passes()
        assert tasks.process_next_order() == first.reference
        assert tasks.process_next_order() is None
        backoffs.append(GenerationPause.objects.get().backoff_seconds)
        assert healthz(client) == "paused: upstream"
        assert status_json(client, second)["delayed"] is True

    assert backoffs == [10, 20, 30, 30, 30]  # doubled up to the cap
    gemini.clear_refusals()  # Google is back
    next_try = GenerationPause.objects.get().next_try_at
    assert next_try - timezone.now() <= timedelta(seconds=30)

    time_passes()
    assert [tasks.process_next_order(), tasks.process_next_order()] == [first.reference, second.reference]

    assert healthz(client) == "ok"
    assert [(o.status, o.attempts) for o in Order.objects.order_by("pk")] == [(Status.DONE, 1), (Status.DONE, 1)]
    assert "failed" not in kinds() and "staff_alert" not in kinds()


def test_an_upstream_pause_hands_the_book_back_with_its_finished_pages(gemini):
    order = make_order(status="queued", page_count=3)
    pictures = [0]

    def third_picture(request):
        if "IMAGE" not in str(request.body.get("generationConfig", {})):
            return False
        pictures[0] += 1
        return pictures[0] >= 3

    gemini.refuse(503, unavailable_body(), when=third_picture)

    tasks.process_next_order()

    order.refresh_from_db()
    assert (order.status, order.attempts, order.pages_done) == (Status.QUEUED, 0, 2)
    assert order.story is not None
    gemini.clear_refusals()
    time_passes()
    before = len(gemini.generate_requests())

    tasks.process_next_order()

    assert Order.objects.get(pk=order.pk).status == Status.DONE
    assert len(gemini.generate_requests()) - before == 1  # only the missing page was drawn


def test_a_spent_daily_quota_waits_for_midnight_pacific(gemini):
    make_order(status="queued", page_count=2)
    gemini.refuse(429, quota_body("day", retry_delay=None))

    tasks.process_next_order()

    from generation.faults import next_quota_reset

    assert GenerationPause.objects.get().next_try_at == next_quota_reset()


def test_an_upstream_pause_lets_one_claim_through_when_its_next_try_is_due():
    for _ in range(2):
        make_order(status="queued")
    pause.generation_pause(pause.UPSTREAM, "503 UNAVAILABLE")
    assert queue.order_claim_next("w1") is None

    time_passes()

    assert queue.order_claim_next("w1") is not None
    assert queue.order_claim_next("w2") is None


def test_an_idle_upstream_pause_whose_probe_is_refused_becomes_a_configuration_pause(gemini):
    pause.generation_pause(pause.UPSTREAM, "Gemini answered 503 UNAVAILABLE", probe="pictures")
    time_passes()
    gemini.refuse(400, invalid_argument_body())  # Google is back, and refuses every request of this shape

    tasks.upstream_pause_recheck()

    assert pause.paused_kind() == pause.CONFIGURATION
    assert not GenerationPause.objects.filter(source=pause.UPSTREAM).exists()


def test_no_second_claim_goes_through_while_the_trial_is_still_running(settings):
    settings.HERA_LEASE_SECONDS = 60
    for _ in range(2):
        make_order(status="queued")
    pause.generation_pause(pause.UPSTREAM, "503 UNAVAILABLE")  # a 5 s back-off
    time_passes()
    assert queue.order_claim_next("w1") is not None  # the trial: its calls are still being retried

    later = timezone.now() + timedelta(seconds=30)  # several back-offs, within the trial's lease

    assert pause.claims_blocked(later)
    assert not pause.claims_blocked(later + timedelta(seconds=31))  # a trial whose worker vanished


def test_a_book_whose_own_calls_meet_weather_while_probes_pass_is_charged_from_the_second_time(gemini):
    gemini.refuse(503, unavailable_body(), when=lambda request: REFUSED in request.prompt)
    order = make_order(status="queued", child_name=REFUSED, page_count=2)

    tasks.process_next_order()
    order.refresh_from_db()
    assert (order.status, order.attempts, order.weather_strikes) == (Status.QUEUED, 0, 1)
    assert order.not_before > timezone.now()
    assert pause.paused_reason() is None  # the upstream answers others: no pause

    time_passes()
    tasks.process_next_order()

    order.refresh_from_db()
    assert (order.status, order.attempts) == (Status.QUEUED, 1)  # now an attempt of its own
    time_passes()
    tasks.process_next_order()
    order.refresh_from_db()
    assert order.status == Status.FAILED

    order.staff_retry(actor="staff")  # a fresh start: the next such attempt is uncounted again
    assert (order.attempts, order.weather_strikes) == (0, 0)


def test_a_pause_past_15_minutes_alerts_staff_once():
    pause.generation_pause(pause.UPSTREAM, "Gemini answered 503 UNAVAILABLE")
    tasks.queue_tick()
    assert "staff_alert" not in kinds()

    GenerationPause.objects.update(paused_at=timezone.now() - timedelta(minutes=16))
    tasks.queue_tick()
    tasks.queue_tick()

    (alert,) = OutboundEmail.objects.filter(kind=EmailKind.STAFF_ALERT)
    assert alert.order is None and "Generation paused (upstream)" in alert.note


def test_an_order_held_by_a_pause_for_over_an_hour_gets_one_delayed_email_in_its_language():
    order = make_order(status="queued", language="en")
    recent = make_order(status="queued")
    Order.objects.filter(pk=order.pk).update(queued_at=timezone.now() - timedelta(minutes=61))
    pause.generation_pause(pause.UPSTREAM, "Gemini answered 503 UNAVAILABLE")
    GenerationPause.objects.update(paused_at=timezone.now() - timedelta(minutes=61))

    tasks.queue_tick()
    tasks.queue_tick()
    join_email_threads()

    assert kinds(order) == ["delayed", "queued"]
    assert kinds(recent) == ["queued"]
    (message,) = [m for m in mail.outbox if m.extra_headers["X-Hera-Email"] == "delayed"]
    assert message.subject == "Zoë's book is delayed"
    assert "Your place in line is kept" in message.body


def test_no_customer_email_for_a_short_pause(gemini):
    make_order(status="queued", page_count=2)
    gemini.refuse(503, unavailable_body())

    tasks.process_next_order()
    tasks.queue_tick()

    assert kinds() == ["queued"]


def test_a_staff_alert_is_rendered_for_staff_with_its_header():
    pause.generation_pause(pause.UPSTREAM, "Gemini answered 429 RESOURCE_EXHAUSTED: You exceeded your current quota")
    GenerationPause.objects.update(paused_at=timezone.now() - timedelta(minutes=20))
    tasks.queue_tick()

    message = emails.email_message(OutboundEmail.objects.get(kind=EmailKind.STAFF_ALERT))

    assert message.extra_headers["X-Hera-Email"] == "staff_alert"
    assert message.to == ["staff@hera.example"]
    assert "You exceeded your current quota" in message.body and "/admin/orders/order/queue/" in message.body


def test_a_book_in_progress_is_handed_back_uncounted_when_another_book_meets_the_upstreams_weather(settings):
    settings.HERA_GENERATOR, settings.HERA_OFFLINE_PAGE_SECONDS, settings.HERA_IMAGE_CONCURRENCY = "offline", 0.5, 1
    settings.HERA_LEASE_SECONDS = 3  # the lease keeper beats, and looks for a new upstream pause, every second
    order = make_order(status="queued", page_count=12)

    def another_book_meets_the_weather():
        deadline = time.monotonic() + 120
        while not Order.objects.filter(pk=order.pk, pages_done__gte=1).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        pause.generation_pause(pause.UPSTREAM, "Gemini answered 503 UNAVAILABLE for another book")
        connection.close()

    weather = threading.Thread(target=another_book_meets_the_weather)
    weather.start()
    assert tasks.process_next_order() == order.reference
    weather.join()

    order.refresh_from_db()
    assert (order.status, order.attempts) == (Status.QUEUED, 0)
    assert 1 <= order.pages_done < 12  # handed back mid-book with the pages it finished
    assert order.events.filter(note__contains="generation paused (upstream)").exists()
    assert kinds(order) == ["queued"]


def test_the_trial_claim_of_an_older_upstream_pause_is_not_handed_back(settings):
    settings.HERA_GENERATOR, settings.HERA_OFFLINE_PAGE_SECONDS = "offline", 0
    settings.HERA_LEASE_SECONDS = 3
    pause.generation_pause(pause.UPSTREAM, "Gemini answered 503 UNAVAILABLE")
    order = make_order(status="queued", page_count=2)
    time_passes()

    assert tasks.process_next_order() == order.reference

    order.refresh_from_db()
    assert order.status == Status.DONE


def answered(generator_calls: int = 1) -> SimpleNamespace:
    """A generator whose meter holds `generator_calls` answered picture calls."""
    meter = UsageMeter()
    meter.record("pictures", ModelUsage(calls=generator_calls))
    return SimpleNamespace(meter=meter)


def test_answers_to_a_book_claimed_before_an_upstream_pause_do_not_lift_it():
    make_order(status="queued", page_count=2)
    claimed = queue.order_claim_next("w")
    pause.generation_pause(pause.UPSTREAM, "Gemini answered 429 RESOURCE_EXHAUSTED for another book")

    tasks.usage_flush(claimed.pk, answered(), claimed.started_at)

    assert pause.paused_kind() == pause.UPSTREAM  # the book is handed back; the pause ends by its trial


def test_an_answer_to_the_trial_claim_lifts_the_upstream_pause():
    pause.generation_pause(pause.UPSTREAM, "Gemini answered 503 UNAVAILABLE")
    make_order(status="queued", page_count=2)
    time_passes()
    trial = queue.order_claim_next("w")

    tasks.usage_flush(trial.pk, answered(), trial.started_at)

    assert pause.paused_kind() is None
