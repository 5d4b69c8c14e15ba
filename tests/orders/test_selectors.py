import math
from datetime import timedelta

import pytest
from django.utils import timezone

from orders import queue, selectors
from orders.models import Order
from tests.conftest import make_order

pytestmark = pytest.mark.django_db

T0 = timezone.now() - timedelta(hours=1)


def queued(minute: int = 0) -> Order:
    """A queued order, queued `minute` minutes after T0."""
    order = make_order(status="queued")
    Order.objects.filter(pk=order.pk).update(queued_at=T0 + timedelta(minutes=minute))
    order.refresh_from_db()
    return order


# Position and ETA


@pytest.mark.parametrize("concurrency", [1, 2])
@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_position_and_eta_for_each_order_in_line(settings, concurrency, count):
    settings.HERA_CONCURRENT_GENERATIONS = concurrency
    settings.HERA_MINUTES_PER_BOOK = 5
    orders = [queued(minute=i) for i in range(count)]
    for _ in range(concurrency):
        queue.order_claim_next("w")
    everyone = selectors.positions()

    for expected, order in enumerate(orders, start=1):
        order.refresh_from_db()
        assert selectors.position(order) == expected
        assert everyone[order.pk] == expected
        assert selectors.eta_minutes(order) == math.ceil(expected / concurrency) * 5


def test_positions_and_etas_with_one_generation_at_a_time(settings):
    settings.HERA_CONCURRENT_GENERATIONS = 1
    orders = [queued(minute=i) for i in range(3)]
    queue.order_claim_next("w")
    places = [selectors.position(Order.objects.get(pk=o.pk)) for o in orders]
    assert places == [1, 2, 3]
    assert [selectors.eta_minutes(Order.objects.get(pk=o.pk)) for o in orders] == [5, 10, 15]


def test_positions_and_etas_with_two_generations_at_once(settings):
    settings.HERA_CONCURRENT_GENERATIONS = 2
    orders = [queued(minute=i) for i in range(5)]
    queue.order_claim_next("w1"), queue.order_claim_next("w2")
    places = [selectors.position(Order.objects.get(pk=o.pk)) for o in orders]
    assert places == [1, 2, 3, 4, 5]
    assert [selectors.eta_minutes(Order.objects.get(pk=o.pk)) for o in orders] == [5, 5, 10, 10, 15]


def test_a_queued_order_counts_generating_orders_ahead_even_before_a_claim():
    generating = queued(minute=0)
    queue.order_claim_next("w")
    first_waiting = queued(minute=1)
    assert selectors.position(Order.objects.get(pk=generating.pk)) == 1
    assert selectors.position(first_waiting) == 2


def test_orders_outside_the_line_have_no_position_or_eta():
    pending = make_order()
    assert selectors.position(pending) is None
    assert selectors.eta_minutes(pending) is None
    done = queued()
    claimed = queue.order_claim_next("w")
    queue.order_finish(claimed.pk, claimed.lease_token, "books/x.pdf")
    done.refresh_from_db()
    assert selectors.position(done) is None
    assert done.pk not in selectors.positions()



# The summary behind /api/queue-status


def test_queue_summary_counts_queued_orders_and_names_the_current_job():
    assert selectors.queue_summary() == {"queue_size": 0, "is_processing": False, "current_job": None}
    first, _ = queued(minute=0), queued(minute=1)
    queue.order_claim_next("w")
    assert selectors.queue_summary() == {"queue_size": 1, "is_processing": True, "current_job": f"#{first.pk}"}
