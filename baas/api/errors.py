"""Every error becomes PocketBase's envelope; nothing unexpected leaks as a stack trace or a 500 page."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException

from baas.errors import ApiError

__all__ = ["EXCEPTION_HANDLERS", "envelope"]

logger = logging.getLogger("baas.api")

_MESSAGES = {
    400: "Something went wrong while processing your request.",
    401: "The request requires valid record authorization token.",
    403: "The authorized record is not allowed to perform this action.",
    404: "The requested resource wasn't found.",
    413: "Request entity too large.",
    429: "Too Many Requests.",
}


def envelope(status: int, message: str, data: dict[str, Any] | None = None) -> Response[dict[str, Any]]:
    headers = {"Connection": "close"} if status == 413 else None
    return Response({"data": data or {}, "message": message, "status": status}, status_code=status, headers=headers)


def _api_error(_request: Request[Any, Any, Any], exc: ApiError) -> Response[dict[str, Any]]:
    return Response(exc.to_json(), status_code=exc.status)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    if status in (404, 405):
        # PocketBase never answers 405, and an unmatched GET falls through to its static file server.
        message = "File not found." if request.method in {"GET", "HEAD"} else _MESSAGES[404]
        return envelope(404, message)
    if status >= 500:
        logger.error("internal error on %s %s: %s", request.method, request.url.path, exc.detail)
        return envelope(500, "Something went wrong while processing your request.")
    return envelope(status, _MESSAGES.get(status, _MESSAGES[400]))


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return envelope(500, "Something went wrong while processing your request.")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ApiError: _api_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}
