"""The client's address, for rate limits and login throttling.

Behind a proxy every request comes from the proxy, so the address must come from the header the platform's proxy
sets (HERA_CLIENT_IP_HEADER, e.g. X-Forwarded-For on Render). A client can send that header too: a proxy appends
the address it saw to the right of whatever the client wrote, so the address is read HERA_CLIENT_IP_PROXIES entries
from the right, and what a client wrote to the left of it is never used. Without the setting the header is ignored.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """Return the client's address: REMOTE_ADDR, or the configured proxy header's trusted entry."""
    remote = request.META.get("REMOTE_ADDR", "")
    header = settings.HERA_CLIENT_IP_HEADER
    if not header:
        return remote
    entries = [entry.strip() for entry in request.headers.get(header, "").split(",") if entry.strip()]
    if len(entries) < settings.HERA_CLIENT_IP_PROXIES:
        return remote  # not through the proxy (a health check from inside the platform's network)
    candidate = entries[-settings.HERA_CLIENT_IP_PROXIES]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
