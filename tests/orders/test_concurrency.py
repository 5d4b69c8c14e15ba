"""Claims under real contention: separate OS processes, each with its own PostgreSQL connection to the test database."""

import json
import os
import subprocess
import sys
import time
from collections import Counter
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction

from orders import queue
from orders.models import Order, OrderEvent, Priority, Status
from tests.conftest import make_order

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL")

PROCESSES = 8
ORDERS = 200

# Each claimer waits for "go" on stdin so that all of them start at once, then claims and finishes until the queue
# is empty. Right after each claim it counts the live generating rows it can see.
CLAIMER = """
import json, sys, time
import django
django.setup()
from django.conf import settings
from orders import emails, queue
# The ready emails stay in the outbox for the sweep: a delivery thread per book would open 200 more connections.
emails.email_deliver_soon = lambda email_id: None
from orders.models import Order

worker, hold = sys.argv[1], float(sys.argv[2])
Order.objects.exists()  # connect before the start signal
print("ready", flush=True)
sys.stdin.readline()
claims, most_seen = [], 0
while True:
    order = queue.order_claim_next(worker)
    if order is None:
        if not Order.objects.queued().exists():
            break
        time.sleep(0.05)  # a worker's poll: spinning faster only steals the CPU of the claimer that holds a slot
        continue
    most_seen = max(most_seen, Order.objects.live_generating().count())
    time.sleep(hold)
    queue.order_finish(order.pk, order.lease_token, f"books/{order.pk}.pdf", worker_id=worker)
    claims.append(order.pk)
print(json.dumps({"claims": claims, "most_seen": most_seen}), flush=True)
"""


def queued(priority: int) -> Order:
    """Queue an order by its transition alone: this test is about claims, not confirmation emails."""
    order = make_order(priority=priority)
    order.queue(actor="test")
    return order


def subprocess_database_url() -> str:
    """The URL of the test database pytest-django created, for processes that open their own connection."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def run_claimers(limit: int, hold_seconds: float) -> list[dict]:
    env = {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "HERA_CONCURRENT_GENERATIONS": str(limit),
        "HERA_LOG_LEVEL": "WARNING",
    }
    claimers = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, f"claimer-{n}", str(hold_seconds)],
            cwd=settings.BASE_DIR, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for n in range(PROCESSES)
    ]
    try:
        for claimer in claimers:
            assert claimer.stdout.readline().strip() == "ready", claimer.stderr.read()
        for claimer in claimers:
            claimer.stdin.write("go\n")
            claimer.stdin.flush()
        results = []
        for claimer in claimers:
            out, err = claimer.communicate(timeout=60)
            assert claimer.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for claimer in claimers:
            if claimer.poll() is None:
                claimer.kill()
                claimer.wait()


def most_generating_at_once() -> int:
    """Replay the audit trail: the largest number of orders between their claim and their completion."""
    # A finish's event is written before its commit frees the slot, and the next claim's after it: at equal times
    # the end sorts first.
    changes = sorted(
        (event.at, 1 if event.to_status == Status.GENERATING else -1)
        for event in OrderEvent.objects.filter(from_status__in=[Status.QUEUED, Status.GENERATING]).exclude(
            to_status=Status.QUEUED
        )
    )
    current = most = 0
    for _, delta in changes:
        current += delta
        most = max(most, current)
    return most


@pytest.mark.slow
# With one slot the 200 books go one after another; 60 keep the test short and still make 8 processes fight for it.
@pytest.mark.parametrize(("limit", "count"), [(3, ORDERS), (1, 60)])
def test_eight_processes_claim_every_order_exactly_once_within_the_limit(transactional_db, limit, count):
    priorities = [Priority.HIGH, Priority.NORMAL, Priority.LOW]
    ids = {queued(priorities[n % 3]).pk for n in range(count)}

    started = time.monotonic()
    results = run_claimers(limit, hold_seconds=0.005)
    elapsed = time.monotonic() - started

    claims = Counter(pk for result in results for pk in result["claims"])
    assert set(claims) == ids
    assert set(claims.values()) == {1}
    claimed_events = Counter(
        OrderEvent.objects.filter(from_status=Status.QUEUED, to_status=Status.GENERATING).values_list(
            "order_id", flat=True
        )
    )
    assert claimed_events == Counter(dict.fromkeys(ids, 1))
    assert Order.objects.filter(status=Status.DONE).count() == count
    assert Order.objects.exclude(attempts=1).count() == 0

    assert max(result["most_seen"] for result in results) <= limit
    assert most_generating_at_once() == limit
    busy = sum(1 for result in results if result["claims"])
    assert busy >= 2, "the claims were not spread over several processes"
    print(f"limit {limit}: {count} orders by {busy}/{PROCESSES} processes in {elapsed:.1f}s")


def test_claim_next_skips_a_row_locked_elsewhere_instead_of_waiting(transactional_db, settings):
    settings.HERA_CONCURRENT_GENERATIONS = 2
    first = make_order(status="queued")
    second = make_order(status="queued")
    table = Order._meta.db_table
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    ) as other:
        other.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [first.pk])  # held until rollback
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # a claim that waited would fail here, not hang
        try:
            # The row really is locked: a plain FOR UPDATE gives up after the timeout.
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '200ms'")
            with pytest.raises(OperationalError), transaction.atomic():
                Order.objects.select_for_update().get(pk=first.pk)
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '3s'")

            started = time.monotonic()
            claimed = queue.order_claim_next("w1")
            waited = time.monotonic() - started
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        assert claimed.pk == second.pk
        assert waited < 1
        other.rollback()

    assert queue.order_claim_next("w2").pk == first.pk
