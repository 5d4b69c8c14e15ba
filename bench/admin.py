"""Time the admin's order list and live queue page with a full queue, on a PostgreSQL database of its own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hera .venv/bin/python bench/admin.py [--orders 500] [--requests 30]

Creates `<database>_bench_admin` (dropped at the end), fills it with orders walked through their transitions,
then requests each page with Django's test client as a logged-in superuser and prints the median, the 90th
percentile and the number of SQL queries. The target is a median under 200 ms.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.database import bench_database, setup_django  # noqa: E402

setup_django()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from orders.models import Kind, Order, Priority  # noqa: E402

TARGET_MS = 200


def fill(count: int) -> None:
    """Create `count` orders: one generating, most queued, some done and failed today, a few cancelled."""
    kinds = [(Kind.PAID, Priority.HIGH)] * 6 + [(Kind.FREE, Priority.LOW), (Kind.TEST, Priority.LOW)]
    orders = Order.objects.bulk_create(
        Order(
            email=f"parent{index}@example.com", child_name=f"Child{index}", child_age=5, theme="space",
            page_count=4 + index % 12, kind=kinds[index % len(kinds)][0], priority=kinds[index % len(kinds)][1],
        )
        for index in range(count)
    )
    for index, order in enumerate(orders):
        order.queue(actor="bench")
        if index == 0:
            order.claim(worker_id="bench:1", lease_seconds=60)
        elif index % 7 == 0:
            order.claim(worker_id="bench:1", lease_seconds=60)
            order.finish(pdf_name=f"books/{order.token}.pdf", actor="bench:1")
        elif index % 25 == 0:
            order.claim(worker_id="bench:1", lease_seconds=60)
            order.fail(error="bench failure", actor="bench:1")
        elif index % 50 == 1:
            order.cancel(actor="bench")


def measure(client: Client, url: str, requests: int) -> dict:
    for _ in range(3):  # warm the template and query caches
        assert client.get(url).status_code == 200
    queries = []
    # Counted by a wrapper, which survives the connection being closed at the end of each request.
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        client.get(url)
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    timings.sort()
    return {
        "median": statistics.median(timings),
        "p90": timings[int(0.9 * (len(timings) - 1))],
        "queries": len(queries),
        "kb": len(response.content) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    with bench_database("admin") as name:
        fill(args.orders)
        client = Client()
        client.force_login(User.objects.create_superuser("bench", "bench@hera.local", "bench"))
        pages = {
            "order list": reverse("admin:orders_order_changelist"),
            "live queue page": reverse("admin:orders_order_queue"),
            "live queue fragment (refresh)": reverse("admin:orders_order_queue") + "?fragment=1",
        }
        queued = Order.objects.queued().count()
        print(f"{args.orders} orders ({queued} queued), {args.requests} requests each, database {name}")
        print(f"{'page':32} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'KB':>6}")
        worst = 0.0
        for label, url in pages.items():
            figures = measure(client, url, args.requests)
            worst = max(worst, figures["median"])
            print(
                f"{label:32} {figures['median']:10.1f} {figures['p90']:8.1f} {figures['queries']:8d} "
                f"{figures['kb']:6.0f}"
            )
        print(f"target: median < {TARGET_MS} ms -> {'met' if worst < TARGET_MS else 'NOT met'}")
        return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
