import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from orders.forms import price_display
from orders.models import Order, Status
from orders.payments import order_price_cents
from tests.conftest import order_in
from tests.orders.test_forms import VALID

pytestmark = pytest.mark.django_db


def get_page(client, order: Order, **headers):
    return client.get(reverse("orders:detail", kwargs={"token": order.token}), **headers)


# The landing page and the order form.


def test_landing_page_shows_the_form_and_the_server_price_in_french_by_default(client):
    response = client.get(reverse("orders:landing"))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert 'action="/orders/"' in html
    for field in VALID:
        assert f'name="{field}"' in html
    with translation.override("fr"):
        assert price_display(order_price_cents(12)) in html
        assert price_display(order_price_cents(24)) in html


def test_landing_page_speaks_english_to_an_english_browser(client):
    response = client.get(reverse("orders:landing"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Create your book" in html
    with translation.override("en"):
        assert price_display(order_price_cents(12)) in html


def test_price_is_written_the_french_and_the_english_way():
    with translation.override("fr"):
        assert price_display(2090) == "20,90\u00a0€"
    with translation.override("en"):
        assert price_display(2090) == "€20.90"


def test_valid_order_is_created_pending_and_sent_to_the_offline_checkout(client):
    response = client.post(reverse("orders:create"), VALID)

    order = Order.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("orders:offline_checkout", kwargs={"token": order.token})
    assert order.status == Status.PENDING_PAYMENT
    assert (order.child_name, order.child_age, order.theme, order.page_count) == ("Zoë-Chloé N'Diaye", 5, "space", 8)
    assert order.amount_cents == order_price_cents(8)


def test_landing_page_answers_only_get_and_create_answers_only_post(client):
    assert client.post(reverse("orders:landing")).status_code == 405
    assert client.get(reverse("orders:create")).status_code == 405


def test_checkout_unavailable_gives_a_friendly_503_and_keeps_the_order_pending(client, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_hera"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there: Stripe is unreachable

    response = client.post(reverse("orders:create"), VALID, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert "Payment is unavailable for a moment." in response.content.decode()
    assert Order.objects.get().status == Status.PENDING_PAYMENT


def test_language_switcher_sets_the_language_of_the_next_pages(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert '<html lang="en">' in client.get(reverse("orders:landing")).content.decode()


# The customer's order page.


PAGE_TEXT = {
    # status: (French, English) sentences the customer reads
    "pending_payment": ("Paiement en cours de confirmation", "Payment being confirmed"),
    "queued": ("Votre livre est le numéro", "Your book is number"),
    "generating": ("Nous illustrons votre livre", "We are illustrating your book"),
    "done": ("Votre livre est prêt\u00a0!", "Your book is ready!"),
    "failed": ("Nous n’avons pas pu créer ce livre", "We could not create this book"),
    "refunded": ("Cette commande a été remboursée", "This order was refunded"),
    "cancelled": ("Cette commande a été annulée", "This order was cancelled"),
    "expired": ("Le délai de paiement est écoulé", "The time to pay ran out"),
}


def visible_panel(html: str, status: str) -> bool:
    return f'data-panel="{status}">' in html


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("status", list(PAGE_TEXT))
def test_order_page_shows_the_status_in_words_in_the_order_language(client, status, language):
    order = order_in(status, language=language)

    response = get_page(client, order)

    html = response.content.decode()
    french, english = PAGE_TEXT[status]
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    assert response["Content-Language"] == language
    assert visible_panel(html, status)
    assert (french if language == "fr" else english) in html


@pytest.mark.parametrize(("language", "place", "eta"), [("fr", "numéro", "environ"), ("en", "number", "about")])
def test_queued_order_page_shows_its_place_and_eta_rendered_on_the_server(client, language, place, eta):
    order_in("generating", email="ahead@example.com")
    order = order_in("queued", language=language)

    html = get_page(client, order).content.decode()

    assert f'{place} <strong data-field="position">2</strong>' in html
    assert f'{eta} <strong data-field="eta">10</strong>' in html


def test_generating_order_page_shows_a_progress_bar_of_pages_illustrated(client):
    order = order_in("generating", pages_done=3, language="en", page_count=8)

    html = get_page(client, order).content.decode()

    assert '<progress id="book-progress" data-field="progress" max="8" value="3">' in html
    assert 'Pages illustrated: <span data-field="pages-done">3</span> of <span data-field="pages-total">8</span>' in html


def test_done_order_page_has_the_download_button(client):
    order = order_in("done", language="en")

    html = get_page(client, order).content.decode()

    url = reverse("orders:book_pdf", kwargs={"token": order.token})
    assert f'href="{url}"' in html
    assert "Download the book (PDF)" in html


@pytest.mark.parametrize("claimed", [False, True], ids=["queued", "generating"])
def test_order_page_of_a_book_made_again_still_offers_the_current_pdf(client, claimed):
    order = order_in("done", language="fr")
    order.regenerate(actor="staff")
    if claimed:
        order.claim(worker_id="w1", lease_seconds=60)

    html = get_page(client, order).content.decode()

    assert f'href="{reverse("orders:book_pdf", kwargs={"token": order.token})}">Télécharger le livre actuel (PDF)' in html


def test_order_page_of_a_first_book_in_line_offers_no_download(client):
    html = get_page(client, order_in("queued", language="en")).content.decode()

    assert "book.pdf" not in html


def test_pending_order_page_links_to_the_offline_checkout(client):
    order = order_in("pending_payment", language="en")

    html = get_page(client, order).content.decode()

    assert reverse("orders:offline_checkout", kwargs={"token": order.token}) in html


def test_customer_back_from_a_cancelled_checkout_gets_one_message_and_a_way_back_to_pay(client, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_hera"
    order = order_in("pending_payment", language="en")

    html = client.get(reverse("orders:detail", kwargs={"token": order.token}) + "?checkout=cancelled").content.decode()

    assert "You left the payment page" in html
    assert "Nothing was charged. Your order is kept" in html
    assert "We are waiting for your payment to be confirmed" not in html
    assert reverse("orders:checkout_continue", kwargs={"token": order.token}) in html
    assert "Continue to payment" in html


def test_pending_order_page_has_no_pay_link_when_stripe_is_configured(client, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_hera"
    order = order_in("pending_payment", language="en")

    html = get_page(client, order).content.decode()

    assert "/pay/" not in html
    assert "Payment being confirmed" in html


def test_order_page_polls_and_refreshes_without_javascript_while_the_book_is_on_its_way(client):
    html = get_page(client, order_in("queued")).content.decode()

    assert 'src="/static/order.js"' in html
    assert '<noscript><meta http-equiv="refresh" content="15"></noscript>' in html
    assert 'aria-live="polite"' in html


def test_order_page_stops_refreshing_once_the_book_is_done(client):
    html = get_page(client, order_in("done")).content.decode()

    assert "order.js" not in html
    assert 'http-equiv="refresh"' not in html


def test_order_page_is_not_indexed(client):
    response = get_page(client, order_in("queued"))

    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert "no-cache" in response["Cache-Control"]


def test_unknown_token_is_404(client):
    response = client.get(reverse("orders:detail", kwargs={"token": "not-a-real-token-" + "x" * 20}))

    assert response.status_code == 404


def test_visitor_who_chose_a_language_keeps_it_on_an_order_in_another(client):
    order = order_in("queued", language="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    html = get_page(client, order, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="fr">' in html
    assert "Votre livre est le numéro" in html


def test_browser_language_does_not_override_the_order_language(client):
    order = order_in("queued", language="en")

    html = get_page(client, order, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Your book is number" in html


def test_order_page_shows_nothing_of_another_customer(client):
    mine = order_in("queued", child_name="Anouk", email="anouk.parent@example.com")
    order_in("queued", child_name="Balthazar", email="balthazar.parent@example.com", dedication="Pour Balthazar")

    html = get_page(client, mine).content.decode()

    assert "Anouk" in html
    assert "Balthazar" not in html
    assert "balthazar.parent@example.com" not in html


def test_landing_page_shows_no_customer_data(client):
    order_in("generating", child_name="Balthazar", email="balthazar.parent@example.com")

    html = client.get(reverse("orders:landing")).content.decode()

    assert "Balthazar" not in html
    assert "balthazar" not in html


def test_order_page_reads_the_database_four_times_however_long_the_queue(client, django_assert_num_queries):
    order_in("generating")
    for _ in range(10):
        order_in("queued")
    order = order_in("queued")

    # The order, the generating count, the orders ahead, whether paused, the number in force (workers' heartbeats).
    with django_assert_num_queries(5):
        html = get_page(client, order).content.decode()

    assert '<strong data-field="position">12</strong>' in html


# Limits: order posts per client address (HERA_ORDER_RATE, 10 a minute by default).


def post_order(client, **headers):
    return client.post(reverse("orders:create"), VALID, headers=headers)


def test_attack_a_burst_of_40_order_posts_from_one_address_is_cut_short(client):
    statuses = [post_order(client).status_code for _ in range(40)]
    assert statuses[:10] == [303] * 10
    assert set(statuses[10:]) == {429}
    assert Order.objects.count() == 10


def test_a_rate_limited_post_answers_a_readable_429_page(client):
    for _ in range(10):
        post_order(client)
    response = post_order(client, **{"Accept-Language": "en"})
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Please wait a minute, then try again." in response.content.decode()


def test_another_address_still_orders_while_one_is_limited(client):
    for _ in range(11):
        client.post(reverse("orders:create"), VALID, REMOTE_ADDR="203.0.113.7")
    assert client.post(reverse("orders:create"), VALID, REMOTE_ADDR="203.0.113.8").status_code == 303


def test_attack_a_forged_forwarded_for_header_is_ignored_by_default(client):
    statuses = [post_order(client, **{"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(12)]
    assert statuses.count(429) == 2


def test_behind_a_proxy_the_configured_header_names_the_client(client, settings):
    settings.HERA_CLIENT_IP_HEADER = "X-Forwarded-For"
    for n in range(10):
        assert post_order(client, **{"X-Forwarded-For": f"198.51.100.{n}"}).status_code == 303
    assert Order.objects.count() == 10


def test_behind_a_proxy_what_the_client_wrote_left_of_the_proxys_entry_is_ignored(client, settings):
    settings.HERA_CLIENT_IP_HEADER = "X-Forwarded-For"
    statuses = [post_order(client, **{"X-Forwarded-For": f"10.9.9.{n}, 198.51.100.1"}).status_code for n in range(11)]
    assert statuses[-1] == 429


def test_the_order_rate_is_read_from_the_setting(client, settings):
    settings.HERA_ORDER_RATE = "2/m"
    assert [post_order(client).status_code for _ in range(3)] == [303, 303, 429]


def test_the_429_page_speaks_french_by_default(client):
    for _ in range(10):
        post_order(client)
    assert "Merci d’attendre une minute" in post_order(client).content.decode()


@pytest.mark.django_db
def test_french_order_page_elides_before_the_name_in_its_title_and_heading(client):
    html = get_page(client, order_in(Status.QUEUED, child_name="Emma", language="fr")).content.decode()
    assert "<title>Le livre d’Emma — Hera</title>" in html
    assert ">Le livre d’Emma</h1>" in html
