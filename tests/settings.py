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
# The instance's picture-call slots are the session's own (another engineer's run on this machine must not share
# them), and the fake Gemini answers at once: the per-minute cap is tested on its own (tests/generation/
# test_picture_calls.py) rather than slowing every book drawn through the fake.
os.environ.setdefault("HERA_PICTURE_CALLS_FOLDER", tempfile.mkdtemp(prefix="hera-test-picture-calls-"))
os.environ.setdefault("HERA_PICTURE_CALLS_PER_MINUTE", "0")
# Stripe is replaced per test (a local fake API via STRIPE_API_BASE); without a key, the offline checkout stands in.
for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "HERA_OFFLINE_CHECKOUT"):
    os.environ.pop(name, None)

from hera.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STRIPE_SECRET_KEY = ""
STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
HERA_OFFLINE_CHECKOUT = True
