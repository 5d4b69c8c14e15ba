"""Riding out database blips: a restart, a failover or a dropped connection costs the worker seconds, not a lease.

`ride_out_blips` runs one of the worker's writes; when the database connection is lost or refused it closes the
broken connection and runs the write again on a new one, with a short back-off, for up to a third of the lease. The
lease keeper renews every third of the lease, so at least two thirds of it were left when the blip began: the build
goes on under the same lease. Past that, DatabaseUnreachable ends the attempt without writing anything.

Only writes that may safely run twice go through here: idempotent ones, or ones fenced by the lease token. A write
cut off around its COMMIT may have landed: `landed` looks for its effect before it is applied again.
"""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections

log = logging.getLogger("hera.worker")

T = TypeVar("T")

FIRST_DELAY_SECONDS = 0.2
MAX_DELAY_SECONDS = 2.0
# Operator intervention (class 57): terminated by an administrator (a restart, pg_terminate_backend), a crash
# shutdown, and "the database system is starting up / shutting down" while a restart is under way.
LOST_SQLSTATES = ("57P01", "57P02", "57P03")


class DatabaseUnreachable(Exception):
    """The database stayed away past a third of the lease; whether the last write landed is unknown."""


def connection_lost(exc: Exception, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Tell a lost or refused connection from an error of the statement itself (a deadlock, a timeout…)."""
    if isinstance(exc, InterfaceError):
        return True
    sqlstate = getattr(exc.__cause__, "sqlstate", None) or ""
    if sqlstate.startswith("08") or sqlstate in LOST_SQLSTATES:
        return True
    raw = connections[using].connection
    return raw is None or bool(getattr(raw, "closed", False)) or bool(getattr(raw, "broken", False))


def ride_out_blips(write: Callable[[], T], *, what: str, landed: Callable[[], T | None] | None = None) -> T:
    """Run `write`, again on a new connection while the database is lost, for up to a third of the lease."""
    if connection.in_atomic_block:
        return write()  # a transaction cut in two cannot be resumed: only its outermost caller may start it again
    budget = settings.HERA_LEASE_SECONDS / 3
    deadline = time.monotonic() + budget
    delay = FIRST_DELAY_SECONDS
    cut_off = False
    while True:
        try:
            if cut_off and landed is not None:
                result = landed()
                if result is not None:
                    log.info("%s had landed before the connection was lost; not applied again", what)
                    return result
            return write()
        except (OperationalError, InterfaceError) as exc:
            if not connection_lost(exc):
                raise
            connection.close()
            cut_off = True
            if time.monotonic() + delay > deadline:
                raise DatabaseUnreachable(f"{what}: the database stayed unreachable for {budget:.0f}s ({exc})") from exc
            log.warning("database connection lost during %s (%s); retrying in %.1fs", what, first_line(exc), delay)
            time.sleep(delay)
            delay = min(delay * 2, MAX_DELAY_SECONDS)


def first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
