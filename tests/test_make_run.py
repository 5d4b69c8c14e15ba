"""`make run` as the README promises: it serves, its worker runs, and Ctrl-C stops both, leaving no process behind."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import psutil
import pytest
from django.conf import settings

from tests.conftest import embedded_env, free_port

START_TIMEOUT = 90  # a first `make run` may still have to install requirements


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_until_serving(base: str, leader: subprocess.Popen, log_path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert leader.poll() is None, f"exited with {leader.returncode}:\n{log_path.read_text()}"
        try:
            if get(base + "/healthz") == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"no answer from /healthz within {START_TIMEOUT}s:\n{log_path.read_text()}")


def command_lines(processes: list[psutil.Process]) -> list[str]:
    lines = []
    for process in processes:
        try:
            lines.append(" ".join(process.cmdline()))
        except psutil.NoSuchProcess:
            pass
    return lines


def start(command: list[str], env: dict, log_path) -> subprocess.Popen:
    with open(log_path, "w") as log:
        # Its own process group, like a shell's foreground job: Ctrl-C signals the whole group.
        return subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_and_assert_nothing_left(leader: subprocess.Popen, signum: int, base: str) -> float:
    """Signal the group as a terminal or a platform would; return how long the whole tree took to exit."""
    descendants = psutil.Process(leader.pid).children(recursive=True)
    started = time.monotonic()
    os.killpg(leader.pid, signum)
    leader.wait(timeout=30)
    _, alive = psutil.wait_procs(descendants, timeout=20)
    assert not alive, f"left running: {command_lines(alive)}"
    with pytest.raises(OSError):
        get(base + "/healthz")
    return time.monotonic() - started


def kill_tree(leader: subprocess.Popen) -> None:
    """Clean up after a failed test: the leader's group and every descendant (they have groups of their own)."""
    try:
        descendants = psutil.Process(leader.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    if leader.poll() is None:
        os.killpg(leader.pid, signal.SIGKILL)
    for process in descendants:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    leader.wait(timeout=10)


@pytest.mark.slow
def test_make_run_serves_with_its_worker_and_ctrl_c_stops_everything(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "make-run.log"
    make = start(["make", "run"], embedded_env(tmp_path, PORT=str(port)), log_path)
    try:
        wait_until_serving(base, make, log_path)
        assert get(base + "/api/queue-status") == 200
        running = command_lines(psutil.Process(make.pid).children(recursive=True))
        assert any("runserver" in line for line in running), running
        assert any("qcluster" in line for line in running), running
        # Emails and the admin link to this server, not to the default port 8000.
        base_urls = {child.environ().get("HERA_BASE_URL") for child in psutil.Process(make.pid).children(recursive=True)
                     if "manage.py" in " ".join(child.cmdline()) and "serve" not in child.cmdline()}
        assert base_urls == {base}, base_urls
        # A newcomer sees the queue, the pages appear and the ETA: a small delay per offline page by default.
        delays = {child.environ().get("HERA_OFFLINE_PAGE_SECONDS") for child in psutil.Process(make.pid).children(recursive=True)
                  if "qcluster" in " ".join(child.cmdline())}
        assert delays == {"2"}, delays

        stopped_in = stop_and_assert_nothing_left(make, signal.SIGINT, base)

        # Well below the stop's budget (HERA_STOP_GRACE_SECONDS, 30 s): the worker stopped cleanly, it was not killed.
        assert stopped_in < 12, f"Ctrl-C took {stopped_in:.1f}s"
    finally:
        kill_tree(make)


def production_env(tmp_path, port: int) -> dict:
    """Return a debug-off environment with what it requires, on a migrated SQLite database."""
    env = embedded_env(tmp_path, PORT=str(port))
    env.update(DJANGO_DEBUG="off", DJANGO_SECRET_KEY="test-only", DJANGO_ALLOWED_HOSTS="127.0.0.1", WEB_CONCURRENCY="1",
               HERA_BASE_URL=f"http://127.0.0.1:{port}", HERA_ALLOW_HTTP="on", HERA_OFFLINE_CHECKOUT="on")
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=settings.BASE_DIR, env=env,
                             capture_output=True, text=True, timeout=120)
    assert migrate.returncode == 0, migrate.stderr
    return env


@pytest.mark.slow
def test_single_instance_serve_runs_gunicorn_and_the_worker_in_production(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = production_env(tmp_path, port)
    python = sys.executable
    log_path = tmp_path / "serve.log"
    serve = start([python, "manage.py", "serve"], env, log_path)
    try:
        wait_until_serving(base, serve, log_path)
        assert get(base + "/api/queue-status") == 200
        supervisor = psutil.Process(serve.pid)
        # serve hands over to a supervisor without Django; gunicorn's master runs the worker cluster.
        assert supervisor.cmdline()[1].endswith("hera/supervisor.py"), supervisor.cmdline()
        assert supervisor.memory_full_info().uss < 15 * 1024 * 1024  # Django alone takes ~45 MB
        running = command_lines(supervisor.children(recursive=True))
        assert all("gunicorn" in line for line in running), running
        status_url = subprocess.run([python, "manage.py", "create_test_order", "--pages", "2"], cwd=settings.BASE_DIR,
                                    env=env, capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[-1]
        json_url = base + urllib.parse.urlparse(status_url).path + "status.json"
        deadline = time.monotonic() + 60
        while json.load(urllib.request.urlopen(json_url, timeout=5))["status"] != "done":
            assert time.monotonic() < deadline, f"no book within 60 s:\n{log_path.read_text()}"
            time.sleep(0.5)
        # The book's libraries (Pillow, google-genai's pydantic) were loaded by the book worker only.
        master = supervisor.children()[0]
        web_workers = [child for child in master.children() if not child.children()]
        for process in [master, *web_workers]:
            mapped = [m.path for m in process.memory_maps() if "/PIL/" in m.path or "pydantic_core" in m.path]
            assert mapped == [], (process.cmdline(), mapped)

        stop_and_assert_nothing_left(serve, signal.SIGTERM, base)  # what a platform sends on deploy
    finally:
        kill_tree(serve)


@pytest.mark.slow
def test_single_instance_stops_when_its_worker_cluster_dies(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    serve = start([sys.executable, "manage.py", "serve"], production_env(tmp_path, port), log_path)
    try:
        wait_until_serving(base, serve, log_path)
        master = psutil.Process(serve.pid).children()[0]
        sentinel = next(child for child in master.children() if child.children())
        everything = [master, *master.children(recursive=True)]

        sentinel.kill()

        assert serve.wait(timeout=30) != 0
        _, alive = psutil.wait_procs(everything, timeout=10)
        assert not alive, f"left running: {command_lines(alive)}"
        assert "the worker cluster exited; stopping the web server with it" in log_path.read_text()
    finally:
        kill_tree(serve)


@pytest.mark.slow
def test_single_instance_in_production_hands_its_book_back_uncounted_on_sigterm(tmp_path):
    """gunicorn's master tells its worker cluster at once; the book keeps its pages and goes back to its place."""
    grace = 10
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**production_env(tmp_path, port), "HERA_OFFLINE_PAGE_SECONDS": "0.5", "HERA_STOP_GRACE_SECONDS": str(grace)}
    log_path = tmp_path / "serve.log"
    serve = start([sys.executable, "manage.py", "serve"], env, log_path)
    try:
        wait_until_serving(base, serve, log_path)
        status_url = subprocess.run([sys.executable, "manage.py", "create_test_order", "--pages", "24"],
                                    cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
                                    timeout=60).stdout.strip().splitlines()[-1]
        json_url = base + urllib.parse.urlparse(status_url).path + "status.json"
        deadline = time.monotonic() + 60
        while (json.load(urllib.request.urlopen(json_url, timeout=5))["pages_done"] or 0) < 2:
            assert time.monotonic() < deadline, f"no page within 60 s:\n{log_path.read_text()}"
            time.sleep(0.2)

        stopped_in = stop_and_assert_nothing_left(serve, signal.SIGTERM, base)

        assert stopped_in < grace, f"the stop took {stopped_in:.1f}s"
        with sqlite3.connect(tmp_path / "hera.sqlite3") as db:
            status, attempts, pages = db.execute("SELECT status, attempts, pages_done FROM orders_order").fetchone()
            note = db.execute("SELECT note FROM orders_orderevent ORDER BY id DESC").fetchone()[0]
        assert (status, attempts) == ("queued", 0)
        assert 2 <= pages < 24
        assert note.startswith("released, attempt 1 not counted: the worker was stopped"), note
    finally:
        kill_tree(serve)
