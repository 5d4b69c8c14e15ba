import pytest
from django.urls import reverse

from orders import queue
from orders.models import Status
from tests.conftest import make_order


@pytest.mark.django_db
def test_enqueue_then_claim_generates_the_order():
    order = make_order(status="queued")
    claimed = queue.claim_next("w1")
    assert claimed.pk == order.pk
    assert claimed.status == Status.GENERATING


@pytest.mark.django_db
def test_queue_status_has_the_spec_fields(client):
    make_order(status="queued")
    assert client.get(reverse("orders:queue_status")).json() == {
        "queue_size": 1, "is_processing": False, "current_job": None,
    }
