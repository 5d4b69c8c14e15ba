"""Whose fault is it: every failure Google documents, met by the real SDK against the strict fake, then settled.

The fake answers with Google's own error envelopes (code, status, message and google.rpc details); a neutral probe
of the same call is answered automatically unless the staged failure covers it too.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from google.genai import types

from generation.base import BookRequest, GenerationError, Story
from generation.faults import Fault, next_quota_reset, settle
from generation.google import PROBE_STORY, GoogleGenerator
from tests.conftest import free_port
from tests.fakes.genai_server import (
    API_KEY,
    BLOCKED_KEY,
    FakeGenAIServer,
    candidate_blocked_body,
    deadline_body,
    failed_precondition_body,
    image_body,
    internal_body,
    invalid_argument_body,
    permission_denied_body,
    quota_body,
    text_body,
    unavailable_body,
)

FAST_RETRIES = types.HttpRetryOptions(attempts=2, initial_delay=0.01, max_delay=0.02, jitter=0.0)
NAME = "Balthazar"  # the child whose book, and only his, the fake refuses where a test says so


@pytest.fixture
def fake():
    server = FakeGenAIServer(auto=True).start()
    yield server
    server.stop()


@pytest.fixture
def generator(settings, fake):
    settings.GOOGLE_API_KEY = API_KEY
    settings.HERA_GENAI_BASE_URL = fake.base_url
    settings.HERA_TEXT_MODEL = "gemini-test-text"
    settings.HERA_IMAGE_MODEL = "gemini-test-image"
    settings.HERA_IMAGE_SIZE = "1K"
    return GoogleGenerator(retry_options=FAST_RETRIES, timeout_ms=2_000)


def this_book(request) -> bool:
    return NAME in request.prompt


def book() -> BookRequest:
    return BookRequest(child_name=NAME, child_age=5, theme="space", language="en", page_count=2)


def story() -> Story:
    return Story(title="T", pages=["a", "b"], illustration_prompts=[f"{NAME} waves", f"{NAME} sleeps"], character="a boy")


def failure_of_story(generator) -> Exception:
    with pytest.raises(GenerationError) as failed:
        generator.write_story(book())
    return failed.value


def failure_of_picture(generator, tmp_path) -> Exception:
    with pytest.raises(GenerationError) as failed:
        generator.illustrate_page(book(), story(), 0, tmp_path / "page.jpg")
    return failed.value


def probes(fake) -> int:
    return sum(PROBE_STORY in r.prompt or "small grey cat" in r.prompt for r in fake.generate_requests())


def test_a_400_refusing_only_this_book_is_the_books_own(generator, fake):
    fake.refuse(400, invalid_argument_body(), when=this_book)

    verdict = settle(failure_of_story(generator), generator)

    assert verdict.fault == Fault.BOOK
    assert probes(fake) == 1


def test_a_400_refusing_every_request_of_that_shape_is_the_configuration(generator, fake, tmp_path):
    fake.refuse(400, invalid_argument_body("Image generation is not available for this request."))

    verdict = settle(failure_of_picture(generator, tmp_path), generator)

    assert verdict.fault == Fault.CONFIGURATION
    assert verdict.role == "pictures"
    assert probes(fake) == 1  # the probe repeated the picture call (IMAGE modality, image config)
    assert fake.generate_requests()[-1].body["generationConfig"]["responseModalities"] == ["IMAGE"]


def test_a_400_api_key_invalid_is_the_configuration_without_a_probe(settings, generator, fake):
    settings.GOOGLE_API_KEY = "not-the-key"

    verdict = settle(failure_of_story(generator), generator)

    assert verdict.fault == Fault.CONFIGURATION
    assert probes(fake) == 0


def test_a_400_failed_precondition_is_the_configuration(generator, fake):
    fake.refuse(400, failed_precondition_body())

    assert settle(failure_of_story(generator), generator).fault == Fault.CONFIGURATION


def test_a_403_permission_denied_is_the_configuration(generator, fake):
    fake.refuse(403, permission_denied_body())

    assert settle(failure_of_story(generator), generator).fault == Fault.CONFIGURATION


def test_a_blocked_key_is_the_configuration(settings, generator):
    settings.GOOGLE_API_KEY = BLOCKED_KEY

    assert settle(failure_of_story(generator), generator).fault == Fault.CONFIGURATION


def test_a_404_shut_down_model_is_the_configuration(settings, generator):
    settings.HERA_TEXT_MODEL = "gemini-2.5-flash"

    assert settle(failure_of_story(generator), generator).fault == Fault.CONFIGURATION


def test_a_per_minute_quota_is_weather_until_googles_retry_delay(generator, fake):
    fake.refuse(429, quota_body("minute", retry_delay="26s"))
    before = timezone.now()

    verdict = settle(failure_of_story(generator), generator)

    assert verdict.fault == Fault.UPSTREAM
    assert before + timedelta(seconds=25) <= verdict.retry_at <= timezone.now() + timedelta(seconds=27)
    assert probes(fake) == 0  # a quota is the account's: nothing to probe


def test_a_spent_daily_quota_is_weather_until_midnight_pacific(generator, fake):
    fake.refuse(429, quota_body("day", retry_delay=None))

    verdict = settle(failure_of_story(generator), generator)

    assert verdict.fault == Fault.UPSTREAM
    assert verdict.retry_at == next_quota_reset()


def test_the_daily_quota_resets_at_midnight_pacific_time():
    late_evening_in_california = datetime(2026, 12, 4, 23, 30, tzinfo=UTC) + timedelta(hours=8)  # 23:30 PST

    assert next_quota_reset(late_evening_in_california) == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("status, body", [(500, internal_body()), (503, unavailable_body()), (504, deadline_body())],
                         ids=["500 INTERNAL", "503 UNAVAILABLE", "504 DEADLINE_EXCEEDED"])
def test_a_server_error_for_every_request_is_weather(generator, fake, status, body):
    fake.refuse(status, body)

    verdict = settle(failure_of_story(generator), generator)

    assert verdict.fault == Fault.UPSTREAM
    assert probes(fake) == 1


def test_server_errors_for_this_book_only_while_the_probe_passes_are_the_books_own_weather(generator, fake):
    fake.refuse(503, unavailable_body(), when=this_book)

    verdict = settle(failure_of_story(generator), generator)

    assert (verdict.fault, verdict.weather_for_one_book) == (Fault.BOOK, True)


def test_a_timeout_is_weather(settings, fake):
    settings.GOOGLE_API_KEY, settings.HERA_GENAI_BASE_URL = API_KEY, fake.base_url
    settings.HERA_TEXT_MODEL = "gemini-test-text"
    generator = GoogleGenerator(retry_options=FAST_RETRIES, timeout_ms=300)
    fake.stall(1.5)

    verdict = settle(failure_of_story(generator), generator)

    assert verdict.fault == Fault.UPSTREAM
    assert "could not be reached" in verdict.reason


def test_a_refused_connection_is_weather(settings, generator):
    settings.HERA_GENAI_BASE_URL = f"http://127.0.0.1:{free_port()}"

    verdict = settle(failure_of_story(generator), generator)

    assert verdict.fault == Fault.UPSTREAM


def test_a_safety_block_is_the_books_own(generator, fake):
    fake.refuse(200, candidate_blocked_body("SAFETY"), when=this_book)

    verdict = settle(failure_of_story(generator), generator)

    assert verdict.fault == Fault.BOOK
    assert "blocked by a safety filter" in verdict.reason
    assert probes(fake) == 0


def test_an_unprintable_picture_is_the_books_own(generator, fake, tmp_path):
    fake.refuse(200, image_body(b"\xff\xd8 not a picture at all", mime_type="image/jpeg", with_text=False), when=this_book)

    verdict = settle(failure_of_picture(generator, tmp_path), generator)

    assert verdict.fault == Fault.BOOK
    assert "unreadable image" in verdict.reason


def test_an_answer_that_is_not_a_story_is_the_books_own(generator, fake):
    fake.refuse(200, text_body("Once upon a time, no JSON at all."), when=this_book)

    assert settle(failure_of_story(generator), generator).fault == Fault.BOOK
