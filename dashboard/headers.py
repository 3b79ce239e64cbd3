"""Headers of every dashboard response (``/_`` and below), errors and static files included.

The dashboard is never framed (``X-Frame-Options: DENY``, ``frame-ancestors 'none'``), runs only its
own script file (no inline scripts, no ``unsafe-inline``), leaks no URLs through ``Referer`` (the
setup link carries a token) and is never cached, except its static files.
"""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "DashboardHeadersMiddleware", "is_dashboard_path"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_HEADERS = {
    b"x-frame-options": b"DENY",
    b"content-security-policy": CONTENT_SECURITY_POLICY.encode(),
    b"referrer-policy": b"no-referrer",
    b"x-content-type-options": b"nosniff",
}
STATIC_PREFIX = "/_/static/"


def is_dashboard_path(path: str) -> bool:
    return path == "/_" or path.startswith("/_/")


class DashboardHeadersMiddleware:
    """Sets the dashboard's headers on ``/_`` paths, replacing any the handler set; other paths pass."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == ScopeType.HTTP else ""
        if not is_dashboard_path(path):
            await self.app(scope, receive, send)
            return
        static = path.startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = [(n, v) for n, v in message.get("headers", []) if n.lower() not in _HEADERS]
                headers += list(_HEADERS.items())
                if not static:
                    headers = [(n, v) for n, v in headers if n.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
