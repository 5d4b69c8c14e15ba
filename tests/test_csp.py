"""The Content-Security-Policy: scripts from this site only, none inline, on the customer pages and the admin."""

import re

import pytest
from django.urls import reverse

from tests.conftest import make_order

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+=\"", re.IGNORECASE)


def script_policy(response) -> list[str]:
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip()
    )
    return policy["script-src"].split()


def pages(client, admin_client) -> list:
    order = make_order()
    return [
        client.get(reverse("orders:landing")),
        client.get(reverse("orders:detail", kwargs={"token": order.token})),
        client.get(reverse("orders:offline_checkout", kwargs={"token": order.token})),
        client.get(reverse("admin:login")),
        admin_client.get(reverse("admin:index")),
        admin_client.get(reverse("admin:orders_order_changelist")),
        admin_client.get(reverse("admin:orders_order_change", args=[order.pk])),
        admin_client.get(reverse("admin:orders_order_queue")),
    ]


def test_every_page_forbids_inline_and_foreign_scripts(client, admin_client):
    for response in pages(client, admin_client):
        assert response.status_code == 200, response
        assert script_policy(response) == ["'self'"]


def test_no_page_relies_on_an_inline_script(client, admin_client):
    for response in pages(client, admin_client):
        html = response.content.decode()
        assert not INLINE_SCRIPT.findall(html), response.request["PATH_INFO"]
        assert not INLINE_HANDLER.findall(html), response.request["PATH_INFO"]


def test_the_order_form_may_still_go_on_to_stripe_checkout(client):
    policy = client.get(reverse("orders:landing"))["Content-Security-Policy"]
    assert "form-action 'self' https://checkout.stripe.com" in policy
