#!/usr/bin/env python
import os
import sys

# Commands that only write the project's own files and never serve or touch a database: they run in a bare shell
# (no production variables), in development mode.
DEVELOPER_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hera.settings")
    if sys.argv[1:2] and sys.argv[1] in DEVELOPER_COMMANDS:
        os.environ.setdefault("DJANGO_DEBUG", "on")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Django would swallow a refused configuration here and fail later with an unrelated traceback
    # (AppRegistryNotReady): say the reason in one line instead.
    try:
        settings.INSTALLED_APPS  # noqa: B018 (loading the settings is the point)
    except ImproperlyConfigured as exc:
        sys.exit(f"Hera cannot start: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
