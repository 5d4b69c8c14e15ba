"""Time the Stripe webhook end to end, on a PostgreSQL database of its own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hera .venv/bin/python bench/webhook.py [--events 50]

Creates `<database>_bench_webhook` (dropped at the end), then posts signed `checkout.session.completed` events built
from Stripe's example objects through Django's test client, each in its own committed transaction as in production
(the after-commit email thread and the worker wake-up included), and prints the median and 90th percentile of the
answer, the number of SQL queries, the same for a redelivery and a bad signature, and how long the `queued` email
took to leave after the answer. The target is a median under 100 ms.
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["STRIPE_WEBHOOK_SECRET"] = "whsec_bench"

from bench.database import bench_database, setup_django  # noqa: E402

setup_django()

from django.core import mail  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from orders.models import Order  # noqa: E402
from tests.fakes.stripe_api import checkout_session, stripe_event, stripe_signature  # noqa: E402

TARGET_MS = 100


def completed_event(order: Order) -> bytes:
    session = checkout_session(
        id=order.stripe_session_id, client_reference_id=order.token, metadata={"order_token": order.token},
        payment_status="paid", status="complete", amount_total=1690, payment_intent=f"pi_bench_{order.pk}",
    )
    return json.dumps(stripe_event("checkout.session.completed", session)).encode()


def post(client: Client, payload: bytes, secret: str = "whsec_bench") -> tuple[float, int]:
    start = time.perf_counter()
    response = client.post(
        reverse("orders:stripe_webhook"), data=payload, content_type="application/json",
        headers={"Stripe-Signature": stripe_signature(payload, secret)},
    )
    return (time.perf_counter() - start) * 1000, response.status_code


def summary(label: str, timings: list[float], queries: int | None = None) -> str:
    timings = sorted(timings)
    p90 = timings[int(0.9 * (len(timings) - 1))]
    return f"{label:34} {statistics.median(timings):10.1f} {p90:8.1f} {'' if queries is None else queries:>8}"


def count_queries(client: Client, payload: bytes) -> int:
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        post(client, payload)
    return len(queries)


def join_email_threads() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("hera-email-"):
            thread.join(10)


def run(events: int, name: str) -> int:
    """Post the events and print the figures; return 0 when the target is met."""
    orders = [
        Order.objects.create(
            email=f"parent{n}@example.com", child_name=f"Child{n}", child_age=5, theme="space", page_count=8,
            stripe_session_id=f"cs_bench_{n}",
        )
        for n in range(events + 4)
    ]
    payloads = [completed_event(order) for order in orders]
    client = Client()
    for payload in payloads[:3]:  # warm up imports, templates and connections
        post(client, payload)
    queries = count_queries(client, payloads[3])
    join_email_threads()
    mail.outbox.clear()
    first, email_lag = [], []
    for payload in payloads[4:]:
        elapsed, status = post(client, payload)
        answered = time.perf_counter()
        assert status == 200
        first.append(elapsed)
        while not mail.outbox and time.perf_counter() - answered < 10:
            time.sleep(0.001)
        email_lag.append((time.perf_counter() - answered) * 1000)
        join_email_threads()
        mail.outbox.clear()
    redelivered = [post(client, payload)[0] for payload in payloads[4:]]
    rejected = [post(client, payload, secret="whsec_wrong")[0] for payload in payloads[4:]]
    assert Order.objects.queued().count() == len(orders)
    print(f"{events} events, database {name}")
    print(f"{'delivery':34} {'median ms':>10} {'p90 ms':>8} {'queries':>8}")
    print(summary("checkout.session.completed (paid)", first, queries))
    print(summary("same event redelivered", redelivered, count_queries(client, payloads[4])))
    print(summary("bad signature (400)", rejected))
    print(summary("queued email sent, after answer", email_lag))
    met = statistics.median(first) < TARGET_MS
    print(f"target: median < {TARGET_MS} ms -> {'met' if met else 'NOT met'}")
    return 0 if met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50)
    args = parser.parse_args()

    with bench_database("webhook") as name:
        try:
            return run(args.events, name)
        finally:
            join_email_threads()  # the email threads use the database: done before it is dropped


if __name__ == "__main__":
    sys.exit(main())
