import pytest
from django.urls import reverse

from orders import queue, selectors
from orders.forms import OrderForm
from orders.models import Kind, Order, OutboundEmail, Priority, Status
from orders.payments import CheckoutUnavailable, checkout_start, order_mark_paid, order_price_cents
from tests.conftest import make_order
from tests.fakes.smtp_server import free_port
from tests.orders.test_forms import VALID


def test_order_price_cents_is_the_base_price_plus_the_pages(settings):
    settings.HERA_PRICE_BASE_CENTS = 1490
    settings.HERA_PRICE_PER_PAGE_CENTS = 50
    assert order_price_cents(2) == 1590
    assert order_price_cents(24) == 2690


@pytest.mark.django_db
def test_checkout_start_without_keys_leads_to_the_offline_checkout():
    order = make_order()
    assert checkout_start(order) == f"/orders/{order.token}/pay/"


@pytest.mark.django_db
def test_checkout_start_stores_the_price_computed_on_the_server():
    order = make_order(page_count=10, amount_cents=1)
    checkout_start(order)
    order.refresh_from_db()
    assert order.amount_cents == order_price_cents(10)
    assert order.currency == "eur"


@pytest.mark.django_db
def test_checkout_session_request_carries_the_token_the_amount_and_the_idempotency_key(fake_stripe, settings):
    order = make_order(page_count=8, email="parent@example.com", language="en")
    url = checkout_start(order)
    (request,) = fake_stripe.requests
    assert (request.method, request.path) == ("POST", "/v1/checkout/sessions")
    assert request.headers["Idempotency-Key"] == f"checkout-{order.token}-1"
    assert request.headers["Authorization"] == "Bearer sk_test_hera"
    params = request.params
    assert params["mode"] == "payment"
    assert params["client_reference_id"] == order.token
    assert params["metadata[order_token]"] == order.token
    assert params["customer_email"] == "parent@example.com"
    assert params["line_items[0][quantity]"] == "1"
    assert params["line_items[0][price_data][unit_amount]"] == str(order_price_cents(8))
    assert params["line_items[0][price_data][currency]"] == settings.HERA_CURRENCY
    assert "line_items[1][quantity]" not in params
    assert params["success_url"].startswith(f"{settings.HERA_BASE_URL}/orders/{order.token}/")
    assert params["cancel_url"].startswith(f"{settings.HERA_BASE_URL}/orders/{order.token}/")
    assert params["locale"] == "en"
    (session,) = fake_stripe.sessions.values()
    assert url == session["url"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "product"),
    [("fr", "Livre personnalisé pour Zoë (8 pages)"), ("en", "Personalised book for Zoë (8 pages)")],
)
def test_checkout_product_name_is_in_the_orders_language(fake_stripe, language, product):
    checkout_start(make_order(page_count=8, child_name="Zoë", language=language))
    (request,) = fake_stripe.requests
    assert request.params["line_items[0][price_data][product_data][name]"] == product


@pytest.mark.django_db
def test_checkout_start_stores_the_session_id(fake_stripe):
    order = make_order()
    checkout_start(order)
    order.refresh_from_db()
    (session_id,) = fake_stripe.sessions
    assert order.stripe_session_id == session_id


@pytest.mark.django_db
def test_checkout_start_turns_a_stripe_error_into_checkout_unavailable(fake_stripe):
    fake_stripe.fail_with(400, "invalid_request_error", "Amount must be positive")
    order = make_order()
    with pytest.raises(CheckoutUnavailable):
        checkout_start(order)
    order.refresh_from_db()
    assert order.stripe_session_id is None


@pytest.mark.django_db
def test_offline_checkout_shows_the_order_and_its_price(client):
    order = make_order(child_name="Zoë", page_count=6)
    response = client.get(reverse("orders:offline_checkout", kwargs={"token": order.token}))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Zoë" in body
    assert f"{order_price_cents(6) // 100},{order_price_cents(6) % 100:02d}" in body  # French by default
    assert 'method="post"' in body


@pytest.mark.django_db
def test_offline_payment_queues_the_order_and_redirects_to_its_page(client):
    order = make_order()
    response = client.post(reverse("orders:offline_checkout", kwargs={"token": order.token}))
    assert response.status_code == 303
    assert response["Location"] == f"/orders/{order.token}/"
    order.refresh_from_db()
    assert order.status == Status.QUEUED
    assert order.events.get(to_status=Status.QUEUED).actor == "offline checkout"


@pytest.mark.django_db
def test_offline_payment_posted_twice_queues_once(client):
    order = make_order()
    url = reverse("orders:offline_checkout", kwargs={"token": order.token})
    client.post(url)
    client.post(url)
    assert order.events.filter(to_status=Status.QUEUED).count() == 1
    assert OutboundEmail.objects.filter(order=order, kind="queued").count() == 1


@pytest.mark.django_db
def test_offline_checkout_of_a_paid_order_goes_to_the_order_page(client):
    order = make_order(status="queued")
    response = client.get(reverse("orders:offline_checkout", kwargs={"token": order.token}))
    assert response.status_code == 303
    assert response["Location"] == f"/orders/{order.token}/"


@pytest.mark.django_db
def test_offline_checkout_does_not_exist_with_stripe_keys(client, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_hera"
    order = make_order()
    url = reverse("orders:offline_checkout", kwargs={"token": order.token})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


@pytest.mark.django_db
def test_attack_offline_pay_in_production_without_stripe_gives_no_free_book(client, settings):
    # Production without Stripe keys and without HERA_OFFLINE_CHECKOUT=on: the "Pay" button must not exist.
    settings.HERA_OFFLINE_CHECKOUT = False
    response = client.post(reverse("orders:create"), VALID)
    assert response.status_code == 503
    order = Order.objects.get()
    url = reverse("orders:offline_checkout", kwargs={"token": order.token})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_order_page_links_no_offline_checkout_when_it_is_off(client, settings):
    settings.HERA_OFFLINE_CHECKOUT = False
    order = make_order()
    body = client.get(reverse("orders:detail", kwargs={"token": order.token})).content.decode()
    assert reverse("orders:offline_checkout", kwargs={"token": order.token}) not in body


@pytest.mark.django_db
def test_order_page_links_the_offline_checkout_when_it_is_on(client):
    order = make_order()
    body = client.get(reverse("orders:detail", kwargs={"token": order.token})).content.decode()
    assert reverse("orders:offline_checkout", kwargs={"token": order.token}) in body


@pytest.mark.django_db
def test_offline_checkout_of_an_unknown_token_is_404(client):
    assert client.get("/orders/nope/pay/").status_code == 404
    assert client.get(f"/orders/{'x' * 32}/pay/").status_code == 404


@pytest.mark.django_db
def test_checkout_start_turns_an_unreachable_stripe_into_checkout_unavailable(settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE = "sk_test_hera", f"http://127.0.0.1:{free_port()}"
    with pytest.raises(CheckoutUnavailable):
        checkout_start(make_order())


@pytest.mark.django_db
def test_a_paid_customer_order_goes_ahead_of_the_test_orders_queued_before_it():
    earlier_test_order = make_order(status="queued", kind=Kind.TEST, priority=Priority.LOW)
    form = OrderForm(VALID)
    assert form.is_valid(), form.errors
    paid = form.save()  # what POST /orders/ creates: the customer's inputs, nothing else
    order_mark_paid(paid, actor="stripe")
    paid.refresh_from_db()
    assert (paid.kind, paid.priority) == (Kind.PAID, Priority.HIGH)
    assert queue.order_claim_next("w").pk == paid.pk
    assert selectors.position(earlier_test_order) == 2
