"""The ETA tells the truth: a book being drawn counts its pages left, and `auto` learns from the books made."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders import queue, selectors
from orders.models import Order, Status
from tests.conftest import make_order, order_in

pytestmark = pytest.mark.django_db


def made(pages: int, minutes: float, *, generator: str = "offline", days_ago: float = 0) -> Order:
    """Record a finished book of `pages` pages that took `minutes` with `generator`."""
    order = order_in(Status.DONE, page_count=pages)
    finished = timezone.now() - timedelta(days=days_ago)
    Order.objects.filter(pk=order.pk).update(
        started_at=finished - timedelta(minutes=minutes), finished_at=finished, generator=generator
    )
    return order


def drawing(pages: int, done: int) -> Order:
    order = order_in(Status.GENERATING, page_count=pages, pages_done=done)
    return order


@pytest.mark.parametrize(
    ("pages", "done", "expected"), [(12, 0, 5), (12, 6, 3), (16, 15, 1), (2, 1, 3), (24, 12, 3), (24, 23, 1)]
)
def test_a_book_being_drawn_counts_only_its_pages_left(settings, pages, done, expected):
    settings.HERA_MINUTES_PER_BOOK = 5
    assert selectors.eta_minutes(drawing(pages, done)) == expected


def test_a_book_with_every_page_drawn_waits_only_for_its_pdf(settings):
    settings.HERA_MINUTES_PER_BOOK = 5
    assert selectors.eta_minutes(drawing(4, 4)) == 0


def test_the_fixed_figure_is_per_book_for_a_queued_order(settings):
    settings.HERA_MINUTES_PER_BOOK = 7
    drawing(12, 6)
    waiting = make_order(status="queued", page_count=24)
    assert selectors.eta_minutes(waiting) == 14  # position 2, one book at once


# HERA_MINUTES_PER_BOOK=auto, over a recorded history of books.


def test_auto_learns_the_median_minutes_per_page_of_recent_books(settings):
    settings.HERA_MINUTES_PER_BOOK = "auto"
    made(10, 10)  # 1.0 min/page
    made(4, 2)  # 0.5
    made(8, 16)  # 2.0
    assert selectors.minutes_per_page() == 1.0


def test_auto_learns_only_from_the_generator_in_use(settings):
    settings.HERA_MINUTES_PER_BOOK = "auto"
    settings.HERA_GENERATOR = "offline"
    made(10, 1, generator="offline")
    made(10, 40, generator="google")
    assert selectors.minutes_per_page() == pytest.approx(0.1)
    assert selectors.minutes_per_page("google") == pytest.approx(4.0)


def test_auto_forgets_books_older_than_the_recent_ones(settings):
    settings.HERA_MINUTES_PER_BOOK = "auto"
    for age in range(selectors.LEARN_FROM_BOOKS):
        made(10, 30, days_ago=1 + age)  # slow books, long ago
    for _ in range(selectors.LEARN_FROM_BOOKS):
        made(10, 5)  # the recent pace: half a minute a page
    assert selectors.minutes_per_page() == pytest.approx(0.5)


def test_auto_eta_of_a_book_being_drawn_is_its_pages_left_at_the_learned_pace(settings):
    settings.HERA_MINUTES_PER_BOOK = "auto"
    made(10, 20)  # 2 min/page
    assert selectors.eta_minutes(drawing(12, 6)) == 12


def test_auto_eta_of_a_queued_order_counts_the_pages_left_ahead_and_its_own(settings):
    settings.HERA_MINUTES_PER_BOOK = "auto"
    settings.HERA_CONCURRENT_GENERATIONS = 1
    made(10, 10)  # 1 min/page
    drawing(12, 9)  # 3 pages left
    ahead = make_order(status="queued", page_count=24)
    mine = make_order(status="queued", page_count=2)
    assert selectors.eta_minutes(ahead) == 3 + 24
    assert selectors.eta_minutes(mine) == 3 + 24 + 2


def test_auto_eta_is_shared_by_the_books_made_at_once(settings):
    settings.HERA_MINUTES_PER_BOOK = "auto"
    settings.HERA_CONCURRENT_GENERATIONS = 2
    made(10, 10)
    make_order(status="queued", page_count=20)
    mine = make_order(status="queued", page_count=4)
    assert selectors.eta_minutes(mine) == 12  # (20 + 4) / 2


def test_auto_without_any_book_made_uses_five_minutes_a_book(settings):
    settings.HERA_MINUTES_PER_BOOK = "auto"
    settings.HERA_CONCURRENT_GENERATIONS = 1
    make_order(status="queued")
    mine = make_order(status="queued")
    assert selectors.minutes_per_page() is None
    assert selectors.eta_minutes(mine) == 10


def test_a_two_page_book_and_a_twenty_four_page_book_are_told_different_waits(settings):
    settings.HERA_MINUTES_PER_BOOK = "auto"
    made(12, 12)
    short = make_order(status="queued", page_count=2)
    assert selectors.eta_minutes(short) == 2
    queue.order_claim_next("w")
    long = make_order(status="queued", page_count=24)
    Order.objects.filter(pk=short.pk).delete()
    assert selectors.eta_minutes(long) == 24


def test_a_finished_book_records_the_generator_that_made_it(settings):
    settings.HERA_GENERATOR = "offline"
    assert order_in(Status.DONE).generator == "offline"


@pytest.mark.parametrize("minutes", [5, "auto"])
@pytest.mark.parametrize("concurrency", [1, 2])
def test_the_admins_etas_for_the_whole_line_are_each_orders_own(settings, minutes, concurrency):
    settings.HERA_MINUTES_PER_BOOK = minutes
    settings.HERA_CONCURRENT_GENERATIONS = concurrency
    made(10, 7)
    drawing(12, 5)
    drawing(6, 1)
    line = [make_order(status="queued", page_count=pages) for pages in (2, 24, 8, 3)]
    everyone = selectors.etas()
    for order in [*Order.objects.generating(), *line]:
        assert everyone[order.pk] == selectors.eta_minutes(Order.objects.get(pk=order.pk)), order.pk
    assert len(everyone) == 6


@pytest.mark.parametrize("minutes", [5, "auto"])
def test_the_admins_eta_of_an_order_in_its_retry_back_off_is_its_own(settings, minutes):
    settings.HERA_MINUTES_PER_BOOK = minutes
    made(10, 7)
    waiting = make_order(status="queued", page_count=4)
    Order.objects.filter(pk=waiting.pk).update(not_before=timezone.now() + timedelta(minutes=40, seconds=30))
    make_order(status="queued", page_count=4)
    everyone = selectors.etas()
    for order in Order.objects.queued():
        assert everyone[order.pk] == selectors.eta_minutes(order), order.pk
    assert everyone[waiting.pk] == 41
