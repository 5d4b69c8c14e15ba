"""The memory guard with the instance's real memory, read against thresholds set below or above it."""

import logging

import pytest
from django.core.files.storage import default_storage

from generation.book import page_name
from orders import memory_guard, pause, queue, tasks
from orders.models import GenerationPause, Order, OrderEvent, Status
from tests.conftest import make_order

pytestmark = pytest.mark.django_db(transaction=True)

FAR_ABOVE_MB = 10**7  # no instance comes near
BELOW_ANY_MB = 1  # every instance is over


@pytest.fixture(autouse=True)
def worker_log(caplog, monkeypatch, email_threads_finish):
    # The "hera" logger does not propagate to the root logger, where caplog listens.
    monkeypatch.setattr(logging.getLogger("hera"), "propagate", True)
    caplog.set_level(logging.INFO, logger="hera")
    return caplog


def memory_pause() -> str | None:
    return GenerationPause.objects.filter(source=memory_guard.MEMORY).values_list("reason", flat=True).first()


def test_the_instance_memory_counts_this_process():
    assert 10 < memory_guard.instance_memory_mb() < FAR_ABOVE_MB


def test_over_the_threshold_the_worker_hands_the_book_back_after_the_page_in_hand(settings):
    settings.HERA_IMAGE_CONCURRENCY = 1
    order = make_order(status="queued", page_count=4)
    claimed = queue.order_claim_next("test-worker")
    settings.HERA_MEMORY_GUARD_MB = BELOW_ANY_MB  # the instance grows past it during the book

    tasks.build_order(claimed, "test-worker")

    order.refresh_from_db()
    assert (order.status, order.pages_done, order.attempts) == (Status.QUEUED, 1, 0)
    assert default_storage.exists(page_name(tasks.work_prefix(order), 0))
    assert not default_storage.exists(page_name(tasks.work_prefix(order), 1))
    handed_back = OrderEvent.objects.filter(order=order).latest("at", "id")
    assert (handed_back.from_status, handed_back.to_status) == (Status.GENERATING, Status.QUEUED)
    assert "not counted: memory: instance at" in handed_back.note
    assert memory_pause().startswith("memory: instance at ")
    assert pause.generation_state() == "paused: memory"  # what /healthz says: the kind only
    assert pause.paused_reason().startswith("memory: instance at ")  # what staff see


def test_over_the_threshold_the_worker_claims_nothing_and_says_why(settings, worker_log):
    settings.HERA_MEMORY_GUARD_MB = BELOW_ANY_MB
    order = make_order(status="queued")

    assert tasks.process_next_order() is None

    assert Order.objects.get(pk=order.pk).status == Status.QUEUED
    assert memory_pause().startswith("memory: instance at ")
    assert " MB, over HERA_MEMORY_GUARD_MB=1; claiming again under 90% of it" in memory_pause()
    assert "generation paused (memory): memory: instance at" in worker_log.text


def test_a_paused_worker_stays_paused_until_memory_is_back_under_nine_tenths(settings):
    memory_guard.memory_pause("instance at 470 MB, over HERA_MEMORY_GUARD_MB=460")
    settings.HERA_MEMORY_GUARD_MB = int(memory_guard.instance_memory_mb() / 0.95)  # under it, not 10 % under
    make_order(status="queued")

    assert tasks.process_next_order() is None
    assert memory_pause().startswith("memory: instance at 470 MB")


def test_claiming_resumes_once_memory_is_back(settings, worker_log):
    memory_guard.memory_pause("instance at 470 MB, over HERA_MEMORY_GUARD_MB=460")
    settings.HERA_MEMORY_GUARD_MB = FAR_ABOVE_MB
    order = make_order(status="queued", page_count=2)

    assert tasks.process_next_order() == order.reference

    assert Order.objects.get(pk=order.pk).status == Status.DONE
    assert memory_pause() is None
    assert "claiming again" in worker_log.text


def test_queue_tick_lifts_the_pause_once_memory_is_back(settings):
    memory_guard.memory_pause("instance at 470 MB, over HERA_MEMORY_GUARD_MB=460")
    settings.HERA_MEMORY_GUARD_MB = FAR_ABOVE_MB

    tasks.queue_tick()

    assert memory_pause() is None


def test_over_the_threshold_the_worker_makes_no_picture_call(settings, gemini):
    settings.HERA_IMAGE_CONCURRENCY = 1
    order = make_order(status="queued", page_count=2)
    claimed = queue.order_claim_next("test-worker")
    settings.HERA_MEMORY_GUARD_MB = BELOW_ANY_MB

    tasks.build_order(claimed, "test-worker")

    order.refresh_from_db()
    assert (order.status, order.pages_done, order.attempts) == (Status.QUEUED, 0, 0)
    assert [request.model for request in gemini.generate_requests()] == [settings.HERA_TEXT_MODEL]  # the story only
    assert "before a picture call" in memory_pause()


def test_a_picture_call_waits_while_the_answers_in_flight_would_not_fit(settings):
    settings.HERA_MEMORY_PER_ANSWER_MB = 40
    settings.HERA_MEMORY_GUARD_MB = memory_guard.instance_memory_mb() + 100  # room for two answers, not three

    assert memory_guard.check_picture_call(in_flight=2) is True
    assert memory_guard.check_picture_call(in_flight=3) is False
