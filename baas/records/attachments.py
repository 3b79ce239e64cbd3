"""The file side of record writes (the protocol is in :mod:`baas.files.journal`).

``FileChanges`` follows one create, update or delete: its uploads are named and checked up front,
written to storage *before* the transaction (so no row lock or connection is held during the
upload) and claimed inside it; the files the write replaces or deletes are doomed inside it. After
the commit, ``finish`` deletes the doomed files and any upload the record did not keep; after a
failure, ``abort`` deletes the uploads. A crash in between leaves journal rows for the sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from baas.collections.fields import FileField
from baas.collections.fields.select import as_list
from baas.collections.fields.text import TextField
from baas.collections.fields.values import to_string_list
from baas.collections.model import Collection
from baas.errors import BadRequestError, FieldError
from baas.files import journal
from baas.files.names import file_key, is_safe_segment, stored_name
from baas.files.sniff import extension_for
from baas.files.store import FileStore
from baas.files.uploads import Upload
from baas.records.draft import Draft, split_key

__all__ = ["FileChanges", "StagedFile", "body_limit", "check_files", "doom_removed", "file_keys", "planned_id"]

logger = logging.getLogger("baas.files")

UNSTORABLE = "Files cannot be stored for this record id."


@dataclass(eq=False)
class StagedFile:
    field: FileField
    name: str  # the stored name
    upload: Upload
    error: FieldError | None


@dataclass(eq=False)
class FileChanges:
    collection: Collection
    files: list[StagedFile] = field(default_factory=list)
    by_key: dict[str, list[StagedFile]] = field(default_factory=dict)
    record_id: str | None = None
    stored: list[str] = field(default_factory=list)  # keys written to storage (pending in the journal)
    claimed: set[str] = field(default_factory=set)  # ... and referenced by the committed row
    trash: list[str] = field(default_factory=list)  # keys the write doomed

    @classmethod
    def prepare(cls, collection: Collection, uploads: Iterable[Upload]) -> FileChanges:
        """Name and check the uploads meant for file fields (others are closed and ignored)."""
        changes = cls(collection)
        for upload in uploads:
            name, _modifier = split_key(upload.key)
            item = collection.get_field(name)
            if not isinstance(item, FileField) or collection.is_view:
                upload.close()
                continue
            stored = stored_name(upload.filename, extension_for(upload.content_type))
            error = None
            try:
                item.check_upload(stored, upload.filename, upload.size, upload.content_type)
            except FieldError as exc:
                error = exc
            staged = StagedFile(item, stored, upload, error)
            changes.files.append(staged)
            changes.by_key.setdefault(upload.key, []).append(staged)
        return changes

    def values(self, submitted: Mapping[str, Any]) -> dict[str, Any]:
        """The submitted values with the new names: under a plain key they follow the names sent
        with it (PocketBase keeps those, so uploading never deletes by accident); under ``docs+``,
        ``+docs`` they are appended or prepended."""
        merged = dict(submitted)
        for key, staged in self.by_key.items():
            names = [item.name for item in staged]
            try:
                sent = to_string_list(submitted.get(key))
            except FieldError:
                continue  # the field reports the bad value; these uploads stay unused
            merged[key] = [*sent, *names]
        return merged

    def uploaded(self, field_name: str) -> list[StagedFile]:
        return [item for item in self.files if item.field.name == field_name]

    async def stage(self, store: FileStore, record_id: str) -> None:
        """Write the valid uploads to storage (an invalid one fails the write if the row keeps it). When
        the id cannot be a storage key nothing is written, and ``claim`` refuses a row that needs it."""
        self.record_id = record_id
        if not is_safe_segment(record_id):
            return
        for item in self.files:
            if item.error is not None:
                continue
            key = file_key(self.collection.id, record_id, item.name)
            self.stored.append(key)  # before the write: a failed write may leave a partial object
            await store.stage(key, item.upload)

    async def claim(self, connection: AsyncConnection, row: Mapping[str, Any]) -> None:
        """In the transaction: the uploads the stored row references are now the record's."""
        referenced = set(file_keys(self.collection, row))
        uploads = {
            file_key(self.collection.id, str(row["id"]), item.name)
            for item in self.files
            if is_safe_segment(str(row["id"]))
        }
        if (referenced & uploads) - set(self.stored):
            raise BadRequestError(UNSTORABLE)
        keys = referenced & set(self.stored)
        await journal.claim(connection, keys)
        self.claimed |= keys

    async def finish(self, store: FileStore) -> None:
        """After the commit: delete doomed files and unused uploads."""
        try:
            await store.purge(self.trash)
            await store.discard([key for key in self.stored if key not in self.claimed])
        except Exception:  # the sweep will finish the job; the write itself succeeded
            logger.warning("files: cleanup after commit failed", exc_info=True)
        finally:
            self.close()

    async def abort(self, store: FileStore) -> None:
        """After a failed write: delete the uploads it staged."""
        try:
            await store.discard(self.stored)
        except Exception:
            logger.warning("files: cleanup after a failed write failed", exc_info=True)
        finally:
            self.close()

    def close(self) -> None:
        for item in self.files:
            item.upload.close()


def file_keys(collection: Collection, row: Mapping[str, Any]) -> list[str]:
    """The storage keys of every file a stored row references."""
    record_id = row.get("id")
    if not isinstance(record_id, str) or not is_safe_segment(record_id):
        return []
    keys = []
    for item in collection.fields:
        if isinstance(item, FileField):
            keys += [
                file_key(collection.id, record_id, name)
                for name in as_list(row.get(item.name))
                if is_safe_segment(name)
            ]
    return keys


async def doom_removed(
    connection: AsyncConnection, collection: Collection, previous: Mapping[str, Any], row: Mapping[str, Any]
) -> list[str]:
    """In an update's transaction: doom the files the row no longer references."""
    removed = sorted(set(file_keys(collection, previous)) - set(file_keys(collection, row)))
    await journal.doom(connection, removed)
    return removed


def check_files(
    collection: Collection, draft: Draft, previous: Mapping[str, Any] | None, changes: FileChanges | None
) -> None:
    """File names must be stored already or uploaded now; uploads the row keeps must be valid."""
    for item in collection.fields:
        if not isinstance(item, FileField) or item.name in draft.errors:
            continue
        value = draft.row.get(item.name)
        uploads = changes.uploaded(item.name) if changes else []
        try:
            if previous is None or item.name in draft.changed:
                old = previous.get(item.name) if previous is not None else None
                item.check_known(value, old, [upload.name for upload in uploads])
            kept = set(as_list(value))
            for upload in uploads:
                if upload.error is not None and upload.name in kept:
                    raise upload.error
        except FieldError as exc:
            draft.fail(item.name, exc)


def planned_id(collection: Collection, values: Mapping[str, Any]) -> str:
    """The id a create will use, known before its transaction (files are stored under it)."""
    id_field = collection.get_field("id")
    if "id" in values and values["id"] not in (None, "") and id_field is not None:
        try:
            prepared = id_field.prepare(values["id"])
        except FieldError:
            return ""
        return prepared if isinstance(prepared, str) else ""
    if isinstance(id_field, TextField):
        return id_field.autogenerate()
    return ""


def body_limit(collection: Collection, base: int) -> int:
    """PocketBase's per-collection body limit: the base plus every file field's maxSize x maxSelect."""
    if collection.is_view:
        return base
    extra = sum(item.max_size * item.max_files for item in collection.fields if isinstance(item, FileField))
    return base + extra


def close_uploads(uploads: Sequence[Upload]) -> None:
    for upload in uploads:
        upload.close()
