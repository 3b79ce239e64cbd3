"""The uvicorn configuration every baas server runs with (``baas serve`` and the test servers).

uvicorn answers a request it cannot parse (a request line over its parser's limit, invalid bytes
in the target) itself, before the app sees it, with a plain-text 400. PocketBase clients expect the
JSON error envelope for every 4xx, so the HTTP protocol classes here answer those in the envelope.
"""

from __future__ import annotations

from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["MALFORMED_REQUEST_BODY", "server_config"]

MALFORMED_REQUEST_BODY = b'{"data":{},"message":"Something went wrong while processing your request.","status":400}'
_HEAD = (
    b"HTTP/1.1 400 Bad Request\r\n"
    b"content-type: application/json\r\n"
    b"content-length: " + str(len(MALFORMED_REQUEST_BODY)).encode() + b"\r\n"
    b"x-content-type-options: nosniff\r\n"
    b"connection: close\r\n\r\n"
)


def _send_envelope_400(transport: Any) -> None:
    transport.write(_HEAD + MALFORMED_REQUEST_BODY)
    transport.close()


class _H11Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        _send_envelope_400(self.transport)


def _http_protocol() -> type:
    """httptools (faster) when installed, as uvicorn's ``auto``; else h11."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return _H11Protocol

    class _HttpToolsProtocol(HttpToolsProtocol):
        def send_400_response(self, msg: str) -> None:
            _send_envelope_400(self.transport)

    return _HttpToolsProtocol


def server_config(app: Any, host: str, port: int, **options: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=_http_protocol(),
        log_level="warning",
        lifespan="on",
        server_header=False,
        **options,
    )
