"""The parent's side in Chromium: the truthful ETA, pages appearing as drawn, the title, the cover; the hero picker
without JavaScript on a phone. Screenshots go to test-artifacts/."""

import tempfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from playwright.sync_api import expect

from generation.base import BookRequest
from generation.book import save_checkpoint
from generation.offline import OfflineGenerator
from generation.pictures import save_small_copy
from generation.previews import COVER_SIDE, PREVIEW_SIDE, cover_name, preview_name
from orders import pause, queue
from orders.models import Order
from orders.previews import preview_prefix
from tests.browser.test_customer_flow import generating_order_ahead, write_small_pdf
from tests.conftest import make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def draw_previews(order: Order, pages: list[int]) -> None:
    """Store the previews of `pages` (and the cover with page 1) as the worker does when it draws them."""
    request = BookRequest(child_name=order.child_name, child_age=5, theme=order.theme, language=order.language,
                          page_count=order.page_count, seed=3)
    generator = OfflineGenerator(page_seconds=0)
    story = generator.write_story(request)
    with tempfile.TemporaryDirectory() as tmp:
        for number in pages:
            full, small = Path(tmp) / f"{number}.jpg", Path(tmp) / f"{number}-small.jpg"
            generator.illustrate_page(request, story, number - 1, full)
            save_small_copy(full, small, PREVIEW_SIDE)
            save_checkpoint(default_storage, preview_name(preview_prefix(order), number - 1), small)
            if number == 1:
                save_small_copy(full, small, COVER_SIDE)
                save_checkpoint(default_storage, cover_name(preview_prefix(order)), small)


@pytest.mark.parametrize(("locale", "viewport"), [("fr-FR", "phone"), ("en-GB", "desktop")])
def test_a_parent_sees_the_wait_the_pages_the_title_and_the_cover(live_server, open_page, artifacts_dir, settings,
                                                                  locale, viewport):
    settings.HERA_MINUTES_PER_BOOK = 5
    language = locale[:2]
    ahead = generating_order_ahead()
    queue.order_record_progress(ahead.pk, ahead.lease_token, 2)
    order = make_order(status="queued", child_name="Inès", language=language, page_count=4)
    page = open_page(locale=locale, viewport=viewport)
    page.goto(f"{live_server.url}/orders/{order.token}/")
    tag = f"{language}-{viewport}"

    if language == "fr":
        expect(page.locator("h1")).to_have_text("Le livre d’Inès")
    eta = page.locator('[data-panel="queued"] [data-field="eta"]')
    expect(eta).to_have_text("10")  # two books ahead of it and its own: ceil(2 / 1) × 5
    page.screenshot(path=artifacts_dir / f"issue19-queued-{tag}.png", full_page=True)

    queue.order_finish(ahead.pk, ahead.lease_token, write_small_pdf(ahead))
    mine = queue.order_claim_next("browser-test")
    queue.order_save_story(mine.pk, mine.lease_token, {"title": "Inès et la comète", "pages": []})
    draw_previews(mine, [1, 2])
    queue.order_record_previews(mine.pk, mine.lease_token, [1, 2])
    queue.order_record_progress(mine.pk, mine.lease_token, 2)
    previews = page.locator("[data-previews] img")
    expect(previews).to_have_count(2)
    expect(page.locator('[data-field="title"]')).to_have_text("Inès et la comète")
    expect(page.locator('[data-panel="generating"] [data-field="eta"]')).to_have_text("3")  # ceil(5 × 2 / 4)
    page.wait_for_function("[...document.querySelectorAll('[data-previews] img')].every(i => i.naturalWidth > 0)")
    page.screenshot(path=artifacts_dir / f"issue19-drawing-{tag}.png", full_page=True)

    pause.generation_pause(pause.UPSTREAM, "Gemini answered 503 UNAVAILABLE")  # Google is down: delayed, place kept
    expect(page.locator('[data-field="delayed"]').first).to_be_visible()
    expect(page.locator('[data-panel="generating"] [data-field="eta"]')).to_be_hidden()
    page.screenshot(path=artifacts_dir / f"issue19-delayed-{tag}.png", full_page=True)
    pause.generation_resume(pause.UPSTREAM)
    expect(page.locator('[data-field="delayed"]').first).to_be_hidden()

    queue.order_finish(mine.pk, mine.lease_token, write_small_pdf(mine))
    cover = page.locator('img[data-field="cover"]')
    expect(cover).to_be_visible()
    page.wait_for_function("document.querySelector('img[data-field=cover]').naturalWidth > 0")
    expect(page.locator("[data-previews]")).to_be_hidden()
    page.screenshot(path=artifacts_dir / f"issue19-done-{tag}.png", full_page=True)


def test_the_hero_picker_works_on_a_phone_without_javascript(live_server, browser, artifacts_dir):
    from tests.browser.conftest import VIEWPORTS

    context = browser.new_context(locale="fr-FR", viewport=VIEWPORTS["phone"], java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.get_by_label("Votre e-mail").fill("parent@example.com")
        page.get_by_label("Prénom de votre enfant").fill("Fọ̀láṣadé")
        page.get_by_label("Âge", exact=True).fill("6")
        page.locator("input[name=theme]").first.check()
        page.get_by_text("À quoi ressemble votre enfant ? (facultatif)").click()
        page.locator("input[name=skin_tone][value=dark]").check()
        page.get_by_label("Bouclés").check()
        page.get_by_label("Avec lunettes").check()
        page.screenshot(path=artifacts_dir / "issue19-hero-picker-fr-phone.png", full_page=True)
        page.locator("button[type=submit]").last.click()
        page.wait_for_url("**/pay/")
    finally:
        context.close()
    order = Order.objects.get(email="parent@example.com")
    assert (order.child_name, order.skin_tone, order.hair_color, order.hair_style, order.glasses) == (
        "Fọ̀láṣadé", "dark", "", "curly", "yes"
    )
