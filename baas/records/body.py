"""Reading a record submission: a JSON object, or multipart/form-data (form values, ``@jsonPayload``,
file parts). Keys keep their modifiers (``tags+``, ``+tags``, ``views-``, ``slug:autogenerate``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile

from baas.api.bodies import parse_json
from baas.errors import BadRequestError
from baas.records.submission import Submission, Upload

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


async def read_submission(request: Request[Any, Any, Any], *, json_message: str = MALFORMED) -> Submission:
    """The submitted values; ``json_message`` is the error for a malformed JSON body."""
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data") or content_type.startswith(
        "application/x-www-form-urlencoded"
    ):
        return await _read_form(request)
    raw = await request.body()
    if raw.strip() and "json" not in content_type:
        raise BadRequestError(UNSUPPORTED_TYPE)
    payload = parse_json(raw, json_message)
    if payload is not None and not isinstance(payload, Mapping):
        raise BadRequestError(json_message)
    return submission_from_mapping(payload)


async def _read_form(request: Request[Any, Any, Any]) -> Submission:
    try:
        form = await request.form()
    except Exception as exc:  # malformed multipart bodies raise a variety of parser errors
        raise BadRequestError(MALFORMED) from exc
    submission = Submission()
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            upload = Upload(key=key, filename=value.filename or "", content_type=value.content_type or "", file=value)
            submission.uploads.setdefault(key, []).append(upload)
            continue
        if key == JSON_PAYLOAD:
            payload = parse_json(str(value).encode(), MALFORMED)
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
