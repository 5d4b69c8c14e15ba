"""hera/settings.py read from a controlled environment: the embedded defaults and the start-up errors."""

import os
import runpy
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from hera import instance
from tests.conftest import free_port

SETTINGS_FILE = django_settings.BASE_DIR / "hera" / "settings.py"
PREFIXES = ("DJANGO_", "HERA_", "STRIPE_", "EMAIL_", "GOOGLE_", "DATABASE_URL", "DEFAULT_FROM_EMAIL", "AWS_", "RENDER_")


@pytest.fixture
def load_settings(monkeypatch):
    """Return a function that evaluates hera/settings.py with only the given variables set.

    DJANGO_DEBUG is on unless given, as `make run` sets it; DJANGO_DEBUG="" leaves it unset.
    """
    for name in list(os.environ):
        if name.startswith(PREFIXES):
            monkeypatch.delenv(name)

    def load(**env: str) -> dict:
        env.setdefault("DJANGO_DEBUG", "on")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return load


PRODUCTION = {
    "DJANGO_DEBUG": "off",
    "DJANGO_SECRET_KEY": "s3cret",
    "DJANGO_ALLOWED_HOSTS": "hera.example",
    "HERA_BASE_URL": "https://hera.example",
    "STRIPE_SECRET_KEY": "sk_live_hera",
    "STRIPE_WEBHOOK_SECRET": "whsec_hera",
    "EMAIL_HOST": "smtp.hera.example",
}


def production(**changes: str) -> dict:
    """The production variables with `changes` (an empty value removes a variable)."""
    return {name: value for name, value in {**PRODUCTION, **changes}.items() if value}


def test_debug_is_off_unless_set(load_settings):
    assert load_settings(**production())["DEBUG"] is False


def test_with_nothing_set_startup_refuses_instead_of_serving_debug_pages(load_settings):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be set"):
        load_settings(DJANGO_DEBUG="")


def test_database_url_is_not_kept_as_a_setting(load_settings):
    s = load_settings(DATABASE_URL="postgres://hera:pw@db.internal:6543/books")
    assert "DATABASE_URL" not in s
    assert not any(isinstance(value, str) and "pw@db.internal" in value for value in s.values())


def test_development_defaults_match_the_spec(load_settings):
    s = load_settings()
    assert s["DEBUG"] is True
    assert s["HERA_OFFLINE_CHECKOUT"] is True
    assert s["HERA_BASE_URL"] == "http://127.0.0.1:8000"
    assert s["HERA_GENERATOR"] == "offline"
    assert s["STRIPE_SECRET_KEY"] == ""
    assert (s["HERA_MINUTES_PER_BOOK"], s["HERA_CONCURRENT_GENERATIONS"]) == (5, 1)
    assert (s["HERA_LEASE_SECONDS"], s["HERA_MAX_ATTEMPTS"]) == (60, 3)
    assert (s["HERA_IMAGE_CONCURRENCY"], s["HERA_OFFLINE_PAGE_SECONDS"]) == (3, 0.0)
    assert s["EMAIL_BACKEND"] == "hera.mail.ConsoleAndFileBackend"
    assert s["EMAIL_FILE_PATH"] == django_settings.BASE_DIR / "var" / "mail"


