"""The order admin in a real browser: the order page's buttons, the refund confirmation, the list at 1280 px, French."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from orders import queue
from orders.models import Kind, Priority
from orders.payments import checkout_start
from tests.conftest import make_order
from tests.fakes.stripe_api import stripe_event
from tests.orders.test_webhooks import deliver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHANGELIST = "/admin/orders/order/"


def log_in(page, live_server, next_path: str) -> None:
    User.objects.create_superuser("marie", "marie@hera.local", "a-long-staff-password")
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.locator("#id_username").fill("marie")
    page.locator("#id_password").fill("a-long-staff-password")
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"**{next_path}")


def test_the_order_page_acts_with_its_own_buttons_and_disables_the_refused_ones(live_server, open_page):
    order = make_order(status="queued", kind=Kind.FREE, priority=Priority.HIGH)
    page = open_page(locale="en-GB")
    log_in(page, live_server, f"{CHANGELIST}{order.pk}/change/")

    actions = page.locator("#order-actions")
    regenerate = actions.get_by_role("button", name="Regenerate the book")
    expect(regenerate).to_be_disabled()
    expect(regenerate).to_have_attribute("title", re.compile("Not for an order that is In the queue"))
    actions.get_by_role("button", name="Set priority: low").click()

    page.wait_for_url(f"**{CHANGELIST}{order.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text(f"{order.reference} set to low priority.")
    order.refresh_from_db()
    assert order.priority == Priority.LOW


def test_a_refund_from_the_order_page_shows_what_stripe_captured_before_it_asks(
    live_server, open_page, fake_stripe, client
):
    order = make_order(language="en")
    checkout_start(order)
    order.refresh_from_db()
    fake_stripe.pay(order.stripe_session_id, amount=order.amount_cents)
    deliver(client, stripe_event("checkout.session.completed", dict(fake_stripe.sessions[order.stripe_session_id])))
    page = open_page(locale="en-GB")
    log_in(page, live_server, f"{CHANGELIST}{order.pk}/change/")

    page.locator("#order-actions").get_by_role("button", name="Refund the payment").click()
    expect(page.locator(f'tr[data-order="{order.pk}"] .captured')).to_have_text("€16.90 captured by Stripe")
    assert fake_stripe.posts("/v1/refunds") == []
    page.get_by_role("button", name="Yes: Refund the payment").click()

    expect(page.locator(".messagelist")).to_contain_text("refund asked of Stripe")
    assert len(fake_stripe.posts("/v1/refunds")) == 1


def test_the_order_list_fits_1280_px_with_status_and_position_visible(live_server, open_page):
    make_order(status="queued", child_name="Generating")
    queue.order_claim_next("web-1:1")
    for name in ("Maximilien-Alexandre", "Anne-Charlotte-Eugénie", "Zoë"):
        make_order(status="queued", child_name=name[:40], email=f"{name.lower()}.with-a-long-address@example.com")
    page = open_page(locale="en-GB", viewport="desktop")
    log_in(page, live_server, CHANGELIST)

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the page is {width} px wide"
    # The list scrolls inside its own box when too wide: it must fit that box, not only the page.
    table, box = (page.locator(css).bounding_box() for css in ("#result_list", "#changelist .results"))
    assert table["x"] + table["width"] <= box["x"] + box["width"] + 1, f"the list is {table['width']} px in {box['width']}"
    for column in ("status_badge", "position", "eta", "progress"):
        expect(page.locator(f"#result_list td.field-{column}").first).to_be_visible()
        cell = page.locator(f"#result_list th.column-{column}").bounding_box()
        assert cell["x"] + cell["width"] <= box["x"] + box["width"] + 1, column
    expect(page.locator("#result_list td.field-position")).to_have_text(["4", "3", "2", "1"])


HERA_ENGLISH = [
    "Live queue", "Retry", "Move to", "Set priority", "Refund", "Cancel", "Accept the payment", "Regenerate",
    "Resend", "Inputs", "Queue", "Generating", "Waiting", "history of transitions", "Home", "In the queue",
    "ETA min", "position", "tries", "progress", "customer page", "Orders", "Payment to check", "Worker tasks",
]


def test_the_admin_speaks_french_with_no_english_label_of_heras(live_server, open_page):
    order = make_order(status="queued")
    page = open_page(locale="fr-FR")
    log_in(page, live_server, CHANGELIST)
    texts = {}
    for path in (CHANGELIST, f"{CHANGELIST}{order.pk}/change/", f"{CHANGELIST}queue/", "/admin/"):
        page.goto(f"{live_server.url}{path}")
        texts[path] = page.locator("body").inner_text()
        # The action menu's options and the buttons' titles are text staff read too.
        texts[path] += " ".join(page.locator("select[name=action] option").all_inner_texts())
        texts[path] = re.sub(r"https?://\S+", "", texts[path])  # the customer page's address is no label
    found = {path: [w for w in HERA_ENGLISH if re.search(rf"\b{re.escape(w)}\b", text)] for path, text in texts.items()}
    assert found == {path: [] for path in texts}
    assert "File en direct" in texts["/admin/"] and "Commandes" in texts["/admin/"]
