"""Reading a record submission: a JSON object, or multipart/form-data (form values, ``@jsonPayload``,
file parts). Keys keep their modifiers (``tags+``, ``+tags``, ``views-``, ``slug:autogenerate``).

The body is read as a stream under a per-request byte limit (the record routes' limit grows with the
collection's file fields, as PocketBase's does): a declared ``Content-Length`` over the limit is
refused before reading, and the bytes actually received are counted whatever it claims. File parts
are spooled to temporary files as they arrive, never held whole in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request
from litestar.exceptions import HTTPException

from baas.api.bodies import parse_json
from baas.errors import BadRequestError, PayloadTooLargeError
from baas.files.multipart import FormTooLargeError, MalformedFormError, read_multipart
from baas.records.submission import Submission

__all__ = ["MALFORMED", "read_submission", "submission_from_mapping"]

MALFORMED = "Something went wrong while processing your request."
UNSUPPORTED_TYPE = "Unsupported Content-Type."
JSON_PAYLOAD = "@jsonPayload"


def submission_from_mapping(body: Any) -> Submission:
    if body is None:
        return Submission()
    if not isinstance(body, Mapping):
        raise BadRequestError(MALFORMED)
    return Submission(values=dict(body))


async def _chunks(request: Request[Any, Any, Any]) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            yield chunk
    except HTTPException as exc:
        # The client went away mid-body (Litestar reports it as a server error) or sent too much.
        if exc.status_code == 413:
            raise PayloadTooLargeError() from exc
        raise BadRequestError(MALFORMED) from exc


async def _read_bytes(request: Request[Any, Any, Any], limit: int) -> bytes:
    body = bytearray()
    async for chunk in _chunks(request):
        body += chunk
        if len(body) > limit:
            raise PayloadTooLargeError()
    return bytes(body)


def _declared_length(request: Request[Any, Any, Any]) -> int | None:
    raw = request.headers.get("content-length")
    return int(raw) if raw is not None and raw.strip().isdigit() else None


async def read_submission(request: Request[Any, Any, Any], *, limit: int, json_message: str = MALFORMED) -> Submission:
    """The submitted values; ``json_message`` is the error for a malformed JSON body."""
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise PayloadTooLargeError()
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data"):
        return await _read_multipart(request, limit)
    raw = await _read_bytes(request, limit)
    if content_type.startswith("application/x-www-form-urlencoded"):
        return _submission(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if raw.strip() and "json" not in content_type:
        raise BadRequestError(UNSUPPORTED_TYPE)
    payload = parse_json(raw, json_message)
    if payload is not None and not isinstance(payload, Mapping):
        raise BadRequestError(json_message)
    return submission_from_mapping(payload)


async def _read_multipart(request: Request[Any, Any, Any], limit: int) -> Submission:
    boundary = request.content_type[1].get("boundary")
    if not boundary:
        raise BadRequestError(MALFORMED)
    try:
        form = await read_multipart(_chunks(request), boundary, limit=limit)
    except FormTooLargeError as exc:
        raise PayloadTooLargeError() from exc
    except MalformedFormError as exc:
        raise BadRequestError(MALFORMED) from exc
    try:
        submission = _submission(form.values)
    except BaseException:
        form.close()
        raise
    for upload in form.uploads:
        submission.uploads.setdefault(upload.key, []).append(upload)
    return submission


def _submission(pairs: list[tuple[str, str]]) -> Submission:
    submission = Submission()
    for key, value in pairs:
        if key == JSON_PAYLOAD:
            payload = parse_json(value.encode(), MALFORMED)
            if not isinstance(payload, Mapping):
                raise BadRequestError(MALFORMED)
            submission.values.update(payload)
            continue
        if key in submission.values:
            previous = submission.values[key]
            submission.values[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            submission.values[key] = value
    return submission
