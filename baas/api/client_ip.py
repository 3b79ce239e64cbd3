"""The caller's IP address, behind a reverse proxy too (PocketBase's ``trustedProxy`` settings).

Without configured headers the IP is the TCP peer's. With ``trustedProxy.headers`` (for example
``["X-Forwarded-For"]`` or ``["CF-Connecting-IP"]``) the first of those headers that holds a valid
IP wins: of a comma-separated list the rightmost valid one (the one the nearest proxy appended),
or the leftmost with ``useLeftmostIP``. Only configure headers that your proxy always sets: a
client can send any header itself when it reaches baas directly.

Used for rate limits, realtime client binding, sign-in alerts and the superusers' health view.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from litestar.types import Scope

__all__ = ["POSSIBLE_PROXY_HEADERS", "client_ip", "forwarded_https", "possible_proxy_header"]

# Headers that suggest a proxy in front (shown to superusers by /api/health when none is trusted).
POSSIBLE_PROXY_HEADERS = ("CF-Connecting-IP", "Fastly-Client-IP", "X-Forwarded-For", "X-Real-IP")


def _trusted_proxy(scope: Scope) -> dict[str, Any]:
    runtime = getattr(scope["app"].state, "runtime", None)
    if runtime is None:
        return {"headers": [], "useLeftmostIP": False}
    proxy: dict[str, Any] = runtime.app_settings.current["trustedProxy"]
    return proxy


def _header_values(scope: Scope, name: str) -> list[str]:
    wanted = name.lower().encode("latin-1")
    return [value.decode("latin-1") for key, value in scope.get("headers", []) if key.lower() == wanted]


def _first_ip(candidates: Iterable[str]) -> str:
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate.strip()))
        except ValueError:
            continue
    return ""


def client_ip(scope: Scope) -> str:
    proxy = _trusted_proxy(scope)
    for name in proxy.get("headers") or []:
        values = _header_values(scope, str(name))
        if not values or not values[-1]:
            continue
        # The last header line is the one the proxy controls.
        ips = values[-1].split(",")
        found = _first_ip(ips if proxy.get("useLeftmostIP") else reversed(ips))
        if found:
            return found
    peer = scope.get("client")
    return peer[0] if peer else ""


def forwarded_https(scope: Scope) -> bool:
    """Whether the client's connection is https: directly, or per ``X-Forwarded-Proto`` when proxy
    headers are trusted (a TLS-terminating proxy; used for the dashboard's ``Secure`` cookies)."""
    if scope.get("scheme") == "https":
        return True
    if not _trusted_proxy(scope).get("headers"):
        return False
    values = _header_values(scope, "x-forwarded-proto")
    return bool(values) and values[-1].split(",")[-1].strip().lower() == "https"


def possible_proxy_header(scope: Scope) -> str:
    """A proxy header the request carries while no proxy header is trusted ('' otherwise)."""
    if _trusted_proxy(scope).get("headers"):
        return ""
    return next((name for name in POSSIBLE_PROXY_HEADERS if _header_values(scope, name)), "")
