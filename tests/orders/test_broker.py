"""The cluster's task broker rides out a lost or refused database connection instead of crashing the pusher."""

import threading
import time

import pytest
from django.db import connection
from django_q.brokers import get_broker
from django_q.models import OrmQ

from orders.broker import POLL_AGAIN_SECONDS, BlipProofORM

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_cluster_uses_the_blip_proof_orm_broker():
    assert isinstance(get_broker(), BlipProofORM)


def test_the_pusher_polls_again_while_the_database_refuses_connections(refuse_connections):
    broker = get_broker()
    refuse_connections()
    started = time.monotonic()
    assert broker.dequeue() is None
    assert time.monotonic() - started >= POLL_AGAIN_SECONDS


def test_a_task_acknowledged_while_the_database_restarts_is_deleted_once_it_is_back(refuse_connections):
    broker = get_broker()
    task_id = broker.enqueue("a signed task")
    port = connection.settings_dict["PORT"]
    refuse_connections()
    back = threading.Timer(1.0, lambda: connection.settings_dict.__setitem__("PORT", port))
    back.start()
    broker.acknowledge(task_id)
    back.join()
    assert not OrmQ.objects.filter(pk=task_id).exists()
