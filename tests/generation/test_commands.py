"""`manage.py check_generator`: the key and both models checked with models.get, nothing generated."""

import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from tests.conftest import embedded_env
from tests.fakes.genai_server import API_KEY


def check() -> str:
    out = StringIO()
    call_command("check_generator", stdout=out)
    return out.getvalue()


def test_check_generator_reports_both_models_ready_and_generates_nothing(gemini):
    out = check()

    assert "ok       The story model gemini-3.5-flash-lite exists" in out
    assert "ok       The pictures model gemini-3.1-flash-image exists" in out
    assert out.rstrip().endswith("The generator is ready.")
    assert {(sent.method, sent.path) for sent in gemini.requests} == {
        ("GET", "/v1beta/models/gemini-3.5-flash-lite"), ("GET", "/v1beta/models/gemini-3.1-flash-image")
    }


def test_check_generator_fails_on_a_shut_down_model(settings, gemini):
    settings.HERA_IMAGE_MODEL = "gemini-2.5-flash-image"
    out = StringIO()

    with pytest.raises(CommandError, match="1 problem"):
        call_command("check_generator", stdout=out)
    assert "PROBLEM  The pictures model gemini-2.5-flash-image does not exist or was shut down" in out.getvalue()


def test_check_generator_fails_on_a_refused_key_in_plain_words(settings, gemini):
    settings.GOOGLE_API_KEY = "not-the-key"
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("check_generator", stdout=out)
    assert "PROBLEM  GOOGLE_API_KEY was refused (400 INVALID_ARGUMENT: API key not valid." in out.getvalue()
    assert len(gemini.requests) == 1  # one refusal says it all


def test_check_generator_fails_on_api_version_v1(settings, gemini):
    settings.HERA_GENAI_API_VERSION = "v1"

    with pytest.raises(CommandError):
        check()


def test_check_generator_has_nothing_to_check_offline(settings):
    settings.HERA_GENERATOR = "offline"

    assert "needs no outside service" in check()


def test_check_generator_exits_non_zero_from_the_shell(gemini, tmp_path):
    env = embedded_env(tmp_path, DJANGO_DEBUG="on", GOOGLE_API_KEY=API_KEY, HERA_GENAI_BASE_URL=gemini.base_url,
                       HERA_TEXT_MODEL="gemini-2.5-flash")

    done = subprocess.run(
        [sys.executable, "manage.py", "check_generator"], cwd=django_settings.BASE_DIR, env=env, capture_output=True,
        text=True, timeout=60,
    )

    assert done.returncode == 1
    assert "The story model gemini-2.5-flash does not exist or was shut down" in done.stdout
