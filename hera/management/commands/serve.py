"""Run the web server and the generation worker together, in the foreground; Ctrl-C stops both.

This is the single-instance layout (free hosting tiers that allow one process tree) and what `make run` uses.
"""

import ipaddress
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Where a link built from the default HERA_BASE_URL (port 8000) would miss a server started on another port.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


class Command(BaseCommand):
    help = "Start the web server and the django-q2 worker together; stop both on Ctrl-C or when either exits."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--server",
            choices=["runserver", "gunicorn"],
            default="runserver" if settings.DEBUG else "gunicorn",
            help="runserver in development (the default with DJANGO_DEBUG on), gunicorn in production",
        )

    def handle(self, *args, host, port, server, **options):
        host_check(host, debug=settings.DEBUG)
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        if server == "gunicorn":
            workers = os.environ.get("WEB_CONCURRENCY", "2")  # gunicorn's own variable, honoured by hosting platforms
            web = [sys.executable, "-m", "gunicorn", "hera.wsgi", "--bind", f"{host}:{port}", "--workers", workers]
        else:
            web = [*manage, "runserver", f"{host}:{port}", "--noreload"]
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        # Handlers first: the children run in sessions of their own, so an early Ctrl-C must not leave them behind.
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        env = children_env(host, port)
        children = {
            "web server": subprocess.Popen(web, cwd=settings.BASE_DIR, env=env, start_new_session=True),
            "worker": subprocess.Popen([*manage, "qcluster"], cwd=settings.BASE_DIR, env=env, start_new_session=True),
        }
        self.stdout.write(f"Hera is running on http://{host}:{port}/ with its worker. Ctrl-C stops both.")
        exit_code = 0
        while not stopping:
            exited = [name for name, child in children.items() if child.poll() is not None]
            if exited:
                exit_code = children[exited[0]].returncode or 1
                self.stderr.write(f"The {exited[0]} exited; stopping Hera.")
                break
            time.sleep(0.2)
        # SIGTERM to each leader only: qcluster stops its own sentinel, pusher, workers and monitor in order (a
        # signal to its whole group would kill the sentinel first and leave the rest waiting).
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            kill_group(child.pid)
        sys.exit(exit_code)


def is_loopback(host: str) -> bool:
    """Tell whether `host` can only be reached from this machine."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve to anything


def host_check(host: str, *, debug: bool) -> None:
    """Refuse to listen beyond this machine in debug mode, whose error pages show settings and code to anyone."""
    if debug and not is_loopback(host):
        raise CommandError(
            f"Refusing to serve on {host} with DJANGO_DEBUG on: Django's debug pages would be public. "
            "Use --host 127.0.0.1, or set DJANGO_DEBUG=off with the production variables (see README)."
        )


def children_env(host: str, port: int) -> dict[str, str]:
    """Return the children's environment: without HERA_BASE_URL, emails and redirects link to this local server."""
    env = dict(os.environ)
    if "HERA_BASE_URL" not in env and host in LOOPBACK_HOSTS:
        env["HERA_BASE_URL"] = f"http://{host}:{port}"
    return env


def kill_group(pgid: int) -> None:
    """Kill whatever the child left behind in its process group (a worker stuck in a book, a resource tracker)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
