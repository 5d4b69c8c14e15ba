"""Hera settings: one file, read from the environment, with safe local defaults.

DJANGO_DEBUG is off unless set (`make run` and the test settings turn it on). In development (debug on) Hera runs
with nothing else set: SQLite in var/, the offline generator, the offline checkout and console email. With debug
off, anything that must not default is a start-up error: the secret key, the allowed hosts, an https HERA_BASE_URL,
and the Stripe keys (unless HERA_OFFLINE_CHECKOUT=on says this is a demo shop that gives its books away).
"""

import hashlib
import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from hera import instance, stopping

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None


# Django basics

DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(on your own machine, set DJANGO_DEBUG=on for development, as `make run` and the tests do)."
        )
    SECRET_KEY = "hera-local-development-only-not-secret"
ALLOWED_HOSTS = [h.strip() for h in env_str("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

HERA_BASE_URL = env_str("HERA_BASE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
HERA_ALLOW_HTTP = env_bool("HERA_ALLOW_HTTP")
if not HERA_BASE_URL:
    raise ImproperlyConfigured("HERA_BASE_URL must be set when DJANGO_DEBUG is off (e.g. https://hera.example).")
if not HERA_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"HERA_BASE_URL must start with https:// or http://, not {HERA_BASE_URL!r}.")
if not DEBUG and not HERA_BASE_URL.startswith("https://") and not HERA_ALLOW_HTTP:
    raise ImproperlyConfigured(
        "HERA_BASE_URL must be https when DJANGO_DEBUG is off; set HERA_ALLOW_HTTP=on only on a private network."
    )
CSRF_TRUSTED_ORIGINS = [HERA_BASE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "hera",  # before django_q: its qcluster command (logs in English) replaces django-q2's
    "django_q",
    "axes",
    "csp",
    "orders",
    "generation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hera.urls"
WSGI_APPLICATION = "hera.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite in var/ by default. WAL and a busy timeout let the web process and the worker share the file;
# IMMEDIATE transactions take the write lock up front so two writers queue instead of failing mid-transaction.
# Connections are closed after each request unless HERA_DB_CONN_MAX_AGE keeps them (seconds) to save the set-up of a
# new one (TLS to a managed database). A kept connection is checked before a request reuses it: after a database
# restart, the first request opens a new one instead of answering 500 on the dead one.

# The URL is not kept as a setting of its own: Django's debug page and error reports mask PASSWORD in DATABASES,
# never the password inside a URL.
HERA_DB_CONN_MAX_AGE = env_int("HERA_DB_CONN_MAX_AGE", 0)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hera.sqlite3'}"),
        conn_max_age=HERA_DB_CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    sqlite_path = Path(DATABASES["default"]["NAME"])
    if not sqlite_path.is_absolute():
        sqlite_path = BASE_DIR / sqlite_path
    sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["NAME"] = str(sqlite_path)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: the customer side speaks French (default) and English.

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("HERA_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Object storage: with AWS_STORAGE_BUCKET_NAME set, page checkpoints and books go to a private S3-compatible bucket
# (R2, B2, S3, MinIO; django-storages' own variable names), so they outlive the instance's disk and are shared by a
# web and a worker on different machines. The bucket is never public: downloads are links signed for
# HERA_DOWNLOAD_URL_SECONDS, handed out by Hera's own /orders/<token>/book.pdf.

HERA_DOWNLOAD_URL_SECONDS = env_int("HERA_DOWNLOAD_URL_SECONDS", 600, minimum=1)
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")


def bucket_storage(environ, download_seconds: int) -> dict:
    """Return the STORAGES entry of the bucket named by `environ` (the process environment, or a test's)."""

    def get(name: str) -> str | None:
        return (environ.get(name) or "").strip() or None

    # Plain values only: boto3 (about 30 MB with its client) is imported by the processes that use the bucket, when
    # they first do, not by every process that reads the settings.
    return {
        "BACKEND": "hera.storage.BucketStorage",
        "OPTIONS": {
            "bucket_name": get("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": get("AWS_S3_ENDPOINT_URL"),
            "region_name": get("AWS_S3_REGION_NAME"),
            "access_key": get("AWS_ACCESS_KEY_ID"),
            "secret_key": get("AWS_SECRET_ACCESS_KEY"),
            "addressing_style": get("AWS_S3_ADDRESSING_STYLE"),
            "signature_version": "s3v4",
            "default_acl": None,  # objects inherit the bucket's (private) policy; never public-read
            "querystring_auth": True,
            "querystring_expire": download_seconds,
            "file_overwrite": True,  # checkpoints are rewritten in place; book names are fresh for every build
            "max_memory_size": 1024 * 1024,  # a file read back spills to disk past 1 MB (the default never does)
        },
    }


if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = bucket_storage(os.environ, HERA_DOWNLOAD_URL_SECONDS)

# HTTPS follows from an https HERA_BASE_URL in production: the platform's proxy terminates TLS and says so in
# X-Forwarded-Proto, which is trusted only then (an http deployment has no proxy to set it, and a client could).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and HERA_BASE_URL.startswith("https://"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # /healthz is probed by the platform over plain http from inside its network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("HERA_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Email: SMTP when EMAIL_HOST is set, otherwise printed to the console and written to var/mail/.

EMAIL_HOST = env_str("EMAIL_HOST")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Hera <livres@hera.local>")
EMAIL_TIMEOUT = 10
# Where staff emails go (`payment_check`, `staff_alert`); unset: the first of Django's ADMINS, else none (a warning is
# logged). orders.emails.staff_address() reads both.
ADMINS: list[tuple[str, str]] = []
HERA_STAFF_EMAIL = env_str("HERA_STAFF_EMAIL")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
else:
    EMAIL_BACKEND = "hera.mail.ConsoleAndFileBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# Generation

GOOGLE_API_KEY = env_str("GOOGLE_API_KEY")
HERA_GENERATOR = env_str("HERA_GENERATOR", "google" if GOOGLE_API_KEY else "offline")
if HERA_GENERATOR not in {"offline", "google"}:
    raise ImproperlyConfigured(f"HERA_GENERATOR must be offline or google, not {HERA_GENERATOR!r}.")
if HERA_GENERATOR == "google" and not GOOGLE_API_KEY:
    raise ImproperlyConfigured("HERA_GENERATOR=google needs GOOGLE_API_KEY.")
HERA_GENAI_BASE_URL = env_str("HERA_GENAI_BASE_URL")
# Defaults checked on 2026-12-01 against https://ai.google.dev/gemini-api/docs/models (both "Stable") and
# https://ai.google.dev/gemini-api/docs/deprecations (no shutdown date announced for either; gemini-2.5-flash and
# gemini-2.5-flash-image, the old defaults, were shut down on June 17 and October 2, 2026). The story is a short
# structured text: the cheapest stable Gemini 3.x text model writes it well. Pictures come from Nano Banana 2.
HERA_TEXT_MODEL = env_str("HERA_TEXT_MODEL", "gemini-3.5-flash-lite")
HERA_IMAGE_MODEL = env_str("HERA_IMAGE_MODEL", "gemini-3.1-flash-image")
# google-genai 3.x defaults to v1, whose published definition (googleapis/googleapis,
# google/ai/generativelanguage/v1/generative_service.proto) has no systemInstruction, responseMimeType,
# responseSchema, responseModalities or imageConfig; v1beta has every field Hera sends.
HERA_GENAI_API_VERSION = env_str("HERA_GENAI_API_VERSION", "v1beta")
if HERA_GENAI_API_VERSION not in {"v1", "v1beta", "v1alpha"}:
    raise ImproperlyConfigured(f"HERA_GENAI_API_VERSION must be v1beta, v1 or v1alpha, not {HERA_GENAI_API_VERSION!r}.")
HERA_IMAGE_SIZE = env_str("HERA_IMAGE_SIZE", "2K").upper()
if HERA_IMAGE_SIZE not in {"1K", "2K", "4K"}:
    raise ImproperlyConfigured(f"HERA_IMAGE_SIZE must be 1K, 2K or 4K, not {HERA_IMAGE_SIZE!r}.")
# A paused generation (a configuration error) is checked again this often, with a free models.get call.
HERA_GENERATION_RECHECK_SECONDS = env_int("HERA_GENERATION_RECHECK_SECONDS", 300, minimum=10)
# Tries per Gemini call for 408/429/5xx and lost connections (google-genai's own retries, 2 s doubling) before the
# call counts as the upstream's weather.
HERA_GENAI_RETRY_ATTEMPTS = env_int("HERA_GENAI_RETRY_ATTEMPTS", 5, minimum=1)
# Upstream weather (429, 5xx, timeouts) pauses generation; one claim tries again after a back-off that starts here and
# doubles up to the cap. The cap plus django-q2's scheduler (every 30 s) keeps a resumption within a minute of the
# upstream's return.
HERA_UPSTREAM_BACKOFF_SECONDS = env_int("HERA_UPSTREAM_BACKOFF_SECONDS", 5, minimum=1)
HERA_UPSTREAM_BACKOFF_MAX_SECONDS = min(60, env_int("HERA_UPSTREAM_BACKOFF_MAX_SECONDS", 30, minimum=1))
# Estimated cost, in US dollars per million tokens, from https://ai.google.dev/gemini-api/docs/pricing (paid tier,
# read 2026-12-01): gemini-3.5-flash-lite $0.30 in / $2.50 out; gemini-3.1-flash-image $0.50 in (text and image),
# $60 per million image tokens out (a 2K picture is 1,680 tokens, about $0.10), $3 for its text and thinking output.
HERA_GOOGLE_TEXT_INPUT_PRICE = env_float("HERA_GOOGLE_TEXT_INPUT_PRICE", 0.30)
HERA_GOOGLE_TEXT_OUTPUT_PRICE = env_float("HERA_GOOGLE_TEXT_OUTPUT_PRICE", 2.50)
HERA_GOOGLE_IMAGE_INPUT_PRICE = env_float("HERA_GOOGLE_IMAGE_INPUT_PRICE", 0.50)
HERA_GOOGLE_IMAGE_OUTPUT_PRICE = env_float("HERA_GOOGLE_IMAGE_OUTPUT_PRICE", 60.0)
HERA_GOOGLE_IMAGE_THINKING_PRICE = env_float("HERA_GOOGLE_IMAGE_THINKING_PRICE", 3.0)
HERA_IMAGE_CONCURRENCY = env_int("HERA_IMAGE_CONCURRENCY", 3, minimum=1)
# Picture calls for the whole instance, across the book worker processes (generation/picture_calls.py): at most this
# many in flight (three books at three pages each would be nine 2K answers held and decoded at once), and at most
# this many started in any minute (0: no limit). The defaults assume a Tier 1 project (a billing account linked; the
# image models have no free tier): Google shows each project's image limits (RPM, images per minute) in AI Studio and
# no longer publishes them; 30 a minute stays well under what Tier 1 is reported to allow and leaves room for the
# project's other uses. At 10–30 s an answer, four in flight start at most 8–24 calls a minute.
HERA_PICTURE_CALLS_IN_FLIGHT = env_int("HERA_PICTURE_CALLS_IN_FLIGHT", 4, minimum=0)
HERA_PICTURE_CALLS_PER_MINUTE = env_int("HERA_PICTURE_CALLS_PER_MINUTE", 30, minimum=0)
SHOP_DATABASE = "{HOST}:{PORT}/{NAME}".format(
    **{key: DATABASES["default"].get(key) or "" for key in ("HOST", "PORT", "NAME")}
)
HERA_PICTURE_CALLS_FOLDER = env_str(
    "HERA_PICTURE_CALLS_FOLDER",
    # One folder per shop (its database) on a machine: every process of the instance shares it, another shop not.
    str(Path(tempfile.gettempdir()) / f"hera-picture-calls-{hashlib.sha256(SHOP_DATABASE.encode()).hexdigest()[:12]}"),
)
HERA_OFFLINE_PAGE_SECONDS = env_float("HERA_OFFLINE_PAGE_SECONDS", 0.0)

# Payments: Stripe Checkout, or the offline checkout (a "Pay" button that pays, so a book for free). The offline
# checkout exists only when HERA_OFFLINE_CHECKOUT is on, which development without a Stripe key does by itself; in
# production it takes the operator's explicit word, else the Stripe keys are required.

STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")
STRIPE_KEY_PREFIXES = ("sk_live_", "sk_test_", "rk_live_", "rk_test_")
HERA_OFFLINE_CHECKOUT = env_bool("HERA_OFFLINE_CHECKOUT", default=DEBUG and not STRIPE_SECRET_KEY)
if HERA_OFFLINE_CHECKOUT and STRIPE_SECRET_KEY:
    raise ImproperlyConfigured("HERA_OFFLINE_CHECKOUT=on and STRIPE_SECRET_KEY are both set: keep one checkout.")
if not DEBUG and not HERA_OFFLINE_CHECKOUT:
    if not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET):
        raise ImproperlyConfigured(
            "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set when DJANGO_DEBUG is off "
            "(or HERA_OFFLINE_CHECKOUT=on for a demo shop whose books are free)."
        )
    if not STRIPE_SECRET_KEY.startswith(STRIPE_KEY_PREFIXES):
        raise ImproperlyConfigured("STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_… or rk_…).")
HERA_CURRENCY = "eur"
HERA_PRICE_BASE_CENTS = env_int("HERA_PRICE_BASE_CENTS", 1490)
HERA_PRICE_PER_PAGE_CENTS = env_int("HERA_PRICE_PER_PAGE_CENTS", 50)

# Limits. Counters live in the database cache, shared by every gunicorn worker and the generation worker (a local
# memory cache would give each process its own count); hera.cache makes its increment atomic. The client address
# is REMOTE_ADDR unless HERA_CLIENT_IP_HEADER names the header the platform's proxy sets (never trusted by default:
# a client can send any header).

CACHES = {
    "default": {
        "BACKEND": "hera.cache.AtomicDatabaseCache",
        "LOCATION": "hera_cache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
    # django-q2 writes its cluster statistics to a cache from the sentinel's guard loop, twice a second: not into the
    # database (Hera's health is its own heartbeat rows, orders.models.WorkerHeartbeat), so nowhere.
    "cluster_stats": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
HERA_ORDER_RATE = env_str("HERA_ORDER_RATE", "10/m")
if not re.fullmatch(r"[1-9][0-9]*/[0-9]*[smhd]", HERA_ORDER_RATE):
    raise ImproperlyConfigured(f"HERA_ORDER_RATE must look like 10/m (per s, m, h or d), not {HERA_ORDER_RATE!r}.")
HERA_CLIENT_IP_HEADER = env_str("HERA_CLIENT_IP_HEADER")
HERA_CLIENT_IP_PROXIES = env_int("HERA_CLIENT_IP_PROXIES", 1, minimum=1)
RATELIMIT_IP_META_KEY = "hera.client_ip.client_ip"
RATELIMIT_VIEW = "orders.views.too_many_requests"
# django-ratelimit warns about any cache it does not list; this one's increment is atomic (tests/test_cache.py).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# Admin logins: after AXES_FAILURE_LIMIT failures from one address, that address is refused for the cool-off time.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("HERA_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "hera.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

# Content-Security-Policy: scripts and styles from this site only (no inline script); the admin's inline style
# attributes need 'unsafe-inline' for styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # Page previews and covers in a bucket are shown through a redirect to a signed link on the bucket's host.
        "img-src": ["'self'", "data:", *(["https:"] if AWS_STORAGE_BUCKET_NAME else [])],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", "https://checkout.stripe.com"],
    }
}

# Queue

# Minutes per book for the ETA, or "auto": minutes per page learned from the books made (orders/selectors.py).
HERA_MINUTES_PER_BOOK: int | str = (
    "auto" if env_str("HERA_MINUTES_PER_BOOK").lower() == "auto" else env_int("HERA_MINUTES_PER_BOOK", 5, minimum=1)
)
# Books generated at once: a number, or `auto` from the memory this instance may use (hera/instance.py). The
# memory guard (orders/memory_guard.py) stops claiming above HERA_MEMORY_GUARD_MB, 90 % of that memory by default.
HERA_BOOK_MEMORY_MB = env_int("HERA_BOOK_MEMORY_MB", instance.BOOK_MEMORY_MB, minimum=16)
try:
    INSTANCE_MEMORY = instance.memory_limit(declared_mb=env_str("HERA_INSTANCE_MEMORY_MB"))
    HERA_CONCURRENT_GENERATIONS, HERA_CONCURRENT_GENERATIONS_SOURCE = instance.generations_in_force(
        env_str("HERA_CONCURRENT_GENERATIONS"), HERA_BOOK_MEMORY_MB, INSTANCE_MEMORY
    )
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None
HERA_MEMORY_GUARD_MB = env_int("HERA_MEMORY_GUARD_MB", INSTANCE_MEMORY.mb * 9 // 10, minimum=1)
# What one picture answer adds to its book worker while it arrives and is written (JSON text, base64 text, bytes, the
# decoded picture), for the largest answer of the size asked (a 2K PNG of pure noise, 10 MB; an illustration as
# PNG, 6.4 MB): before each picture call the guard waits until the answers of the calls in flight fit under the threshold.
HERA_MEMORY_PER_ANSWER_MB = env_int(
    "HERA_MEMORY_PER_ANSWER_MB", instance.ANSWER_MEMORY_MB[HERA_IMAGE_SIZE], minimum=1
)
HERA_LEASE_SECONDS = env_int("HERA_LEASE_SECONDS", 60, minimum=3)
HERA_MAX_ATTEMPTS = env_int("HERA_MAX_ATTEMPTS", 3, minimum=1)
HERA_RETRY_BACKOFF_SECONDS = env_int("HERA_RETRY_BACKOFF_SECONDS", 30)
HERA_BOOK_TIMEOUT_SECONDS = env_int("HERA_BOOK_TIMEOUT_SECONDS", 1800, minimum=60)
# The whole budget of a graceful stop (hera/stopping.py), from the platform's SIGTERM to the last process gone: the
# book worker keeps the pictures in flight and hands its order back, gunicorn and the cluster stop side by side, and
# `serve`'s supervisor kills what is left just before it. Set the platform's own wait to the same number (render.yaml:
# maxShutdownDelaySeconds); Render and Heroku wait 30 s unless told otherwise.
HERA_STOP_GRACE_SECONDS = env_int("HERA_STOP_GRACE_SECONDS", stopping.DEFAULT_GRACE_SECONDS, minimum=10)

# Scaling with the queue (orders/scaling.py, evaluated by queue_tick): more than HERA_SCALE_UP_QUEUE orders waiting
# for HERA_SCALE_UP_MINUTES recommends a bigger instance; an empty queue for HERA_SCALE_DOWN_MINUTES after that, the
# smaller one again. Each decision is sent, at most once, to a signed webhook and/or to Render's API.

HERA_SCALE_UP_QUEUE = env_int("HERA_SCALE_UP_QUEUE", 5)
HERA_SCALE_UP_MINUTES = env_int("HERA_SCALE_UP_MINUTES", 10, minimum=1)
HERA_SCALE_DOWN_MINUTES = env_int("HERA_SCALE_DOWN_MINUTES", 60, minimum=1)
HERA_SCALE_WEBHOOK_URL = env_str("HERA_SCALE_WEBHOOK_URL")
HERA_SCALE_WEBHOOK_SECRET = env_str("HERA_SCALE_WEBHOOK_SECRET")
if HERA_SCALE_WEBHOOK_URL and not HERA_SCALE_WEBHOOK_SECRET:
    raise ImproperlyConfigured("HERA_SCALE_WEBHOOK_URL needs HERA_SCALE_WEBHOOK_SECRET to sign what it sends.")
RENDER_API_KEY = env_str("RENDER_API_KEY")
RENDER_SERVICE_ID = env_str("RENDER_SERVICE_ID")
RENDER_API_BASE = env_str("RENDER_API_BASE", "https://api.render.com/v1").rstrip("/")
HERA_SCALE_UP_PLAN = env_str("HERA_SCALE_UP_PLAN")
HERA_SCALE_DOWN_PLAN = env_str("HERA_SCALE_DOWN_PLAN")
if RENDER_API_KEY:
    missing = [name for name in ("RENDER_SERVICE_ID", "HERA_SCALE_UP_PLAN", "HERA_SCALE_DOWN_PLAN") if not globals()[name]]
    if missing:
        raise ImproperlyConfigured(f"RENDER_API_KEY needs {', '.join(missing)} to change the service's plan.")

# The worker: a django-q2 cluster on the ORM broker. One process generates, one book at a time; the worker process
# is replaced after every task (`recycle` counts tasks) and after a task that pushed its peak RSS past `max_rss`
# (kilobytes, checked between tasks). The broker re-delivers an unacknowledged task after `retry` seconds, so
# `timeout` stays below it and the task that drives generation is idempotent (the Order claim is the real lock);
# `max_attempts` 1 with `ack_failures` drops a failed task: the order's own attempts and leases do the retrying.
# `queue_limit` is far above the default (workers²): the pusher blocks putting a task into a full in-memory queue and
# only then looks at the stop signal, so a stop with wake-up tasks waiting (one per payment) hung until killed.

Q_CLUSTER = {
    "name": "hera",
    "orm": "default",
    "broker_class": "orders.broker.BlipProofORM",  # the ORM broker, through database restarts (orders/broker.py)
    "workers": env_int("HERA_WORKERS", HERA_CONCURRENT_GENERATIONS, minimum=1),
    "recycle": 1,
    "max_rss": env_int("HERA_WORKER_MAX_RSS_KB", 300_000, minimum=50_000),
    "timeout": HERA_BOOK_TIMEOUT_SECONDS,
    "retry": HERA_BOOK_TIMEOUT_SECONDS + 300,
    "max_attempts": 1,
    "ack_failures": True,
    "save_limit": 500,
    "queue_limit": 100,
    "poll": 0.5,
    "catch_up": False,
    "label": gettext_lazy("Worker tasks"),  # the admin's heading for django-q2's models, in the admin's language
    "cache": "cluster_stats",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_order_tokens": {"()": "hera.log_filters.RedactOrderTokens"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_order_tokens"]}
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "hera": {"handlers": ["console"], "level": env_str("HERA_LOG_LEVEL", "INFO"), "propagate": False},
        "django-q": {"handlers": ["console"], "level": "WARNING", "propagate": False},  # django-q2's logger
    },
}
