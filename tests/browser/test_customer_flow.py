import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation
from playwright.sync_api import expect
from reportlab.pdfgen import canvas

from orders import queue
from orders.forms import price_display
from orders.models import Order, Status
from orders.payments import order_mark_paid, order_price_cents
from tests.conftest import make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_RELOAD = "set before the book moved; a reload would have cleared it"


def write_small_pdf(order: Order) -> str:
    """Write a real one-page PDF to storage, as the generator would, and return its storage name."""
    from io import BytesIO

    buffer = BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, f"The book for {order.child_name}")
    pdf.save()
    return default_storage.save(f"books/{order.token}.pdf", ContentFile(buffer.getvalue()))


def generating_order_ahead() -> Order:
    ahead = make_order(status="queued", child_name="Balthazar", email="ahead@example.com")
    claimed = queue.order_claim_next("browser-test-ahead")
    assert claimed.pk == ahead.pk
    return claimed


def test_customer_orders_pays_offline_and_watches_the_book_arrive_without_reload(live_server, open_page, artifacts_dir):
    page = open_page(locale="en-GB")
    page.goto(live_server.url + "/")
    page.get_by_label("Your email").fill("parent@example.com")
    page.get_by_label("Your child's first name").fill("Zoë-Chloé")
    page.get_by_label("Age", exact=True).fill("5")
    page.get_by_label("Under the sea").check()
    page.get_by_label("English").check()
    page.get_by_label("Number of pages").fill("4")
    with translation.override("en"):
        expect(page.locator("[data-price]")).to_have_text(price_display(order_price_cents(4)))
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url("**/pay/")

    order = Order.objects.get(email="parent@example.com")
    ahead = generating_order_ahead()
    page.screenshot(path=artifacts_dir / "offline-checkout-en-desktop.png", full_page=True)
    page.locator("form[action$='/pay/'] button[type=submit]").click()
    page.wait_for_url(f"**/orders/{order.token}/")
    page.evaluate(f"window.heraMarker = {NO_RELOAD!r}")

    position = page.locator('[data-panel="queued"] [data-field="position"]')
    expect(page.locator('[data-panel="queued"]')).to_be_visible()
    expect(position).to_have_text("2")

    queue.order_finish(ahead.pk, ahead.lease_token, "books/ahead.pdf")
    expect(position).to_have_text("1")

    mine = queue.order_claim_next("browser-test")
    assert mine.pk == order.pk
    queue.order_record_progress(mine.pk, mine.lease_token, 2)
    expect(page.locator('[data-panel="generating"]')).to_be_visible()
    expect(page.locator('[data-panel="generating"] [data-field="pages-done"]')).to_have_text("2")
    expect(page.locator("progress#book-progress")).to_have_js_property("value", 2)

    queue.order_finish(mine.pk, mine.lease_token, write_small_pdf(mine))
    download = page.get_by_role("link", name="Download the book (PDF)")
    expect(download).to_be_visible()

    assert page.evaluate("window.heraMarker") == NO_RELOAD
    assert page.request.get(live_server.url + download.get_attribute("href")).body().startswith(b"%PDF")
    assert Order.objects.get(pk=order.pk).status == Status.DONE


def test_payment_being_confirmed_turns_into_a_place_in_line_by_itself(live_server, open_page):
    order = make_order(language="fr")
    page = open_page(locale="fr-FR", viewport="phone")
    page.goto(f"{live_server.url}/orders/{order.token}/?checkout=success")
    expect(page.locator('[data-panel="pending_payment"]')).to_be_visible()

    order_mark_paid(order, actor="stripe", session_id="cs_test_browser")

    expect(page.locator('[data-panel="queued"]')).to_be_visible()
    expect(page.locator('[data-panel="queued"] [data-field="position"]')).to_have_text("1")
    expect(page.locator('[data-panel="pending_payment"]')).to_be_hidden()
    expect(page.locator("#status-announcer")).to_contain_text("Votre livre est le numéro 1 de la file.")


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_order_page_screenshots(live_server, open_page, artifacts_dir, language, viewport):
    ahead = generating_order_ahead()
    order = make_order(status="queued", child_name="Zoë-Chloé", language=language, page_count=12)
    page = open_page(locale="fr-FR" if language == "en" else "en-GB", viewport=viewport)

    page.goto(f"{live_server.url}/orders/{order.token}/")

    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator('[data-panel="queued"] [data-field="position"]')).to_have_text("2")
    page.screenshot(path=artifacts_dir / f"order-{language}-{viewport}.png", full_page=True)

    queue.order_finish(ahead.pk, ahead.lease_token, "books/ahead.pdf")
    mine = queue.order_claim_next("browser-test")
    queue.order_record_progress(mine.pk, mine.lease_token, 5)
    page.reload()
    expect(page.locator("progress#book-progress")).to_be_visible()
    page.screenshot(path=artifacts_dir / f"order-generating-{language}-{viewport}.png", full_page=True)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_landing_page_screenshot_with_errors(live_server, open_page, artifacts_dir, viewport):
    page = open_page(locale="fr-FR", viewport=viewport)
    page.goto(live_server.url + "/")
    page.screenshot(path=artifacts_dir / f"landing-fr-{viewport}.png", full_page=True)

    page.get_by_role("button", name="Continuer vers le paiement").click()

    expect(page.get_by_role("alert")).to_contain_text("Indiquez le prénom de votre enfant.")
    page.screenshot(path=artifacts_dir / f"landing-errors-fr-{viewport}.png", full_page=True)
    assert Order.objects.count() == 0
