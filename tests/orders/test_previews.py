"""Watching the book being made: a small picture of each page, kept after the purge, behind Hera's stable URLs."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image, ImageChops, ImageStat

from generation.base import Story
from generation.book import page_name
from generation.offline import OfflineGenerator
from generation.pictures import save_small_copy
from generation.previews import COVER_SIDE, PREVIEW_SIDE, cover_name, preview_name
from orders import emails, queue, tasks
from orders.models import EmailKind, Order, OutboundEmail, Status
from orders.previews import preview_prefix
from tests.conftest import make_order
from tests.orders.test_emails import join_email_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("email_threads_finish")]

PREVIEW_MAX_BYTES = 40_000


def made_book(pages: int = 5, **fields) -> Order:
    """Queue an order and let the worker make its book with the offline generator, in this process."""
    order = make_order(status="queued", page_count=pages, **fields)
    assert tasks.process_next_order() == order.reference
    order.refresh_from_db()
    assert order.status == Status.DONE
    return order


def test_every_page_gets_a_small_preview_that_survives_the_checkpoint_purge():
    order = made_book(pages=5)
    tasks.checkpoints_purge()

    assert order.preview_pages == [1, 2, 3, 4, 5]
    for index in range(5):
        assert not default_storage.exists(page_name(tasks.work_prefix(order), index))
        name = preview_name(preview_prefix(order), index)
        assert default_storage.size(name) < PREVIEW_MAX_BYTES
        with default_storage.open(name) as fh, Image.open(fh) as picture:
            assert picture.format == "JPEG" and max(picture.size) == PREVIEW_SIDE
    with default_storage.open(cover_name(preview_prefix(order))) as fh, Image.open(fh) as picture:
        assert max(picture.size) == COVER_SIDE


def test_the_cover_shown_to_the_parent_is_the_cover_the_pdf_opens_with(tmp_path):
    order = made_book(pages=3)
    expected, small = tmp_path / "cover.jpg", tmp_path / "small.jpg"
    OfflineGenerator(page_seconds=0).illustrate_cover(tasks.book_request(order), Story.from_dict(order.story), expected)
    save_small_copy(expected, small, COVER_SIDE)

    with default_storage.open(cover_name(preview_prefix(order))) as fh, Image.open(fh) as shown, Image.open(small) as want:
        difference = ImageStat.Stat(ImageChops.difference(shown.convert("RGB"), want.convert("RGB"))).mean
    assert max(difference) < 2  # the same picture (JPEG noise aside), not page 1's


def test_status_json_lists_the_previews_as_stable_urls_in_page_order(client):
    order = make_order(status="queued", page_count=4)
    claimed = queue.order_claim_next("w")
    queue.order_record_previews(claimed.pk, claimed.lease_token, [1, 3])
    data = client.get(reverse("orders:status_json", kwargs={"token": order.token})).json()
    assert data["preview_urls"] == [f"/orders/{order.token}/pages/1.jpg", f"/orders/{order.token}/pages/3.jpg"]
    assert data["cover_url"] is None  # not done yet


def test_a_preview_url_answers_with_the_picture_and_may_be_cached(client):
    order = made_book(pages=2)
    response = client.get(f"/orders/{order.token}/pages/2.jpg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "max-age=300" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_a_page_not_drawn_yet_or_another_token_is_a_404(client):
    order = make_order(status="queued", page_count=4)
    assert client.get(f"/orders/{order.token}/pages/1.jpg").status_code == 404
    assert client.get(f"/orders/{'B' * 32}/pages/1.jpg").status_code == 404
    assert client.get(f"/orders/{order.token}/cover.jpg").status_code == 404


def test_the_story_title_appears_on_the_order_page_once_written(client):
    order = make_order(status="queued", page_count=2, language="en", child_name="Max")
    claimed = queue.order_claim_next("w")
    url = reverse("orders:status_json", kwargs={"token": order.token})
    assert client.get(url).json()["title"] is None
    queue.order_save_story(claimed.pk, claimed.lease_token, {"title": "Max and the Moon", "pages": []})
    assert client.get(url).json()["title"] == "Max and the Moon"
    page = client.get(order.get_absolute_url()).content.decode()
    assert '<cite data-field="title">Max and the Moon</cite>' in page


def test_the_done_page_shows_the_cover(client):
    order = made_book(pages=2)
    page = client.get(order.get_absolute_url()).content.decode()
    assert f'src="/orders/{order.token}/cover.jpg"' in page
    assert client.get(f"/orders/{order.token}/cover.jpg").status_code == 200


def test_a_book_made_again_starts_with_no_previews():
    order = made_book(pages=2)
    order.regenerate(actor="staff")
    assert Order.objects.get(pk=order.pk).preview_pages == []


def ready_email_cover_url(order: Order) -> str:
    join_email_threads(timeout=15)  # the ready email leaves from a thread as the book is done
    emails.email_deliver_pending()
    email = OutboundEmail.objects.get(order=order, kind=EmailKind.READY)
    (message,) = [m for m in mail.outbox if m.extra_headers["Message-ID"] == email.message_id]
    html = message.alternatives[0][0]
    start = html.index('<img src="') + len('<img src="')
    return html[start:html.index('"', start)]


def test_the_ready_email_shows_the_cover_through_heras_own_url(client, settings):
    order = made_book(pages=2)
    url = ready_email_cover_url(order)
    assert url == f"{settings.HERA_BASE_URL}/orders/{order.token}/cover.jpg"
    assert client.get(url.removeprefix(settings.HERA_BASE_URL)).status_code == 200


def test_the_cover_link_in_a_ready_email_still_works_a_day_later_from_a_bucket(client, bucket, settings):
    import urllib.error
    import urllib.request

    order = made_book(pages=2)
    url = ready_email_cover_url(order).removeprefix(settings.HERA_BASE_URL)
    assert "X-Amz" not in url  # the email carries Hera's own URL, never a signed link
    yesterdays = client.get(url)["Location"]
    bucket.advance_clock(timedelta(days=1).total_seconds())
    with pytest.raises(urllib.error.HTTPError) as refused:  # a signed link handed out a day ago has expired
        urllib.request.urlopen(yesterdays, timeout=10)
    assert refused.value.code == 403
    # A day later the same URL answers with a link signed when it is asked for (the fake's clock cannot be moved
    # for the signer, so "a day later" is now again on both sides).
    bucket.reset_clock()
    again = client.get(url)
    assert again.status_code == 302 and again["Location"].startswith(bucket.endpoint_url)
    with urllib.request.urlopen(again["Location"], timeout=10) as picture:
        assert picture.status == 200
        assert picture.read(2) == b"\xff\xd8"
