"""The uvicorn configuration every baas server runs with (``baas serve`` and the test servers).

uvicorn answers a request it cannot parse (a request line over its parser's limit, invalid bytes
in the target) itself, before the app sees it, with a plain-text 400. PocketBase clients expect the
JSON error envelope for every 4xx, so the HTTP protocol classes here answer those in the envelope.
They are named by import path, so that ``baas serve --workers N`` can hand them to its workers.
"""

from __future__ import annotations

from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["HTTP_PROTOCOL", "MALFORMED_REQUEST_BODY", "server_config", "server_options"]

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


class EnvelopeH11Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        _send_envelope_400(self.transport)


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # uvicorn without httptools: h11, as uvicorn's "auto" would choose
    HTTP_PROTOCOL = f"{__name__}:EnvelopeH11Protocol"
else:

    class EnvelopeHttpToolsProtocol(HttpToolsProtocol):
        def send_400_response(self, msg: str) -> None:
            _send_envelope_400(self.transport)

    HTTP_PROTOCOL = f"{__name__}:EnvelopeHttpToolsProtocol"


def server_options() -> dict[str, Any]:
    """The uvicorn options of every baas server (for ``uvicorn.Config`` or ``uvicorn.run``).

    uvicorn's own proxy-header handling is off: which headers carry the client's IP is the
    ``trustedProxy`` setting's decision (``baas.api.client_ip``), not a default of the ASGI server.
    """
    return {
        "http": HTTP_PROTOCOL,
        "log_level": "warning",
        "lifespan": "on",
        "server_header": False,
        "proxy_headers": False,
    }


def server_config(app: Any, host: str, port: int, **options: Any) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, **server_options(), **options)
