"""The errors the SDK raises: one tree, rooted at ``BaasError``.

Exception tree::

    BaasError                          anything this SDK raises on purpose
    ├── ClientResponseError(status, message, data, url)
    │   │                              the server answered with a non-2xx status;
    │   │                              ``data`` is the envelope's ``data`` (field errors)
    │   ├── BadRequestError            400  validation failed, bad filter/sort, failed batch
    │   ├── UnauthorizedError          401  missing/expired token (``mfa_id`` is set when an
    │   │                                   MFA flow asks for a second method)
    │   ├── ForbiddenError             403  the rules or the collection settings deny it
    │   ├── NotFoundError              404  missing, or hidden by a view/update/delete rule
    │   └── TooManyRequestsError       429  rate limited (``retry_after`` seconds, if given)
    └── NetworkError(message, url)     no answer: connection refused, timeout, broken stream
        └── TimeoutError               the request timed out

``ClientResponseError`` for any other status (409, 413, 500, ...) is raised as the base class.
``NetworkError`` keeps the underlying ``httpx`` exception as ``__cause__``.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "BaasError",
    "BadRequestError",
    "ClientResponseError",
    "ForbiddenError",
    "NetworkError",
    "NotFoundError",
    "TimeoutError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "error_for_response",
]


class BaasError(Exception):
    """The root of every error raised by the SDK."""


class ClientResponseError(BaasError):
    """The server answered with a non-2xx status and (usually) PocketBase's error envelope."""

    def __init__(self, status: int, message: str, data: dict[str, Any] | None = None, url: str = "") -> None:
        self.status = status
        self.message = message
        self.data: dict[str, Any] = data if data is not None else {}
        self.url = url
        super().__init__(f"{status} {message}" + (f" ({url})" if url else ""))

    def field_errors(self) -> dict[str, str]:
        """``{field: code}`` for the top-level field errors in ``data``."""
        return {
            key: str(value.get("code", ""))
            for key, value in self.data.items()
            if isinstance(value, dict) and "code" in value
        }


class BadRequestError(ClientResponseError):
    """400: validation errors (see ``data``), a bad filter or sort, a failed batch."""


class UnauthorizedError(ClientResponseError):
    """401: the request needs a valid auth token."""

    @property
    def mfa_id(self) -> str | None:
        """The MFA session id when the server wants a second auth method (PocketBase's ``{"mfaId"}``)."""
        value = self.data.get("mfaId")
        return value if isinstance(value, str) and value else None


class ForbiddenError(ClientResponseError):
    """403: the collection rules or settings deny the request."""


class NotFoundError(ClientResponseError):
    """404: the resource is missing, or a rule hides it."""


class TooManyRequestsError(ClientResponseError):
    """429: rate limited; ``retry_after`` is the server's ``Retry-After`` in seconds, if any."""

    retry_after: float | None = None


class NetworkError(BaasError):
    """No HTTP answer: the connection failed, broke, or timed out."""

    def __init__(self, message: str, url: str = "") -> None:
        self.message = message
        self.url = url
        super().__init__(f"{message}" + (f" ({url})" if url else ""))


class TimeoutError(NetworkError):
    """The request timed out (connect, read, write or pool)."""


_BY_STATUS: dict[int, type[ClientResponseError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    429: TooManyRequestsError,
}


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), or ``None``."""
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime
    from time import time

    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time())


def error_for_response(response: httpx.Response) -> ClientResponseError:
    """The exception for a non-2xx response, parsed from PocketBase's ``{status, message, data}``."""
    message = response.reason_phrase or "Request failed."
    data: dict[str, Any] = {}
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            message = body["message"]
        if isinstance(body.get("data"), dict):
            data = body["data"]
        if "mfaId" in body:  # PocketBase's MFA answer is a bare {"mfaId": ...}
            data = {**data, "mfaId": body["mfaId"]}
    cls = _BY_STATUS.get(response.status_code, ClientResponseError)
    error = cls(response.status_code, message, data, str(response.request.url))
    if isinstance(error, TooManyRequestsError):
        error.retry_after = retry_after_seconds(response)
    return error
