"""Settings for the test suite: the real settings, on PostgreSQL by default, with media in a temporary folder.

The defaults are written to the environment so that worker processes started by the tests inherit them.
"""

import os
import tempfile

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hera")
os.environ.setdefault("HERA_MEDIA_ROOT", tempfile.mkdtemp(prefix="hera-test-media-"))
os.environ.setdefault("HERA_GENERATOR", "offline")

from hera.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STRIPE_SECRET_KEY = ""
STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
