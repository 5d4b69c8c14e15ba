"""manage.py serve: never Django's debug pages on a public address."""

import pytest
from django.core.management import CommandError, call_command

from hera.management.commands.serve import host_check


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "hera.example"])
def test_debug_mode_refuses_a_host_beyond_this_machine(host):
    with pytest.raises(CommandError, match="Refusing to serve"):
        host_check(host, debug=True)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]"])
def test_debug_mode_serves_on_loopback(host):
    host_check(host, debug=True)


def test_production_mode_serves_on_any_host():
    host_check("0.0.0.0", debug=False)


def test_serve_command_refuses_before_starting_anything(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="Refusing to serve on 0.0.0.0"):
        call_command("serve", "--host", "0.0.0.0", "--port", "1")
