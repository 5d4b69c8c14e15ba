"""What the database benchmarks share: Django set up on PostgreSQL, and a database of their own for one run."""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


def setup_django() -> None:
    """Set Django up on the settings Hera runs with, on PostgreSQL unless DATABASE_URL says otherwise."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hera.settings")
    os.environ.setdefault("DJANGO_DEBUG", "on")  # development mode: no production variables needed
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hera")
    os.environ.setdefault("HERA_LOG_LEVEL", "WARNING")
    import django

    django.setup()


@contextmanager
def bench_database(suffix: str) -> Iterator[str]:
    """Create `<database>_<suffix>` for the run (PostgreSQL only) and drop it at the end; yield its name."""
    from django.db import connection
    from django.test.utils import setup_test_environment

    if connection.vendor != "postgresql":
        sys.exit(f"bench/{suffix}.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    setup_test_environment(debug=False)
    connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_bench_{suffix}"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield name
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
