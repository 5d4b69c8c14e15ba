import io
import re
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from orders import selectors
from orders.models import Kind, Order, Priority, Status
from tests.conftest import embedded_env, make_order


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> dict:
    """A migrated SQLite database on Hera's development defaults (as `make run` sets them), for commands run in subprocesses."""
    env = embedded_env(tmp_path_factory.mktemp("embedded"), DJANGO_DEBUG="on", HERA_BASE_URL="https://books.example.test")
    migrate = manage("migrate", "--noinput", env=env)
    assert migrate.returncode == 0, migrate.stderr
    return env


def sqlite_file(env: dict) -> str:
    return env["DATABASE_URL"].removeprefix("sqlite:///")


@pytest.mark.slow
def test_create_test_order_on_embedded_sqlite_prints_the_status_url_last(embedded):
    result = manage("create_test_order", "--pages", "6", "--language", "en", env=embedded)

    assert result.returncode == 0, result.stderr
    last_line = result.stdout.rstrip("\n").splitlines()[-1]
    match = re.fullmatch(r"https://books\.example\.test/orders/([A-Za-z0-9_-]{32,})/", last_line)
    assert match, last_line
    with sqlite3.connect(sqlite_file(embedded)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        row = db.execute(
            "SELECT status, kind, priority, page_count, language FROM orders_order WHERE token = ?", [match[1]]
        ).fetchone()
    assert row == (Status.QUEUED, Kind.TEST, Priority.LOW, 6, "en")


CLAIM_TWICE = """
from orders import queue, selectors
first = queue.order_claim_next("w1")
print(first.status, first.attempts, selectors.position(first), queue.order_claim_next("w2"))
"""


@pytest.mark.slow
def test_embedded_sqlite_queue_claims_one_order_at_a_time(embedded):
    assert manage("create_test_order", env=embedded).returncode == 0
    assert manage("create_test_order", env=embedded).returncode == 0

    result = manage("shell", "-c", CLAIM_TWICE, env=embedded)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "generating 1 1 None"


@pytest.mark.django_db
def test_create_test_order_queues_a_low_priority_test_order():
    out = io.StringIO()
    call_command("create_test_order", "--pages", "8", "--email", "qa@example.com", "--language", "fr", stdout=out)
    order = Order.objects.get()
    assert (order.status, order.kind, order.priority) == (Status.QUEUED, Kind.TEST, Priority.LOW)
    assert (order.page_count, order.email, order.language) == (8, "qa@example.com", "fr")
    assert order.events.get().actor == "manage.py create_test_order"
    assert out.getvalue().splitlines()[-1] == f"{settings.HERA_BASE_URL}/orders/{order.token}/"


@pytest.mark.django_db
def test_create_test_order_waits_behind_paid_orders():
    paid = make_order(status="queued")
    call_command("create_test_order", stdout=io.StringIO())
    test_order = Order.objects.get(kind=Kind.TEST)
    paid_later = make_order(status="queued")
    assert [selectors.position(o) for o in (paid, Order.objects.get(pk=paid_later.pk), test_order)] == [1, 2, 3]


@pytest.mark.django_db
@pytest.mark.parametrize("pages", ["1", "25"])
def test_create_test_order_refuses_a_page_count_out_of_range(pages):
    with pytest.raises(CommandError, match="--pages must be between 2 and 24"):
        call_command("create_test_order", "--pages", pages, stdout=io.StringIO())
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("option", "value", "message"), [
    ("--age", "40", "--age: The age must be between 1 and 12."),
    ("--name", "", "--name: Please tell us your child's first name."),
    ("--name", "小明", "--name: Sorry, the book cannot print Chinese characters yet"),
    ("--email", "not-an-email", "--email: Please enter a valid email address"),
])
def test_create_test_order_refuses_what_the_order_form_refuses(option, value, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("create_test_order", option, value, stdout=io.StringIO())
    assert not Order.objects.exists()
