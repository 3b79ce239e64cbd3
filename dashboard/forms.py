"""Reading dashboard form posts (URL-encoded or multipart with files) and checking their CSRF token.

A post is parsed once, by the CSRF guard, under a byte limit, and kept on the request for the
handler. File parts are spooled (``baas.files.multipart``) and closed when the handler is done.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from litestar import Request
from litestar.exceptions import HTTPException

from baas.files.multipart import FormTooLargeError, MalformedFormError, read_multipart
from baas.files.uploads import Upload

__all__ = ["CSRF_FIELD", "CsrfError", "Form", "FormReadError", "form_of", "read_form", "verify_csrf"]

CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
_STATE_KEY = "dashboard_form"


class CsrfError(Exception):
    """A state-changing request without the session's CSRF token, or from another origin."""


class FormReadError(Exception):
    """The body is malformed or larger than allowed."""


@dataclass
class Form:
    values: list[tuple[str, str]] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)

    def get(self, key: str, default: str = "") -> str:
        """The last value sent under ``key``."""
        found = [value for name, value in self.values if name == key]
        return found[-1] if found else default

    def getall(self, key: str) -> list[str]:
        return [value for name, value in self.values if name == key]

    def has(self, key: str) -> bool:
        return any(name == key for name, _ in self.values)

    def names(self) -> list[str]:
        return list(dict.fromkeys(name for name, _ in self.values))

    def files(self, key: str) -> list[Upload]:
        return [upload for upload in self.uploads if upload.key == key]

    def close(self) -> None:
        for upload in self.uploads:
            upload.close()


async def _chunks(request: Request[Any, Any, Any]) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            yield chunk
    except HTTPException as exc:
        raise FormReadError("The request body could not be read.") from exc


async def read_form(request: Request[Any, Any, Any], limit: int) -> Form:
    cached = request.state.get(_STATE_KEY)
    if isinstance(cached, Form):
        return cached
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FormReadError("The submitted data is too large.")
    content_type, options = request.content_type
    if content_type == "multipart/form-data":
        boundary = options.get("boundary")
        if not boundary:
            raise FormReadError("The form is malformed.")
        try:
            data = await read_multipart(_chunks(request), boundary, limit=limit)
        except FormTooLargeError as exc:
            raise FormReadError("The submitted data is too large.") from exc
        except MalformedFormError as exc:
            raise FormReadError("The form is malformed.") from exc
        form = Form(values=data.values, uploads=data.uploads)
    else:
        body = bytearray()
        async for chunk in _chunks(request):
            body += chunk
            if len(body) > limit:
                raise FormReadError("The submitted data is too large.")
        form = Form(values=parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    request.state[_STATE_KEY] = form
    return form


def form_of(request: Request[Any, Any, Any]) -> Form:
    """The form the CSRF guard already read (an empty one for requests without a body)."""
    cached = request.state.get(_STATE_KEY)
    return cached if isinstance(cached, Form) else Form()


def _same_origin(request: Request[Any, Any, Any]) -> bool:
    """Defence in depth beside the token: browsers say where a request comes from."""
    if request.headers.get("sec-fetch-site", "same-origin") not in {"same-origin", "none"}:
        return False
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        # No-referrer pages post with ``Origin: null``; Sec-Fetch-Site (checked above) still applies.
        return True
    parts = urlsplit(origin)
    return parts.netloc == request.headers.get("host", "") and parts.scheme in {"http", "https"}


async def verify_csrf(request: Request[Any, Any, Any], expected: str, limit: int) -> Form:
    """Read the form and check its token against ``expected`` (constant time) and its origin."""
    if not _same_origin(request):
        raise CsrfError("cross-origin request")
    form = await read_form(request, limit)
    sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        form.close()
        raise CsrfError("missing or wrong CSRF token")
    return form
