"""Record use cases as the API runs them: one transaction per write, events after commit.

Writes with files stage their uploads before the transaction and settle them after it
(:mod:`baas.records.attachments`): on success the replaced and deleted files go, on failure the
new uploads go.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from baas.collections.model import Collection
from baas.errors import BadRequestError, NotFoundError
from baas.files.journal import UploadExpiredError
from baas.records.attachments import FileChanges, body_limit, planned_id
from baas.records.caller import Caller
from baas.records.reading import list_records, read_documents, view_record
from baas.records.submission import Submission
from baas.records.writing import create_record, delete_record, update_record
from baas.runtime import Runtime

__all__ = ["UPLOAD_EXPIRED", "collection_or_404", "create", "delete", "list_", "max_body_size", "update", "view"]

UPLOAD_EXPIRED = "The uploaded files expired before the record was saved; please try again."


def collection_or_404(runtime: Runtime, id_or_name: str) -> Collection:
    collection = runtime.registry.schema.find(id_or_name)
    if collection is None:
        raise NotFoundError("Missing collection context.")
    return collection


def max_body_size(runtime: Runtime, collection: Collection) -> int:
    """The largest create/update body: the default limit plus what the file fields may carry."""
    return body_limit(collection, runtime.settings.max_body_size)


async def list_(runtime: Runtime, collection: Collection, caller: Caller, query: Mapping[str, str]) -> dict[str, Any]:
    return await list_records(runtime.engine, runtime.registry.schema, collection, caller, query)


async def view(
    runtime: Runtime, collection: Collection, caller: Caller, record_id: str, query: Mapping[str, str]
) -> dict[str, Any]:
    return await view_record(runtime.engine, runtime.registry.schema, collection, caller, record_id, query)


async def create(
    runtime: Runtime, collection: Collection, caller: Caller, submission: Submission, query: Mapping[str, str]
) -> dict[str, Any]:
    schema = runtime.registry.schema
    files = FileChanges.prepare(collection, submission.all_uploads())
    values = files.values(submission.values)
    async with _settled(runtime, files, planned_id(collection, values)), runtime.engine.begin() as connection:
        row, events = await create_record(connection, schema, runtime.hasher, collection, caller, values, files=files)
        documents = await read_documents(connection, schema, collection, caller, [row], query)
    await runtime.bus.publish(events)
    return documents[0]


async def update(
    runtime: Runtime,
    collection: Collection,
    caller: Caller,
    record_id: str,
    submission: Submission,
    query: Mapping[str, str],
) -> dict[str, Any]:
    schema = runtime.registry.schema
    files = FileChanges.prepare(collection, submission.all_uploads())
    values = files.values(submission.values)
    async with _settled(runtime, files, record_id), runtime.engine.begin() as connection:
        row, events = await update_record(
            connection, schema, runtime.hasher, collection, caller, record_id, values, files=files
        )
        documents = await read_documents(connection, schema, collection, caller, [row], query)
    await runtime.bus.publish(events)
    return documents[0]


@contextlib.asynccontextmanager
async def _settled(runtime: Runtime, files: FileChanges, record_id: str) -> AsyncIterator[None]:
    """Uploads staged before the transaction inside; dropped if it fails, doomed files go after it commits."""
    try:
        await files.stage(runtime.files, record_id)
        yield
    except UploadExpiredError as exc:
        await files.abort(runtime.files)
        raise BadRequestError(UPLOAD_EXPIRED) from exc
    except BaseException:
        await files.abort(runtime.files)
        raise
    await files.finish(runtime.files)


async def delete(runtime: Runtime, collection: Collection, caller: Caller, record_id: str) -> None:
    files = FileChanges(collection)
    async with runtime.engine.begin() as connection:
        events = await delete_record(connection, runtime.registry.schema, collection, caller, record_id, files=files)
    await files.finish(runtime.files)
    await runtime.bus.publish(events)