def test_default_database_is_sqlite_in_var_shared_by_web_and_worker(load_settings):
    db = load_settings()["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(django_settings.BASE_DIR / "var" / "hera.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["timeout"] >= 5
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_database_url_selects_postgresql(load_settings):
    db = load_settings(DATABASE_URL="postgres://hera:pw@db.internal:6543/books")["DATABASES"]["default"]
    assert (db["ENGINE"], db["HOST"], db["PORT"], db["NAME"]) == ("django.db.backends.postgresql", "db.internal", 6543, "books")


def test_database_connections_are_per_request_by_default_and_checked_before_reuse_when_kept(load_settings):
    default = load_settings(DATABASE_URL="postgres://u:p@db.example:5432/hera")["DATABASES"]["default"]
    assert (default["CONN_MAX_AGE"], default["CONN_HEALTH_CHECKS"]) == (0, True)
    kept = load_settings(HERA_DB_CONN_MAX_AGE="600")["DATABASES"]["default"]
    assert (kept["CONN_MAX_AGE"], kept["CONN_HEALTH_CHECKS"]) == (600, True)


def test_queue_variables_are_read(load_settings):
    s = load_settings(HERA_MINUTES_PER_BOOK="7", HERA_CONCURRENT_GENERATIONS="2", HERA_LEASE_SECONDS="30",
                      HERA_MAX_ATTEMPTS="5", HERA_BASE_URL="https://hera.example/")
    assert (s["HERA_MINUTES_PER_BOOK"], s["HERA_CONCURRENT_GENERATIONS"]) == (7, 2)
    assert (s["HERA_LEASE_SECONDS"], s["HERA_MAX_ATTEMPTS"]) == (30, 5)
    assert s["HERA_BASE_URL"] == "https://hera.example"
    assert s["Q_CLUSTER"]["workers"] == 2


def test_minutes_per_book_may_be_learned(load_settings):
    assert load_settings(HERA_MINUTES_PER_BOOK="auto")["HERA_MINUTES_PER_BOOK"] == "auto"


def test_auto_concurrency_follows_the_memory_the_instance_may_use(load_settings):
    s = load_settings(HERA_CONCURRENT_GENERATIONS="auto", HERA_BOOK_MEMORY_MB="300")
    limit = instance.memory_limit()
    assert s["HERA_CONCURRENT_GENERATIONS"] == max(1, (limit.mb - instance.IDLE_FOOTPRINT_MB) // 300)
    assert s["HERA_CONCURRENT_GENERATIONS_SOURCE"].startswith("auto: (")
    assert s["Q_CLUSTER"]["workers"] == s["HERA_CONCURRENT_GENERATIONS"]


def test_a_book_allowance_above_the_instance_still_makes_one_book_at_a_time(load_settings):
    s = load_settings(HERA_CONCURRENT_GENERATIONS="auto", HERA_BOOK_MEMORY_MB="100000000")
    assert s["HERA_CONCURRENT_GENERATIONS"] == 1


def test_the_memory_guard_defaults_to_nine_tenths_of_the_instance(load_settings):
    assert load_settings()["HERA_MEMORY_GUARD_MB"] == instance.memory_limit().mb * 9 // 10


def test_a_declared_512_mb_instance_makes_three_books_at_once_under_a_guard_at_460_mb(load_settings):
    s = load_settings(HERA_CONCURRENT_GENERATIONS="auto", HERA_INSTANCE_MEMORY_MB="512")
    assert (s["HERA_CONCURRENT_GENERATIONS"], s["HERA_MEMORY_GUARD_MB"], s["Q_CLUSTER"]["workers"]) == (3, 460, 3)
    assert s["HERA_CONCURRENT_GENERATIONS_SOURCE"] == (
        "auto: (HERA_INSTANCE_MEMORY_MB 512 MB - 110 MB idle) / 125 MB per book (HERA_BOOK_MEMORY_MB)"
    )


def test_a_declared_instance_memory_that_is_not_a_number_stops_the_start(load_settings):
    with pytest.raises(ImproperlyConfigured, match="HERA_INSTANCE_MEMORY_MB must be a number of MB"):
        load_settings(HERA_INSTANCE_MEMORY_MB="half a gig")


@pytest.mark.parametrize("book_timeout", ["", "60", "7200"])
def test_worker_kills_a_stuck_book_before_the_broker_redelivers_its_task(load_settings, book_timeout):
    q = load_settings(HERA_BOOK_TIMEOUT_SECONDS=book_timeout)["Q_CLUSTER"]
    assert q["timeout"] < q["retry"]


def test_worker_runs_one_process_on_the_orm_broker_recycled_after_each_book(load_settings):
    q = load_settings()["Q_CLUSTER"]
    assert (q["workers"], q["orm"], q["recycle"]) == (1, "default", 1)
    assert 0 < q["max_rss"] <= 300_000  # kilobytes


def test_a_google_key_selects_the_google_generator(load_settings):
    assert load_settings(GOOGLE_API_KEY="k")["HERA_GENERATOR"] == "google"


def test_email_host_switches_to_smtp(load_settings):
    s = load_settings(EMAIL_HOST="smtp.example", EMAIL_PORT="587")
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert s["EMAIL_USE_TLS"] is True


def test_without_a_bucket_books_are_on_the_local_disk_and_scaling_has_the_spec_defaults(load_settings):
    s = load_settings()
    assert s["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert s["HERA_DOWNLOAD_URL_SECONDS"] == 600
    assert (s["HERA_SCALE_UP_QUEUE"], s["HERA_SCALE_UP_MINUTES"], s["HERA_SCALE_DOWN_MINUTES"]) == (5, 10, 60)
    assert s["HERA_SCALE_WEBHOOK_URL"] == s["RENDER_API_KEY"] == ""


def test_a_bucket_name_makes_the_bucket_the_default_storage(load_settings):
    s = load_settings(
        AWS_STORAGE_BUCKET_NAME="hera-books", AWS_S3_ENDPOINT_URL="https://acc.r2.cloudflarestorage.com",
        AWS_S3_REGION_NAME="auto", AWS_ACCESS_KEY_ID="key", AWS_SECRET_ACCESS_KEY="secret",
        HERA_DOWNLOAD_URL_SECONDS="300",
    )
    default = s["STORAGES"]["default"]
    assert default["BACKEND"] == "hera.storage.BucketStorage"
    options = default["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
        "hera-books", "https://acc.r2.cloudflarestorage.com", "auto",
    )
    assert (options["access_key"], options["secret_key"]) == ("key", "secret")
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["querystring_expire"] == 300
    assert options["signature_version"] == "s3v4"


def test_a_scale_webhook_without_its_secret_is_a_startup_error(load_settings):
    with pytest.raises(ImproperlyConfigured, match="HERA_SCALE_WEBHOOK_SECRET"):
        load_settings(HERA_SCALE_WEBHOOK_URL="https://ops.example.com/scale")


def test_a_render_key_without_its_service_and_plans_names_what_is_missing(load_settings):
    with pytest.raises(ImproperlyConfigured, match="RENDER_SERVICE_ID, HERA_SCALE_UP_PLAN, HERA_SCALE_DOWN_PLAN"):
        load_settings(RENDER_API_KEY="rnd_key")


def test_production_without_a_secret_key_is_a_startup_error(load_settings):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be set"):
        load_settings(DJANGO_DEBUG="off", DJANGO_ALLOWED_HOSTS="hera.example")


def test_production_without_allowed_hosts_is_a_startup_error(load_settings):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ALLOWED_HOSTS must be set"):
        load_settings(DJANGO_DEBUG="off", DJANGO_SECRET_KEY="s3cret")


def test_production_settings_with_the_required_variables(load_settings):
    s = load_settings(**production(DJANGO_ALLOWED_HOSTS="hera.example,www.hera.example"))
    assert s["DEBUG"] is False
    assert s["ALLOWED_HOSTS"] == ["hera.example", "www.hera.example"]
    assert s["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_an_https_base_url_brings_secure_cookies_hsts_redirect_and_the_proxy_header(load_settings):
    s = load_settings(**production())
    assert (s["SESSION_COOKIE_SECURE"], s["CSRF_COOKIE_SECURE"], s["SECURE_SSL_REDIRECT"]) == (True, True, True)
    assert s["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.django_db
def test_the_platforms_plain_http_health_probe_is_answered_not_redirected(load_settings, settings, client):
    s = load_settings(**production())
    settings.SECURE_SSL_REDIRECT, settings.SECURE_REDIRECT_EXEMPT = s["SECURE_SSL_REDIRECT"], s["SECURE_REDIRECT_EXEMPT"]
    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code in (200, 503)


def test_production_without_the_stripe_keys_is_a_startup_error(load_settings):
    with pytest.raises(ImproperlyConfigured, match="STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set"):
        load_settings(**production(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET=""))


def test_production_with_a_secret_key_but_no_webhook_secret_is_a_startup_error(load_settings):
    with pytest.raises(ImproperlyConfigured, match="STRIPE_WEBHOOK_SECRET must be set"):
        load_settings(**production(STRIPE_WEBHOOK_SECRET=""))


def test_production_refuses_a_stripe_key_that_is_not_a_secret_key(load_settings):
    with pytest.raises(ImproperlyConfigured, match="must be a Stripe secret or restricted key"):
        load_settings(**production(STRIPE_SECRET_KEY="pk_live_publishable"))


def test_a_demo_shop_runs_without_stripe_when_the_operator_says_so(load_settings):
    s = load_settings(**production(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="", HERA_OFFLINE_CHECKOUT="on"))
    assert s["HERA_OFFLINE_CHECKOUT"] is True


def test_production_with_stripe_has_no_offline_checkout(load_settings):
    assert load_settings(**production())["HERA_OFFLINE_CHECKOUT"] is False


def test_development_with_a_stripe_key_has_no_offline_checkout(load_settings):
    assert load_settings(STRIPE_SECRET_KEY="sk_test_hera")["HERA_OFFLINE_CHECKOUT"] is False


def test_the_offline_checkout_and_a_stripe_key_together_are_a_startup_error(load_settings):
    with pytest.raises(ImproperlyConfigured, match="keep one checkout"):
        load_settings(STRIPE_SECRET_KEY="sk_test_hera", HERA_OFFLINE_CHECKOUT="on")


def test_production_without_a_base_url_is_a_startup_error(load_settings):
    with pytest.raises(ImproperlyConfigured, match="HERA_BASE_URL must be set"):
        load_settings(**production(HERA_BASE_URL=""))


def test_production_refuses_an_http_base_url(load_settings):
    with pytest.raises(ImproperlyConfigured, match="HERA_BASE_URL must be https"):
        load_settings(**production(HERA_BASE_URL="http://hera.example"))


def test_an_http_base_url_on_a_private_network_takes_an_explicit_allow_and_trusts_no_proxy(load_settings):
    s = load_settings(**production(HERA_BASE_URL="http://10.0.0.5:8000", HERA_ALLOW_HTTP="on"))
    assert "SECURE_PROXY_SSL_HEADER" not in s
    assert "SECURE_SSL_REDIRECT" not in s
    assert "SESSION_COOKIE_SECURE" not in s


def test_the_rate_limit_counts_in_a_cache_shared_by_every_process(load_settings):
    s = load_settings()
    assert s["CACHES"]["default"]["BACKEND"] == "hera.cache.AtomicDatabaseCache"
    assert s["HERA_ORDER_RATE"] == "10/m"
    assert s["HERA_CLIENT_IP_HEADER"] == ""


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HERA_MAX_ATTEMPTS": "three"}, "HERA_MAX_ATTEMPTS must be a whole number, not 'three'"),
        ({"HERA_CONCURRENT_GENERATIONS": "0"}, "HERA_CONCURRENT_GENERATIONS must be at least 1, not 0"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be true or false, not 'maybe'"),
        ({"HERA_GENERATOR": "google"}, "HERA_GENERATOR=google needs GOOGLE_API_KEY"),
        ({"HERA_GENERATOR": "dall-e"}, "HERA_GENERATOR must be offline or google, not 'dall-e'"),
    ],
)
def test_a_bad_variable_is_named_in_the_startup_error(load_settings, env, message):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        load_settings(**env)
    assert message in str(excinfo.value)


@pytest.mark.slow
def test_the_suite_stops_with_one_line_when_postgresql_is_unreachable():
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{port}/hera"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/orders/test_models.py", "-p", "no:cacheprovider"],
        cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 3
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    assert f"PostgreSQL is not reachable at 127.0.0.1:{port}" in lines[0]
    assert "start it or set DATABASE_URL" in lines[0]
    assert "passed" not in result.stdout


def production_env(tmp_path, **changes: str) -> dict:
    """A production shell for a subprocess: the production variables, a long secret key, SQLite under tmp_path."""
    env = bare_env()
    variables = production(DJANGO_SECRET_KEY="hera-" + "x7Qp2Lm9" * 8, **changes)
    env.update(variables, DATABASE_URL=f"sqlite:///{tmp_path / 'hera.sqlite3'}", HERA_MEDIA_ROOT=str(tmp_path / "media"))
    return env


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=django_settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


def bare_env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith(PREFIXES) and k != "DJANGO_SETTINGS_MODULE"}


def test_a_command_run_without_configuration_says_why_in_one_line(tmp_path):
    result = manage(bare_env(), "migrate", "--check")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Hera cannot start: DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
        "(on your own machine, set DJANGO_DEBUG=on for development, as `make run` and the tests do)."
    ]


def test_the_migrations_can_be_checked_in_a_bare_shell():
    # Developer commands write only the project's files: they need no production variables.
    result = manage(bare_env(), "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_check_deploy_with_the_production_variables_is_clean(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_an_smtp_host_says_loudly_that_mail_is_only_printed(tmp_path):
    result = manage(production_env(tmp_path, EMAIL_HOST=""), "check")
    assert "EMAIL_HOST is not set" in result.stderr
    assert "NOT sent" in result.stderr


def test_the_debug_page_is_not_served_with_the_production_variables(tmp_path):
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client(HTTP_HOST='hera.example').get('/no-such-page/', secure=True);"
        "print(r.status_code, 'URLconf' in r.content.decode(), 'DATABASE' in r.content.decode())"
    )
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="hera.settings")
    result = subprocess.run([sys.executable, "-c", code], cwd=django_settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["404", "False", "False"], result.stderr


def test_a_stop_budget_too_short_to_hand_a_book_back_is_refused(load_settings):
    assert load_settings()["HERA_STOP_GRACE_SECONDS"] == 30  # what Render and Heroku wait unless told otherwise
    with pytest.raises(ImproperlyConfigured, match="HERA_STOP_GRACE_SECONDS must be at least 10"):
        load_settings(HERA_STOP_GRACE_SECONDS="5")
