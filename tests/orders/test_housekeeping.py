"""Page checkpoints in the bucket: none left behind once an order is done, cancelled or refunded, or gone."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from generation.book import page_name
from orders import tasks
from orders.models import Order, Status
from tests.conftest import make_order, order_in

pytestmark = pytest.mark.django_db


def with_pages(order: Order, count: int = 3) -> Order:
    for index in range(count):
        default_storage.save(page_name(tasks.work_prefix(order), index), ContentFile(b"\xff\xd8 page \xff\xd9"))
    return order


def pages_of(bucket, order: Order) -> list[str]:
    return bucket.keys(prefix=f"work/{order.pk}/")


def test_a_done_book_leaves_no_page_in_the_bucket(bucket):
    order = make_order(status="queued", page_count=3)
    assert tasks.process_next_order() == order.reference
    order.refresh_from_db()
    assert order.status == Status.DONE
    assert bucket.keys(prefix="work/") == []
    assert bucket.keys(prefix="books/") == [order.pdf.name]


def test_a_bucket_refusing_deletes_leaves_the_book_done_and_its_pages_to_the_housekeeping(bucket):
    order = make_order(status="queued", page_count=3)
    bucket.gate.denied_methods.add("DELETE")
    assert tasks.process_next_order() == order.reference
    order.refresh_from_db()
    assert order.status == Status.DONE
    assert len(pages_of(bucket, order)) == 3
    bucket.gate.denied_methods.clear()
    tasks.queue_tick()
    assert pages_of(bucket, order) == []


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.REFUNDED])
def test_queue_tick_deletes_the_pages_of_a_cancelled_or_refunded_book(bucket, status):
    order = with_pages(order_in(Status.GENERATING, pages_done=3))
    (order.cancel if status == Status.CANCELLED else order.refund)(actor="staff")
    tasks.queue_tick()
    assert pages_of(bucket, order) == []


def test_queue_tick_keeps_the_pages_of_books_that_will_resume(bucket):
    generating = with_pages(order_in(Status.GENERATING, pages_done=3))
    queued = with_pages(make_order(status="queued"))
    recent_failure = with_pages(order_in(Status.FAILED))
    tasks.queue_tick()
    for order in (generating, queued, recent_failure):
        assert len(pages_of(bucket, order)) == 3


def test_pages_of_a_failure_left_a_week_are_deleted(bucket):
    old = with_pages(order_in(Status.FAILED))
    Order.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    assert tasks.checkpoints_purge() == [old.pk]
    assert pages_of(bucket, old) == []


def test_pages_of_an_order_that_no_longer_exists_are_deleted(bucket):
    orphan = with_pages(order_in(Status.GENERATING))
    Order.objects.filter(pk=orphan.pk).delete()
    assert tasks.checkpoints_purge() == [orphan.pk]
    assert bucket.keys(prefix="work/") == []


def test_purge_checkpoints_command_reports_what_it_deleted(bucket, capsys):
    done = with_pages(order_in(Status.DONE))
    call_command("purge_checkpoints")
    assert f"Page checkpoints deleted for 1 orders: [{done.pk}]" in capsys.readouterr().out
    assert pages_of(bucket, done) == []


def test_purge_on_the_local_disk_without_any_work_folder_does_nothing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "empty"
    assert tasks.checkpoints_purge() == []


def test_purge_on_the_local_disk_deletes_settled_pages(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cancelled = with_pages(order_in(Status.CANCELLED))
    queued = with_pages(make_order(status="queued"))
    assert tasks.checkpoints_purge() == [cancelled.pk]
    assert not (tmp_path / "media" / "work" / str(cancelled.pk)).exists()
    assert len(list((tmp_path / "media" / "work" / str(queued.pk)).iterdir())) == 3



def test_a_failing_scaling_step_does_not_stop_the_purge(bucket, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OSError("the scaling state could not be read")

    monkeypatch.setattr(tasks.scaling, "scale_evaluate", unreachable)
    order = with_pages(order_in(Status.GENERATING, pages_done=3))
    order.cancel(actor="staff")
    tasks.queue_tick()
    assert pages_of(bucket, order) == []
