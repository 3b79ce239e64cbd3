"""Record use cases as the API runs them: one transaction per write, events after commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baas.collections.model import Collection
from baas.errors import BadRequestError, NotFoundError
from baas.records.caller import Caller
from baas.records.reading import list_records, read_documents, view_record
from baas.records.submission import Submission
from baas.records.writing import create_record, delete_record, update_record
from baas.runtime import Runtime

__all__ = ["collection_or_404", "create", "delete", "list_", "update", "view"]

FILES_NOT_READY = "File uploads are not supported yet."


def collection_or_404(runtime: Runtime, id_or_name: str) -> Collection:
    collection = runtime.registry.schema.find(id_or_name)
    if collection is None:
        raise NotFoundError("Missing collection context.")
    return collection


async def list_(runtime: Runtime, collection: Collection, caller: Caller, query: Mapping[str, str]) -> dict[str, Any]:
    return await list_records(runtime.engine, runtime.registry.schema, collection, caller, query)


async def view(runtime: Runtime, collection: Collection, caller: Caller, record_id: str,
               query: Mapping[str, str]) -> dict[str, Any]:  # fmt: skip
    return await view_record(runtime.engine, runtime.registry.schema, collection, caller, record_id, query)


def _reject_uploads(submission: Submission) -> None:
    if submission.uploads:
        raise BadRequestError(FILES_NOT_READY)


async def create(runtime: Runtime, collection: Collection, caller: Caller, submission: Submission,
                 query: Mapping[str, str]) -> dict[str, Any]:  # fmt: skip
    _reject_uploads(submission)
    schema = runtime.registry.schema
    async with runtime.engine.begin() as connection:
        row, events = await create_record(connection, schema, runtime.hasher, collection, caller, submission.values)
        documents = await read_documents(connection, schema, collection, caller, [row], query)
    await runtime.bus.publish(events)
    return documents[0]


async def update(runtime: Runtime, collection: Collection, caller: Caller, record_id: str, submission: Submission,
                 query: Mapping[str, str]) -> dict[str, Any]:  # fmt: skip
    _reject_uploads(submission)
    schema = runtime.registry.schema
    async with runtime.engine.begin() as connection:
        row, events = await update_record(
            connection, schema, runtime.hasher, collection, caller, record_id, submission.values
        )
        documents = await read_documents(connection, schema, collection, caller, [row], query)
    await runtime.bus.publish(events)
    return documents[0]


async def delete(runtime: Runtime, collection: Collection, caller: Caller, record_id: str) -> None:
    async with runtime.engine.begin() as connection:
        events = await delete_record(connection, runtime.registry.schema, collection, caller, record_id)
    await runtime.bus.publish(events)
