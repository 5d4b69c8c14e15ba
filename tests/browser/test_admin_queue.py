import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from orders import queue
from orders.models import Kind, Priority
from tests.conftest import make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUE_PATH = "/admin/orders/order/queue/"


def waiting_rows(page):
    return page.locator("#waiting tbody tr[data-order]")


def log_in_as_staff(page, live_server) -> None:
    User.objects.create_superuser("marie", "marie@hera.local", "a-long-staff-password")
    page.goto(f"{live_server.url}/admin/login/?next={QUEUE_PATH}")
    page.locator("#id_username").fill("marie")
    page.locator("#id_password").fill("a-long-staff-password")
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"**{QUEUE_PATH}")


def fill_queue() -> list:
    """One book being generated, then five waiting: paid ones first, then a free and a test order."""
    make_order(status="queued", child_name="Balthazar", page_count=8)
    generating = queue.order_claim_next("web-1:4242")
    queue.order_record_progress(generating.pk, generating.lease_token, 3)
    waiting = [make_order(status="queued", child_name=name) for name in ("Zoë", "Amaury", "Inès")]
    waiting.append(make_order(status="queued", child_name="Noor", kind=Kind.FREE, priority=Priority.LOW))
    waiting.append(make_order(status="queued", child_name="Tom", kind=Kind.TEST, priority=Priority.LOW))
    queue.heartbeat_record("web-1:4242", generating.pk)
    return waiting


def test_staff_moves_the_last_order_to_the_front_of_the_live_queue(live_server, open_page, artifacts_dir):
    waiting = fill_queue()
    page = open_page(locale="en-GB")
    log_in_as_staff(page, live_server)

    rows = waiting_rows(page)
    expect(rows).to_have_count(5)
    expect(page.locator("#waiting tbody tr .position")).to_have_text(["2", "3", "4", "5", "6"])
    expect(rows.last).to_have_attribute("data-order", str(waiting[-1].pk))
    expect(page.locator("#generating tbody tr progress")).to_have_attribute("value", "38")
    page.screenshot(path=artifacts_dir / "admin_live_queue.png", full_page=True)

    rows.last.get_by_role("button", name="Move to front").click()

    expect(page.locator(".messagelist")).to_contain_text(f"{waiting[-1].reference} moved to the front of the queue.")
    expect(rows.first).to_have_attribute("data-order", str(waiting[-1].pk))
    expect(rows.first.locator(".position")).to_have_text("2")
    expected = [str(order.pk) for order in [waiting[-1], *waiting[:-1]]]
    assert [rows.nth(i).get_attribute("data-order") for i in range(5)] == expected
    page.screenshot(path=artifacts_dir / "admin_live_queue_after_move.png", full_page=True)


def test_live_queue_shows_a_new_order_without_a_reload(live_server, open_page):
    fill_queue()
    page = open_page(locale="en-GB")
    log_in_as_staff(page, live_server)
    page.evaluate("window.heraMarker = 'no reload'")
    expect(waiting_rows(page)).to_have_count(5)

    late = make_order(status="queued", child_name="Late")

    expect(page.locator(f'#waiting tr[data-order="{late.pk}"] .position')).to_have_text("5", timeout=10_000)
    assert page.evaluate("window.heraMarker") == "no reload"


def test_staff_cancels_an_order_from_the_live_queue_after_confirming(live_server, open_page):
    waiting = fill_queue()
    page = open_page(locale="en-GB")
    log_in_as_staff(page, live_server)
    page.once("dialog", lambda dialog: dialog.accept())

    waiting_rows(page).first.get_by_role("button", name="Cancel").click()

    expect(page.locator(".messagelist")).to_contain_text(f"{waiting[0].reference} cancelled")
    expect(waiting_rows(page)).to_have_count(4)


def test_live_queue_is_reached_from_the_admin_index_and_the_order_list(live_server, open_page, artifacts_dir):
    fill_queue()
    page = open_page(locale="en-GB")
    log_in_as_staff(page, live_server)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="Live queue").click()
    page.wait_for_url(f"**{QUEUE_PATH}")
    page.goto(f"{live_server.url}/admin/orders/order/")
    page.screenshot(path=artifacts_dir / "admin_order_list.png", full_page=True)
    page.locator(".object-tools").get_by_role("link", name="Live queue").click()
    page.wait_for_url(f"**{QUEUE_PATH}")
    expect(waiting_rows(page)).to_have_count(5)


def test_order_page_shows_inputs_history_and_emails(live_server, open_page, artifacts_dir):
    order = make_order(status="queued", child_name="Zoë", dedication="Pour Zoë, qui aime les étoiles")
    claimed = queue.order_claim_next("web-1:4242")
    queue.order_fail(claimed.pk, claimed.lease_token, "image model timed out on page 3")
    page = open_page(locale="en-GB")
    log_in_as_staff(page, live_server)
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    expect(page.locator("#events-group")).to_contain_text("image model timed out on page 3")
    expect(page.locator("#emails-group")).to_contain_text("parent@example.com")
    page.screenshot(path=artifacts_dir / "admin_order_page.png", full_page=True)
