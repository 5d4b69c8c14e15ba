import os
import socket
import time

import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from hera.settings import bucket_storage
from orders import queue
from orders.models import Kind, Order, Priority, Status


def pytest_sessionstart(session):
    """Stop at once, in one line, when the suite's PostgreSQL is not reachable."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return
    import psycopg

    try:
        psycopg.connect(
            host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"],
            dbname="postgres", connect_timeout=3,
        ).close()
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        pytest.exit(
            f"PostgreSQL is not reachable at {db['HOST']}:{db['PORT'] or 5432} ({reason}); start it or set DATABASE_URL.",
            returncode=3,
        )


DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "admin_user", "admin_client"}


@pytest.fixture(autouse=True)
def fresh_rate_limits(request):
    """Start every database test with no rate-limit counts: the cache table outlives the flush of transactional tests."""
    # Only where the test has a connection of pytest-django's: one opened here for a test without the database
    # would outlive the session (under Playwright's event loop) and block the test database's teardown.
    if request.node.get_closest_marker("django_db") or DATABASE_FIXTURES & set(request.fixturenames):
        with request.getfixturevalue("django_db_blocker").unblock():
            cache.clear()


def make_order(**overrides) -> Order:
    """Create an order (pending payment unless `status="queued"` is asked for) with sensible inputs."""
    status = overrides.pop("status", None)
    fields = {
        "email": "parent@example.com",
        "child_name": "Zoë",
        "child_age": 5,
        "theme": "space",
        "language": "fr",
        "page_count": 4,
        "kind": Kind.PAID,
        "priority": Priority.HIGH,
    }
    fields.update(overrides)
    order = Order.objects.create(**fields)
    if status == "queued":
        queue.order_enqueue(order, actor="test")
        order.refresh_from_db()
    elif status is not None:
        raise ValueError("make_order only creates pending_payment or queued orders; use the transitions for more.")
    return order


def order_in(status: str, *, pages_done: int = 0, **overrides) -> Order:
    """Create an order and walk it to `status` through the model's own transitions (as Stripe, workers, staff do)."""
    if status in (Status.PENDING_PAYMENT, Status.EXPIRED, Status.PAYMENT_CHECK):
        order = make_order(**overrides)
        if status == Status.EXPIRED:
            order.expire(actor="test")
        if status == Status.PAYMENT_CHECK:
            order.hold_payment(actor="test", reason="payment not accepted: amount_total 100", livemode=False)
        return order
    order = make_order(status="queued", **overrides)
    if status == Status.QUEUED:
        return order
    if status in (Status.CANCELLED, Status.REFUNDED):
        (order.cancel if status == Status.CANCELLED else order.refund)(actor="test")
        return order
    order.claim(worker_id="test-worker", lease_seconds=60)
    if pages_done:
        queue.order_record_progress(order.pk, order.lease_token, pages_done)
        order.refresh_from_db()
    if status == Status.GENERATING:
        return order
    if status == Status.DONE:
        order.finish(pdf_name=f"books/{order.token}.pdf", actor="test-worker")
    elif status == Status.FAILED:
        order.fail(error="the image model refused page 3", actor="test-worker")
    else:
        raise ValueError(f"order_in cannot reach {status}")
    return order



def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def embedded_env(tmp_path, **extra: str) -> dict:
    """A developer's shell for a subprocess: none of Hera's variables, a SQLite file and media under tmp_path."""
    # MAKEFLAGS too: under `make test DATABASE_URL=…` it would hand that URL to a nested `make run`.
    # AWS_ and RENDER_ too: a bucket or a Render key in the developer's shell must not be used by a test.
    prefixes = ("DJANGO_", "HERA_", "STRIPE_", "EMAIL_", "GOOGLE_", "AWS_", "RENDER_", "MAKE", "MFLAGS")
    env = {name: value for name, value in os.environ.items() if not name.startswith(prefixes)}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'hera.sqlite3'}", HERA_MEDIA_ROOT=str(tmp_path / "media"), **extra)
    return env


# A database blip, for real: this test's own connection dropped, or pointed at a port where nothing listens.


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def admin_connection() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
        dbname=db["NAME"], autocommit=True,
    )


def drop_own_connection() -> None:
    """Terminate this test's own backend from a second connection, as a restart would, and wait until it is gone."""
    pid = backend_pid()
    with admin_connection() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the backend outlived pg_terminate_backend"
            time.sleep(0.02)


@pytest.fixture
def refuse_connections():
    """Return a function pointing this thread's connection at a port where nothing listens; undone after the test."""
    port = connection.settings_dict["PORT"]

    def refuse() -> None:
        connection.close()
        connection.settings_dict["PORT"] = free_port()

    yield refuse
    connection.close()
    connection.settings_dict["PORT"] = port


@pytest.fixture
def email_threads_finish():
    """Let the outbox's delivery threads (started when a book is done or failed) end before the tables are flushed."""
    yield
    from tests.orders.test_emails import join_email_threads

    join_email_threads(timeout=15)


@pytest.fixture
def gemini(settings):
    """The strict fake Gemini API, writing and drawing by itself, with the Google generator pointed at it."""
    from tests.fakes.genai_server import API_KEY, serve

    server = serve()
    settings.HERA_GENERATOR = "google"
    settings.GOOGLE_API_KEY = API_KEY
    settings.HERA_GENAI_BASE_URL = server.base_url
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server (with S3's signature checks) on a free port of 127.0.0.1, for the whole session."""
    from tests.fakes.s3_server import S3Server  # moto, boto3 and werkzeug: loaded by the processes that use them

    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3_server, settings):
    """An empty private bucket as Django's default storage, as with AWS_STORAGE_BUCKET_NAME set."""
    s3_server.create_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": bucket_storage(s3_server.env(), settings.HERA_DOWNLOAD_URL_SECONDS)}
    yield s3_server
    s3_server.reset_clock()
    s3_server.gate.denied_methods.clear()
    s3_server.empty()
    s3_server.client().delete_bucket(Bucket=s3_server.env()["AWS_STORAGE_BUCKET_NAME"])


@pytest.fixture
def fake_stripe(settings):
    """The local Stripe API (tests/fakes/stripe_api.py) behind a test secret key, for the real stripe SDK."""
    from tests.fakes.stripe_api import FakeStripeAPI

    fake = FakeStripeAPI().start()
    settings.STRIPE_SECRET_KEY = "sk_test_hera"
    settings.STRIPE_API_BASE = fake.base_url
    yield fake
    fake.stop()


@pytest.fixture
def english_admin(admin_client):
    """The admin as a staff member whose browser asks for English."""
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client
