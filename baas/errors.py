"""The error family every endpoint answers with, rendered as PocketBase's envelope.

Every non-2xx JSON answer is ``{"data": {...}, "message": "...", "status": N}``. ``data`` is ``{}``
unless there are field errors, which look like ``{"field": {"code": "validation_x", "message": "..."}}``
(plus ``params`` for parameterised messages) and nest the way the submitted data nests.

Exception tree::

    ApiError(status, message, data)
    ├── BadRequestError        400  "Something went wrong while processing your request."
    │   └── ValidationError    400  field errors in ``data``
    ├── UnauthorizedError      401  "The request requires valid record authorization token."
    ├── ForbiddenError         403  "The authorized record is not allowed to perform this action."
    ├── NotFoundError          404  "The requested resource wasn't found."
    ├── PayloadTooLargeError   413
    └── TooManyRequestsError   429  "Too Many Requests."

    FieldError(code, message, params)   one invalid value; collected into a ValidationError
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ApiError",
    "BadRequestError",
    "FieldError",
    "ForbiddenError",
    "NotFoundError",
    "PayloadTooLargeError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "ValidationError",
    "field_error_json",
]


class ApiError(Exception):
    """An error with an HTTP status and the PocketBase envelope."""

    status = 500
    default_message = "Something went wrong while processing your request."

    def __init__(self, message: str | None = None, data: Mapping[str, Any] | None = None) -> None:
        self.message = message or self.default_message
        self.data: dict[str, Any] = dict(data or {})
        super().__init__(self.message)

    def to_json(self) -> dict[str, Any]:
        return {"data": self.data, "message": self.message, "status": self.status}


class BadRequestError(ApiError):
    status = 400


class UnauthorizedError(ApiError):
    status = 401
    default_message = "The request requires valid record authorization token."


class ForbiddenError(ApiError):
    status = 403
    default_message = "The authorized record is not allowed to perform this action."


class NotFoundError(ApiError):
    status = 404
    default_message = "The requested resource wasn't found."


class PayloadTooLargeError(ApiError):
    status = 413
    default_message = "Request entity too large."


class TooManyRequestsError(ApiError):
    status = 429
    default_message = "Too Many Requests."


class FieldError(Exception):
    """One invalid value, identified by a stable ``validation_*`` code."""

    def __init__(self, code: str, message: str, params: Mapping[str, Any] | None = None) -> None:
        self.code = code
        self.message = message
        self.params = dict(params) if params else None
        super().__init__(message)

    def to_json(self) -> dict[str, Any]:
        return field_error_json(self.code, self.message, self.params)


def field_error_json(code: str, message: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if params:
        body["params"] = dict(params)
    return body


class ValidationError(BadRequestError):
    """Field errors: ``errors`` maps a field name (or index) to a FieldError or to nested errors."""

    default_message = "An error occurred while validating the submitted data."

    def __init__(self, errors: Mapping[str, Any], message: str | None = None) -> None:
        super().__init__(message, _render(errors))


def _render(errors: Mapping[str, Any]) -> dict[str, Any]:
    rendered: dict[str, Any] = {}
    for key, value in errors.items():
        if isinstance(value, FieldError):
            rendered[str(key)] = value.to_json()
        elif isinstance(value, Mapping):
            rendered[str(key)] = _render(value)
        else:
            rendered[str(key)] = value
    return rendered
