"""``POST /api/batch``: record creates, updates, upserts and deletes across collections in one
transaction, with the caller's rules; the first failure rolls everything back.

Multipart batches carry files in parts named ``requests.N.field`` (or ``requests[N].field``); they
are staged before the transaction, like single writes (:mod:`baas.records.attachments`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from baas.auth.identity import Identity
from baas.errors import ApiError, BadRequestError, FieldError, ForbiddenError, NotFoundError, ValidationError
from baas.events import RecordEvent
from baas.files.journal import UploadExpiredError
from baas.files.uploads import Upload
from baas.pick import parse_fields
from baas.records.attachments import FileChanges, planned_id
from baas.records.caller import Caller
from baas.records.reading import read_documents
from baas.records.writing import create_record, delete_record, update_record
from baas.runtime import Runtime

__all__ = ["MAX_BATCH_BODY", "run_batch"]

# The largest batch body when settings.batch.maxBodySize is 0 (PocketBase's default).
MAX_BATCH_BODY = 128 * 1024 * 1024
READ_FAILED = "Failed to read the submitted batch data."
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_FILE_PART = re.compile(r"^requests(?:\.(\d+)|\[(\d+)\])\.(.+)$")


@dataclass(frozen=True)
class _Request:
    method: str
    url: str
    body: Mapping[str, Any]
    headers: Mapping[str, str]


def _parse(payload: Any, max_requests: int) -> list[_Request]:
    if payload is None:
        payload = {}
    if not isinstance(payload, Mapping):
        raise BadRequestError(READ_FAILED)
    items = payload.get("requests")
    if items is not None and not isinstance(items, list):
        raise BadRequestError(READ_FAILED)
    if not items:
        raise ValidationError(
            {"requests": FieldError("validation_required", "Cannot be blank.")}, "Invalid batch request data."
        )
    if len(items) > max_requests:
        raise ValidationError(
            {
                "requests": FieldError(
                    "validation_length_too_long",
                    f"The length must be no more than {max_requests}.",
                    {"max": max_requests, "min": 0},
                )
            },
            "Invalid batch request data.",
        )
    parsed, errors = [], {}
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise BadRequestError(READ_FAILED)
        body, headers = item.get("body") or {}, item.get("headers") or {}
        if not isinstance(body, Mapping) or not isinstance(headers, Mapping):
            raise BadRequestError(READ_FAILED)
        method, url = item.get("method"), item.get("url")
        problems = {}
        if not method:
            problems["method"] = FieldError("validation_required", "Cannot be blank.")
        elif method not in _METHODS:
            problems["method"] = FieldError("validation_in_invalid", "Must be a valid value.")
        if not url or not isinstance(url, str):
            problems["url"] = FieldError("validation_required", "Cannot be blank.")
        if problems:
            errors[str(index)] = problems
            continue
        safe_headers = {str(k): str(v) for k, v in headers.items() if str(k).lower() != "authorization"}
        parsed.append(_Request(str(method), str(url), body, safe_headers))
    if errors:
        raise ValidationError({"requests": errors}, "Invalid batch request data.")
    return parsed


def _route(url: str) -> tuple[str, str | None, dict[str, str]]:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        raise BadRequestError()
    segments = parts.path.split("/")
    # "", "api", "collections", name, "records"[, id]
    if len(segments) not in (5, 6) or segments[:3] != ["", "api", "collections"] or segments[4] != "records":
        raise BadRequestError()
    record_id = segments[5] if len(segments) == 6 else None
    if record_id == "":
        raise BadRequestError()
    return segments[3], record_id, dict(parse_qsl(parts.query))


async def _respond_with(
    connection: AsyncConnection,
    runtime: Runtime,
    collection: Any,
    caller: Caller,
    row: dict[str, Any],
    query: Mapping[str, str],
) -> dict[str, Any]:
    documents = await read_documents(connection, runtime.registry.schema, collection, caller, [row], query)
    picker = parse_fields(query.get("fields"))
    return picker.apply(documents[0]) if picker else documents[0]


async def _exists(connection: AsyncConnection, collection: Any, record_id: str) -> bool:
    table = collection.table
    found = await connection.execute(select(literal(1)).select_from(table).where(table.c.id == literal(record_id)))
    return found.first() is not None


async def _execute(
    connection: AsyncConnection,
    runtime: Runtime,
    identity: Identity | None,
    request: _Request,
    files: FileChanges | None,
) -> tuple[int, Any, list[RecordEvent]]:
    name, record_id, query = _route(request.url)
    schema = runtime.registry.schema
    collection = schema.find(name)
    if collection is None:
        raise NotFoundError("Missing collection context.")
    caller = Caller(identity=identity, query=query, headers=request.headers, method=request.method, context="batch")
    hasher = runtime.hasher
    if request.method == "POST" and record_id is None:
        row, events = await create_record(connection, schema, hasher, collection, caller, request.body, files=files)
    elif request.method == "PUT" and record_id is None:
        target = request.body.get("id")
        if isinstance(target, str) and target and await _exists(connection, collection, target):
            row, events = await update_record(
                connection, schema, hasher, collection, caller, target, request.body, files=files
            )
        else:
            row, events = await create_record(connection, schema, hasher, collection, caller, request.body, files=files)
    elif request.method == "PATCH" and record_id is not None:
        row, events = await update_record(
            connection, schema, hasher, collection, caller, record_id, request.body, files=files
        )
    elif request.method == "DELETE" and record_id is not None:
        return 204, None, await delete_record(connection, schema, collection, caller, record_id, files=files)
    else:
        raise BadRequestError()
    return 200, await _respond_with(connection, runtime, collection, caller, row, query), events


def _uploads_by_request(uploads: Iterable[Upload], count: int) -> dict[int, list[Upload]]:
    """File parts by request index, keyed by their field (``requests.0.doc+`` -> ``doc+``)."""
    found: dict[int, list[Upload]] = {}
    for upload in uploads:
        match = _FILE_PART.match(upload.key)
        index = int(match.group(1) or match.group(2)) if match else -1
        if not 0 <= index < count:
            upload.close()  # PocketBase ignores parts for requests that do not exist
            continue
        assert match is not None
        found.setdefault(index, []).append(dataclasses.replace(upload, key=match.group(3)))
    return found


async def _stage(runtime: Runtime, requests: list[_Request], uploads: Iterable[Upload]) -> list[FileChanges | None]:
    """One FileChanges per request (None when its URL does not route; it fails in the transaction)."""
    by_request = _uploads_by_request(uploads, len(requests))
    changes: list[FileChanges | None] = []
    for index, request in enumerate(requests):
        files = by_request.get(index, [])
        try:
            name, record_id, _query = _route(request.url)
        except ApiError:
            name, record_id = "", None
        collection = runtime.registry.schema.find(name) if name else None
        if collection is None:
            for upload in files:
                upload.close()
            changes.append(None)
            continue
        prepared = FileChanges.prepare(collection, files)
        changes.append(prepared)
        if not prepared.files:
            continue
        body = prepared.values(request.body)
        requests[index] = dataclasses.replace(request, body=body)
        target = body.get("id") if request.method == "PUT" else None
        if record_id is None and not (isinstance(target, str) and target):
            record_id = planned_id(collection, body)
        await prepared.stage(runtime.files, record_id or str(target))
    return changes


def _failure(index: int, exc: ApiError) -> BadRequestError:
    return BadRequestError(
        "Batch transaction failed.",
        {
            "requests": {
                str(index): {
                    "code": "batch_request_failed",
                    "message": "Batch request failed.",
                    "response": exc.to_json(),
                }
            }
        },
    )


async def run_batch(
    runtime: Runtime, identity: Identity | None, payload: Any, uploads: Sequence[Upload] = ()
) -> list[dict[str, Any]]:
    config = runtime.app_settings.current["batch"]
    if not config["enabled"]:
        raise ForbiddenError("Batch requests are not allowed.")
    try:
        requests = _parse(payload, config["maxRequests"])
    except BaseException:
        for upload in uploads:
            upload.close()
        raise
    changes: list[FileChanges | None] = []
    try:
        changes = await _stage(runtime, requests, uploads)
        results, events = await _run(runtime, identity, requests, changes, config["timeout"] or None)
    except BaseException as exc:
        for files in changes:
            if files is not None:
                await files.abort(runtime.files)
        if isinstance(exc, UploadExpiredError):
            raise BadRequestError("Batch transaction failed.") from exc
        raise
    for files in changes:
        if files is not None:
            await files.finish(runtime.files)
    await runtime.bus.publish(events)
    return results


Outcome = tuple[list[dict[str, Any]], list[RecordEvent]]


async def _run(
    runtime: Runtime,
    identity: Identity | None,
    requests: Sequence[_Request],
    changes: list[FileChanges | None],
    limit: float | None,
) -> Outcome:
    results: list[dict[str, Any]] = []
    events: list[RecordEvent] = []
    try:
        async with asyncio.timeout(limit), runtime.engine.begin() as connection:
            for index, request in enumerate(requests):
                try:
                    status, body, produced = await _execute(connection, runtime, identity, request, changes[index])
                except ApiError as exc:
                    raise _failure(index, exc) from exc
                results.append({"body": body, "status": status})
                events += produced
    except TimeoutError as exc:
        raise BadRequestError("Batch transaction failed: the time limit was exceeded.") from exc
    return results, events
