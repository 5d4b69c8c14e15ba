"""The worker's writes ride out a lost or refused connection, on the real database (connections really dropped)."""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from orders import queue
from orders.blips import DatabaseUnreachable, ride_out_blips
from orders.models import EmailKind, LeaseLost, Order, OutboundEmail, Status
from tests.conftest import backend_pid, drop_own_connection, make_order, order_in

# The outbox's delivery threads (started when a book is done or failed) end before the tables are flushed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("email_threads_finish")]


def cut_off_after(write):
    """Return a write whose first run lands, then loses its connection before the worker hears back."""
    runs = []

    def run():
        runs.append(1)
        result = write()
        if len(runs) == 1:
            drop_own_connection()
            Order.objects.count()  # the answer that never comes
        return result

    return run


def test_a_write_on_a_dropped_connection_runs_again_on_a_new_one():
    order = order_in(Status.GENERATING)
    before = backend_pid()
    drop_own_connection()
    ride_out_blips(lambda: queue.order_record_progress(order.pk, order.lease_token, 2), what="progress")
    assert Order.objects.get(pk=order.pk).pages_done == 2
    assert backend_pid() != before


def test_a_refused_connection_is_tried_again_until_the_database_answers(refuse_connections, settings):
    settings.HERA_LEASE_SECONDS = 60
    runs = []

    def write():
        runs.append(time.monotonic())
        return backend_pid()

    port = connection.settings_dict["PORT"]
    refuse_connections()
    back = threading.Timer(1.0, lambda: connection.settings_dict.__setitem__("PORT", port))
    back.start()
    started = time.monotonic()
    assert ride_out_blips(write, what="a read") > 0
    back.join()
    assert len(runs) > 2 and time.monotonic() - started >= 1.0


def test_the_attempt_ends_when_the_database_stays_away_past_a_third_of_the_lease(refuse_connections, settings):
    settings.HERA_LEASE_SECONDS = 3
    refuse_connections()
    started = time.monotonic()
    with pytest.raises(DatabaseUnreachable):
        ride_out_blips(backend_pid, what="a read")
    assert 0.5 <= time.monotonic() - started <= 1.5


def test_a_finish_cut_off_after_its_commit_is_not_applied_again():
    order = order_in(Status.GENERATING, pages_done=4)
    finish = cut_off_after(lambda: queue.order_finish(order.pk, order.lease_token, "books/x.pdf", worker_id="w"))
    done = ride_out_blips(finish, what="finish", landed=lambda: queue.finished_with(order.pk, "books/x.pdf"))
    assert done.status == Status.DONE and done.pdf.name == "books/x.pdf"
    assert order.events.filter(to_status=Status.DONE).count() == 1
    assert OutboundEmail.objects.filter(order=order, kind=EmailKind.READY).count() == 1


def test_a_finish_cut_off_before_it_landed_is_applied_on_the_new_connection():
    order = order_in(Status.GENERATING, pages_done=4)
    drop_own_connection()
    done = ride_out_blips(
        lambda: queue.order_finish(order.pk, order.lease_token, "books/x.pdf", worker_id="w"),
        what="finish",
        landed=lambda: queue.finished_with(order.pk, "books/x.pdf"),
    )
    assert done.status == Status.DONE


def test_a_finish_cut_off_is_still_refused_when_the_lease_was_lost_meanwhile():
    order = order_in(Status.GENERATING)
    Order.objects.get(pk=order.pk).cancel(actor="staff")
    drop_own_connection()
    with pytest.raises(LeaseLost):
        ride_out_blips(
            lambda: queue.order_finish(order.pk, order.lease_token, "books/x.pdf", worker_id="w"),
            what="finish",
            landed=lambda: queue.finished_with(order.pk, "books/x.pdf"),
        )


def test_a_failure_cut_off_after_its_commit_is_not_recorded_again():
    order = order_in(Status.GENERATING)
    fail = cut_off_after(lambda: queue.order_fail(order.pk, order.lease_token, "GenerationError: page 2", worker_id="w"))
    failed = ride_out_blips(
        fail, what="fail", landed=lambda: queue.failure_recorded(order.pk, "GenerationError: page 2", "w")
    )
    assert failed.status == Status.QUEUED and failed.last_error == "GenerationError: page 2"
    assert order.events.filter(from_status=Status.GENERATING).count() == 1


def test_a_claim_cut_off_after_its_commit_returns_the_order_claimed():
    order = make_order(status="queued")
    claim = cut_off_after(lambda: queue.order_claim_next("w"))
    claimed = ride_out_blips(claim, what="claim", landed=lambda: queue.claimed_by("w"))
    assert claimed.pk == order.pk and claimed.attempts == 1
    assert order.events.filter(to_status=Status.GENERATING).count() == 1


def test_an_error_of_the_statement_itself_is_not_retried():
    runs = []

    def too_slow():
        runs.append(1)
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 50")
            cursor.execute("SELECT pg_sleep(1)")

    with pytest.raises(OperationalError, match="statement timeout"):
        ride_out_blips(too_slow, what="a slow read")
    connection.close()
    assert runs == [1]


def test_a_connection_lost_inside_a_transaction_is_left_to_its_caller():
    runs = []

    def count():
        runs.append(1)
        return Order.objects.count()

    with pytest.raises(OperationalError), transaction.atomic():
        drop_own_connection()
        ride_out_blips(count, what="a read in a transaction")
    connection.close()
    assert runs == [1]
