"""Security headers on every response (PocketBase's set), as a plain ASGI middleware."""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SECURITY_HEADERS", "SecurityHeadersMiddleware"]

SECURITY_HEADERS = [
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"x-xss-protection", b"1; mode=block"),
]


class SecurityHeadersMiddleware:
    """Adds the headers unless the handler set its own value (file downloads drop X-Frame-Options)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                skip = b"x-baas-no-frame-options" in present
                for name, value in SECURITY_HEADERS:
                    if name not in present and not (skip and name == b"x-frame-options"):
                        headers.append((name, value))
                if b"vary" not in present:
                    headers.append((b"vary", b"Origin"))
                headers = [(n, v) for n, v in headers if n.lower() != b"x-baas-no-frame-options"]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
