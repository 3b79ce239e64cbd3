"""PocketBase routes are exact: ``/api/collections/`` (trailing slash) is not ``/api/collections``.

Litestar treats both the same, so this middleware answers API paths ending in ``/`` the way
PocketBase does: 404, ``File not found.`` for GET/HEAD (its static-file fallback) and ``The requested
resource wasn't found.`` otherwise. The dashboard (``/_/``) is not affected.
"""

from __future__ import annotations

import json

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

from baas.api.headers import SECURITY_HEADERS

__all__ = ["StrictSlashMiddleware"]


class StrictSlashMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != ScopeType.HTTP or not path.startswith("/api/") or not path.endswith("/") or path == "/api/":
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        if method == "OPTIONS":
            await self.app(scope, receive, send)
            return
        message = "File not found." if method in ("GET", "HEAD") else "The requested resource wasn't found."
        body = json.dumps({"data": {}, "message": message, "status": 404}, separators=(",", ":")).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *SECURITY_HEADERS,
            (b"vary", b"Origin"),
        ]
        start: HTTPResponseStartEvent = {"type": "http.response.start", "status": 404, "headers": headers}
        await send(start)
        payload = b"" if method == "HEAD" else body
        end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": payload, "more_body": False}
        await send(end)
