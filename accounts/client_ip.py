"""The address a login attempt came from, for django-axes.

Behind nginx every request reaches gunicorn from the proxy's own address; nginx puts
the client's in ``X-Real-IP`` (overwriting whatever the client sent). The header is
believed only from the addresses in ``TRUSTED_PROXIES`` (or over gunicorn's unix
socket, where there is no peer address), so a client talking to gunicorn directly
cannot choose the address it is counted under.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_REAL_IP", "")
    if forwarded and (not peer or peer in settings.TRUSTED_PROXIES):
        real = _address(forwarded)
        if real is not None:
            return real
    return _address(peer) if peer else None
