"""404 and 500 pages in the site's style and the visitor's language, with debug off."""

import pytest
from django.test import Client

from orders import selectors
from tests.conftest import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(("language", "heading"), [("fr", "Nous ne trouvons pas cette page"),
                                                   ("en", "We cannot find this page")])
def test_an_unknown_order_link_is_a_404_page_in_the_visitors_language(production, language, heading):
    response = production.get(f"/orders/{'A' * 32}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    html = response.content.decode()
    assert heading in html
    assert f'<html lang="{language}">' in html
    assert '<a class="brand"' in html and "#fff8ef" in html  # the site's own look, not a bare "Not Found"


def test_a_cut_off_order_link_is_the_same_friendly_404(production):
    response = production.get("/orders/AbCd/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "an email program sometimes cuts it" in response.content.decode()


@pytest.mark.parametrize(("language", "heading"), [("fr", "Un problème est survenu de notre côté"),
                                                   ("en", "Something went wrong on our side")])
def test_a_crash_is_a_500_page_in_the_visitors_language(production, monkeypatch, language, heading):
    order = make_order(status="queued")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "position", broken)
    response = production.get(order.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 500
    html = response.content.decode()
    assert heading in html
    assert "a bug" not in html


def test_the_error_pages_need_no_static_files(production, settings):
    # A production start before collectstatic, or a broken manifest, must not turn a 404 into a crash.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    settings.STATIC_ROOT = "/nonexistent-static-root"
    response = production.get(f"/orders/{'A' * 32}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "We cannot find this page" in response.content.decode()
