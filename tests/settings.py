"""Settings for the test suite: the real settings in development mode, on PostgreSQL by default, with media in a
temporary folder.

The defaults are written to the environment so that worker processes started by the tests inherit them.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "on")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hera")
os.environ.setdefault("HERA_MEDIA_ROOT", tempfile.mkdtemp(prefix="hera-test-media-"))
os.environ.setdefault("HERA_GENERATOR", "offline")
# Stripe is replaced per test (a local fake API via STRIPE_API_BASE); without a key, the offline checkout stands in.
for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "HERA_OFFLINE_CHECKOUT"):
    os.environ.pop(name, None)

from hera.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STRIPE_SECRET_KEY = ""
STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
HERA_OFFLINE_CHECKOUT = True
