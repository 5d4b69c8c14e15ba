"""Run the web server and the generation worker together, in the foreground; Ctrl-C stops both.

This is the single-instance layout (free hosting tiers that allow one process tree) and what `make run` uses.
"""

import ipaddress
import json
import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hera.gunicorn_conf import RUN_WORKER_CLUSTER

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
            help="runserver and qcluster in development (the default with DJANGO_DEBUG on), gunicorn running the "
            "worker cluster in production",
        )

    def handle(self, *args, host, port, server, **options):
        host_check(host, debug=settings.DEBUG)
        python = sys.executable
        env = children_env(host, port)
        if server == "gunicorn":
            # gunicorn's master preloads Django and forks the worker cluster too (hera.worker_cluster): one copy of
            # Django for the whole instance.
            env[RUN_WORKER_CLUSTER] = "1"
            config = str(settings.BASE_DIR / "hera" / "gunicorn_conf.py")
            commands = {"web server and worker": [python, "-m", "gunicorn", "-c", config, "--bind", f"{host}:{port}"]}
        else:
            manage = [python, str(settings.BASE_DIR / "manage.py")]
            commands = {
                "web server": [*manage, "runserver", f"{host}:{port}", "--noreload"],
                "worker": [*manage, "qcluster"],
            }
        self.stdout.write(f"Hera is running on http://{host}:{port}/ with its worker. Ctrl-C stops both.")
        self.stdout.flush()
        os.chdir(settings.BASE_DIR)
        # The supervisor needs none of Django: exec frees this process's memory for the books.
        supervisor = str(settings.BASE_DIR / "hera" / "supervisor.py")
        os.execve(python, [python, supervisor, json.dumps(commands)], env)


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
    # The one stop budget, as settings read it, for the supervisor and every process under it (hera/stopping.py).
    env["HERA_STOP_GRACE_SECONDS"] = str(settings.HERA_STOP_GRACE_SECONDS)
    if "HERA_BASE_URL" not in env and host in LOOPBACK_HOSTS:
        env["HERA_BASE_URL"] = f"http://{host}:{port}"
    return env

