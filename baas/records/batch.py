"""``POST /api/batch``: record creates, updates, upserts and deletes across collections in one
transaction, with the caller's rules; the first failure rolls everything back."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from baas.auth.identity import Identity
from baas.errors import ApiError, BadRequestError, FieldError, ForbiddenError, NotFoundError, ValidationError
from baas.events import RecordEvent
from baas.pick import parse_fields
from baas.records.caller import Caller
from baas.records.reading import read_documents
from baas.records.writing import create_record, delete_record, update_record
from baas.runtime import Runtime

__all__ = ["MAX_BATCH_BODY", "run_batch"]

# The largest batch body when settings.batch.maxBodySize is 0 (PocketBase's default).
MAX_BATCH_BODY = 128 * 1024 * 1024
READ_FAILED = "Failed to read the submitted batch data."
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


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
        raise ValidationError({"requests": FieldError("validation_required", "Cannot be blank.")},
                              "Invalid batch request data.")  # fmt: skip
    if len(items) > max_requests:
        raise ValidationError(
            {"requests": FieldError("validation_length_too_long", f"The length must be no more than {max_requests}.",
                                    {"max": max_requests, "min": 0})},
            "Invalid batch request data.",
        )  # fmt: skip
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


async def _respond_with(connection: AsyncConnection, runtime: Runtime, collection: Any, caller: Caller,
                        row: dict[str, Any], query: Mapping[str, str]) -> dict[str, Any]:  # fmt: skip
    documents = await read_documents(connection, runtime.registry.schema, collection, caller, [row], query)
    picker = parse_fields(query.get("fields"))
    return picker.apply(documents[0]) if picker else documents[0]


async def _exists(connection: AsyncConnection, collection: Any, record_id: str) -> bool:
    table = collection.table
    found = await connection.execute(select(literal(1)).select_from(table).where(table.c.id == literal(record_id)))
    return found.first() is not None


async def _execute(connection: AsyncConnection, runtime: Runtime, identity: Identity | None,
                   request: _Request) -> tuple[int, Any, list[RecordEvent]]:  # fmt: skip
    name, record_id, query = _route(request.url)
    schema = runtime.registry.schema
    collection = schema.find(name)
    if collection is None:
        raise NotFoundError("Missing collection context.")
    caller = Caller(identity=identity, query=query, headers=request.headers, method=request.method, context="batch")
    hasher = runtime.hasher
    if request.method == "POST" and record_id is None:
        row, events = await create_record(connection, schema, hasher, collection, caller, request.body)
    elif request.method == "PUT" and record_id is None:
        target = request.body.get("id")
        if isinstance(target, str) and target and await _exists(connection, collection, target):
            row, events = await update_record(connection, schema, hasher, collection, caller, target, request.body)
        else:
            row, events = await create_record(connection, schema, hasher, collection, caller, request.body)
    elif request.method == "PATCH" and record_id is not None:
        row, events = await update_record(connection, schema, hasher, collection, caller, record_id, request.body)
    elif request.method == "DELETE" and record_id is not None:
        return 204, None, await delete_record(connection, schema, collection, caller, record_id)
    else:
        raise BadRequestError()
    return 200, await _respond_with(connection, runtime, collection, caller, row, query), events


def _failure(index: int, exc: ApiError) -> BadRequestError:
    return BadRequestError(
        "Batch transaction failed.",
        {"requests": {str(index): {"code": "batch_request_failed", "message": "Batch request failed.",
                                   "response": exc.to_json()}}},
    )  # fmt: skip


async def run_batch(runtime: Runtime, identity: Identity | None, payload: Any) -> list[dict[str, Any]]:
    config = runtime.app_settings.current["batch"]
    if not config["enabled"]:
        raise ForbiddenError("Batch requests are not allowed.")
    requests: Sequence[_Request] = _parse(payload, config["maxRequests"])
    results: list[dict[str, Any]] = []
    events: list[RecordEvent] = []
    timeout = config["timeout"] or None
    try:
        async with asyncio.timeout(timeout), runtime.engine.begin() as connection:
            for index, request in enumerate(requests):
                try:
                    status, body, produced = await _execute(connection, runtime, identity, request)
                except ApiError as exc:
                    raise _failure(index, exc) from exc
                results.append({"body": body, "status": status})
                events += produced
    except TimeoutError as exc:
        raise BadRequestError("Batch transaction failed: the time limit was exceeded.") from exc
    await runtime.bus.publish(events)
    return results
