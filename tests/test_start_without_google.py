"""Start-up never waits on Google: render.yaml's own start command, with Gemini answering 503 to everything, serves
and takes orders; the generator is checked in the background; a SIGTERM stops the instance within its budget."""

import os
import secrets
import signal
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest
import yaml
from django.conf import settings

from tests.conftest import embedded_env, free_port
from tests.fakes import LocalHTTPServer, send_json
from tests.fakes.genai_server import API_KEY, error_body
from tests.orders.test_forms import VALID
from tests.test_make_run import kill_tree, start, stop_and_assert_nothing_left, wait_until_serving

pytestmark = pytest.mark.slow

START_COMMAND = yaml.safe_load((settings.BASE_DIR / "render.yaml").read_text())["services"][0]["startCommand"]
GRACE = 10


class GoogleDown(LocalHTTPServer):
    """Gemini during an outage: every request, models.get included, answered 503 UNAVAILABLE as Google words it."""

    def __init__(self):
        self.paths: list[str] = []
        lock = threading.Lock()
        seen = self.paths

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                with lock:
                    seen.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                send_json(self, 503, error_body(503, "UNAVAILABLE", "The model is overloaded. Please try again later."))

            do_GET = do_POST = answer  # noqa: N815 (http.server's naming)

            def log_message(self, format, *args):  # noqa: A002
                pass

        super().__init__(Handler, name="google-down")


@pytest.fixture
def google_down():
    server = GoogleDown().start()
    yield server
    server.stop()


def order_posted(base: str) -> int:
    """Send the order form with a CSRF cookie and its token, as a browser does; return the answer's status.

    The landing page's template needs the collected static files (render.yaml's build step, not run here), so the
    token is the browser's cookie itself: Django accepts a well-formed secret sent both ways.
    """
    secret = secrets.token_hex(16)  # 32 characters, CSRF_SECRET_LENGTH
    body = urllib.parse.urlencode({**VALID, "csrfmiddlewaretoken": secret}).encode()
    request = urllib.request.Request(base + "/orders/", data=body, headers={"Cookie": f"csrftoken={secret}"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        return urllib.request.build_opener(NoRedirect).open(request, timeout=10).status
    except urllib.error.HTTPError as answer:  # the 303 to the checkout, not followed
        return answer.code


def test_render_start_command_serves_and_takes_orders_while_google_is_down(tmp_path, google_down):
    assert "check_generator" not in START_COMMAND
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = embedded_env(tmp_path, PORT=str(port))
    env.update(
        DJANGO_DEBUG="off", DJANGO_SECRET_KEY="test-only", DJANGO_ALLOWED_HOSTS="127.0.0.1", WEB_CONCURRENCY="1",
        HERA_BASE_URL=base, HERA_ALLOW_HTTP="on", HERA_OFFLINE_CHECKOUT="on", GOOGLE_API_KEY=API_KEY,
        HERA_GENAI_BASE_URL=google_down.base_url, HERA_STOP_GRACE_SECONDS=str(GRACE),
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],  # `python` is this venv's
    )
    log_path = tmp_path / "start.log"
    instance = start(["bash", "-c", START_COMMAND], env, log_path)
    try:
        wait_until_serving(base, instance, log_path)
        assert order_posted(base) == 303, log_path.read_text()[-4000:]
        with sqlite3.connect(tmp_path / "hera.sqlite3") as db:
            assert db.execute("SELECT count(*) FROM orders_order").fetchone() == (1,)
        # The generator is checked once the worker is up, beside the site, not before it.
        deadline = time.monotonic() + 60
        while not any("/models/" in path for path in google_down.paths):
            assert time.monotonic() < deadline, f"the generator was never checked:\n{log_path.read_text()}"
            time.sleep(0.2)

        stopped_in = stop_and_assert_nothing_left(instance, signal.SIGTERM, base)

        assert stopped_in < GRACE, f"the stop took {stopped_in:.1f}s"
    finally:
        kill_tree(instance)
