"""Admin logins are throttled per client address after repeated failures (django-axes)."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_user():
    return User.objects.create_superuser("staff", "staff@example.com", "the-right-password")


def log_in(client, password: str, address: str = "203.0.113.5"):
    return client.post(reverse("admin:login"), {"username": "staff", "password": password, "next": "/admin/"},
                       REMOTE_ADDR=address)


def test_the_right_password_logs_in(client, staff_user):
    assert log_in(client, "the-right-password").status_code == 302


def test_attack_guessing_the_admin_password_is_stopped_after_the_failure_limit(client, staff_user):
    statuses = [log_in(client, "guess").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]  # the form again, until the limit
    response = log_in(client, "the-right-password")  # even the right one, from this address, for a while
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_locked_out_address_does_not_lock_out_another(client, staff_user):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "guess")
    assert log_in(client, "the-right-password", address="198.51.100.9").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, staff_user):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "staff", "password": "guess"},
                    REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert log_in(client, "the-right-password").status_code == 429
