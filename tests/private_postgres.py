"""A throwaway PostgreSQL server that a test creates, restarts and removes: the shared server is never touched.

Restarting the suite's own server would break every other connection to it, so tests that restart PostgreSQL run
their processes against one of these: `initdb` into a temporary folder, `pg_ctl` on a free port with its socket in
that folder. PostgreSQL refuses to run as root, so under root the server runs as the `postgres` user.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.conftest import free_port


def server_bindir() -> Path | None:
    """Return the newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl, or None."""
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        if os.access(Path(bindir) / "initdb", os.X_OK) and os.access(Path(bindir) / "pg_ctl", os.X_OK):
            return Path(bindir)
    return None


def unavailable_reason() -> str | None:
    """Say why a private server cannot run here, or None when it can."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return "restarts a PostgreSQL server under running processes: run it serially, not under pytest-xdist"
    if server_bindir() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no postgres user to run a private PostgreSQL server as"
        if shutil.which("runuser") is None:
            return "running as root without runuser to start PostgreSQL as the postgres user"
    return None


class PrivateServer:
    """One PostgreSQL server in a temporary folder, on a free port of 127.0.0.1, trusting local connections."""

    def __init__(self):
        self.bindir = server_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="hera-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)

    def run(self, tool: str, *args: str, timeout: float = 120) -> str:
        command = [str(self.bindir / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        # Output to a file, not a pipe: a postmaster started by pg_ctl would hold a pipe open, and run() wait on it.
        with tempfile.TemporaryFile("w+") as out:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=timeout, cwd=self.root)
            out.seek(0)
            output = out.read()
        if done.returncode:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {output.strip()}")
        return output

    def start(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        # fsync off: a throwaway server, and the machine is shared.
        self.launch()
        self.sql("CREATE DATABASE hera", dbname="postgres")

    def launch(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def restart(self) -> None:
        """Restart the server as maintenance would: sessions terminated ("fast"), back when it accepts connections."""
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "-t", "60", "restart")

    def outage(self, seconds: float) -> None:
        """Stop the server as a failover would (sessions terminated), keep it down `seconds`, start it again."""
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
        time.sleep(seconds)
        self.launch()

    def stop(self) -> None:
        try:
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "hera") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def sql(self, query: str, params: list | None = None, *, dbname: str = "hera") -> list[tuple]:
        with psycopg.connect(self.url(dbname), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def terminate(self, application_name: str) -> int:
        """Terminate the connections opened under `application_name` (libpq's PGAPPNAME); return how many."""
        rows = self.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", [application_name]
        )
        return len(rows)

