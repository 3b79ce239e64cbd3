"""Collection use cases: create, update, delete, import — each one transaction with its DDL.

Every change takes the schema advisory lock and re-reads the schema inside it, so changes made
concurrently by other processes are validated against what is really committed. After commit the
change is announced with NOTIFY and this process reloads its registry at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from baas.collections import ddl
from baas.collections.model import Collection
from baas.collections.registry import CollectionRegistry, Schema, load_schema
from baas.collections.submission import MalformedCollectionError, apply_changes, new_candidate
from baas.collections.sync import SyncError, apply_change, lock_schema
from baas.collections.validation import RuleChecker, validate_collection
from baas.db.notify import publish
from baas.errors import ApiError, BadRequestError, NotFoundError, ValidationError
from baas.mail import validate_template

__all__ = [
    "COLLECTIONS_TOPIC",
    "create_collection",
    "delete_collection",
    "find_or_404",
    "import_collections",
    "install_system_collections",
    "update_collection",
]

COLLECTIONS_TOPIC = "collections"


def find_or_404(schema: Schema, id_or_name: str) -> Collection:
    collection = schema.find(id_or_name)
    if collection is None:
        raise NotFoundError()
    return collection


async def _begin_change(connection: AsyncConnection) -> Schema:
    await lock_schema(connection)
    return await load_schema(connection)


async def _save(
    connection: AsyncConnection,
    schema: Schema,
    old: Collection | None,
    candidate: Collection,
    check_rule: RuleChecker,
    failure: str,
) -> Schema:
    errors = validate_collection(candidate, old, schema, check_rule, validate_template)
    if errors:
        raise ValidationError(errors, failure)
    new_schema = schema.with_collection(candidate)
    try:
        await apply_change(connection, old, candidate, schema, new_schema)
    except SyncError as exc:
        if exc.errors:
            raise ValidationError(exc.errors, failure) from exc
        raise BadRequestError(f"{failure} Raw error: {exc.message}") from exc
    return new_schema.with_collection(candidate)


async def create_collection(
    engine: AsyncEngine, registry: CollectionRegistry, body: Any, check_rule: RuleChecker
) -> Collection:
    candidate = new_candidate(body)
    candidate.indexes = ddl.rename_in_indexes(None, candidate)
    generated_id = not (isinstance(body, Mapping) and body.get("id"))
    async with engine.begin() as connection:
        schema = await _begin_change(connection)
        if generated_id:
            _make_generated_id_unique(candidate, schema)
        await _save(connection, schema, None, candidate, check_rule, "Failed to create collection.")
        await publish(connection, COLLECTIONS_TOPIC)
    return find_or_404(await registry.reload(engine), candidate.id)


def _make_generated_id_unique(candidate: Collection, schema: Schema) -> None:
    """PocketBase's ``pbc_<crc32>`` id may be taken (e.g. by a renamed collection): it gets a number, and
    index names that contain it follow. Explicit ids are never changed (validation refuses duplicates)."""
    base = candidate.id
    taken = {c.id for c in schema}
    number = 2
    while candidate.id in taken and number < 1000:
        candidate.id = f"{base}{number}"
        number += 1
    if candidate.id != base:
        candidate.indexes = [ddl.rename_index(text, base, candidate.id) for text in candidate.indexes]


async def update_collection(
    engine: AsyncEngine, registry: CollectionRegistry, id_or_name: str, body: Any, check_rule: RuleChecker
) -> Collection:
    async with engine.begin() as connection:
        schema = await _begin_change(connection)
        current = find_or_404(schema, id_or_name)
        candidate = apply_changes(current, body)
        candidate.indexes = ddl.rename_in_indexes(current, candidate)
        await _save(connection, schema, current, candidate, check_rule, "Failed to update collection.")
        await publish(connection, COLLECTIONS_TOPIC)
    return find_or_404(await registry.reload(engine), current.id)


def _deletion_blockers(schema: Schema, collection: Collection) -> list[str]:
    return sorted({ref.name for ref, _ in schema.references_to(collection.id) if ref.id != collection.id})


async def _delete(connection: AsyncConnection, schema: Schema, collection: Collection) -> Schema:
    if collection.system:
        raise BadRequestError("Failed to delete collection.")
    blockers = _deletion_blockers(schema, collection)
    if blockers:
        raise BadRequestError(
            f"Failed to delete collection probably due to existing reference in {', '.join(blockers)}."
        )
    remaining = schema.without(collection.id)
    try:
        await apply_change(connection, collection, None, schema, remaining)
    except SyncError as exc:
        # Most likely a view reads this collection.
        raise BadRequestError("Failed to delete collection.", {}) from exc
    return remaining


async def delete_collection(engine: AsyncEngine, registry: CollectionRegistry, id_or_name: str) -> None:
    async with engine.begin() as connection:
        schema = await _begin_change(connection)
        await _delete(connection, schema, find_or_404(schema, id_or_name))
        await publish(connection, COLLECTIONS_TOPIC)
    await registry.reload(engine)


IMPORT_FAILURE = "validation_collections_import_failure"


def _import_error(message: str) -> ValidationError:
    from baas.errors import FieldError

    return ValidationError({"collections": FieldError(IMPORT_FAILURE, message)}, "Failed to import collections.")


async def import_collections(
    engine: AsyncEngine, registry: CollectionRegistry, body: Any, check_rule: RuleChecker
) -> None:
    """PocketBase's import: upsert every given collection (matched by id, then name), optionally
    deleting the non-system collections that are not listed; all or nothing."""
    if not isinstance(body, Mapping) or not isinstance(body.get("collections", []), list):
        raise BadRequestError("An error occurred while loading the submitted data.")
    items: Sequence[Any] = body.get("collections") or []
    delete_missing = body.get("deleteMissing", False)
    if not isinstance(delete_missing, bool) or not all(isinstance(i, Mapping) for i in items):
        raise BadRequestError("An error occurred while loading the submitted data.")
    if not items:
        from baas.errors import FieldError

        raise ValidationError(
            {"collections": FieldError("validation_required", "Cannot be blank.")},
            "An error occurred while validating the submitted data.",
        )
    async with engine.begin() as connection:
        schema = await _begin_change(connection)
        try:
            schema = await _import(connection, schema, items, delete_missing, check_rule)
        except (BadRequestError, NotFoundError) as exc:
            raise _import_error(_describe_failure(exc)) from exc
        await publish(connection, COLLECTIONS_TOPIC)
    await registry.reload(engine)


class _InvalidImportError(BadRequestError):
    """One imported collection is invalid; the message is PocketBase's (Go-formatted) description."""


# ozzo-validation's own errors: PocketBase prints them in lower case in the import failure message.
_OZZO_CODES = {
    "validation_required",
    "validation_nil",
    "validation_empty",
    "validation_nil_or_not_empty_required",
    "validation_match_invalid",
    "validation_length_out_of_range",
    "validation_in_invalid",
    "validation_not_in_invalid",
    "validation_min_greater_equal_than_required",
    "validation_max_less_equal_than_required",
    "validation_is_domain",
}


def _plain(errors: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in errors.items():
        if isinstance(value, Mapping) and "code" in value:
            text = str(value.get("message", "")).removesuffix(".")
            result[key] = text[:1].lower() + text[1:] if value["code"] in _OZZO_CODES else text
        elif isinstance(value, Mapping):
            result[key] = _plain(value)
    return result


async def _save_imported(
    connection: AsyncConnection,
    schema: Schema,
    old: Collection | None,
    candidate: Collection,
    check_rule: RuleChecker,
    failure: str,
) -> Schema:
    try:
        return await _save(connection, schema, old, candidate, check_rule, failure)
    except ValidationError as exc:
        if not exc.data:
            raise
        details = json.dumps(_plain(exc.data), indent=2, sort_keys=True, ensure_ascii=False)
        raise _InvalidImportError(
            f'Data validations failed for collection "{candidate.name}" ({candidate.id}):\n{details}.'
        ) from exc


def _describe_failure(exc: ApiError) -> str:
    if isinstance(exc, MalformedCollectionError):
        return f"Failed to import the collections configuration. Raw error:\n{exc.message}"
    return exc.message


async def _import(
    connection: AsyncConnection,
    schema: Schema,
    items: Sequence[Mapping[str, Any]],
    delete_missing: bool,
    check_rule: RuleChecker,
) -> Schema:
    plans: list[tuple[Collection | None, Mapping[str, Any]]] = []
    for item in items:
        existing = None
        if isinstance(item.get("id"), str) and item["id"]:
            existing = schema.find(item["id"])
            existing = existing if existing is not None and existing.id == item["id"] else None
        if existing is None and isinstance(item.get("name"), str):
            existing = schema.find(item["name"])
        plans.append((existing, item))
    listed = {existing.id for existing, _ in plans if existing is not None}
    if delete_missing:
        for collection in schema:
            if collection.id not in listed and not collection.system:
                schema = await _delete_for_import(connection, schema, collection, plans)
    # Views go last: they may read collections created by this import.
    ordered = sorted(plans, key=lambda plan: plan[1].get("type") == "view")
    # First pass: create new collections without relations to collections that do not exist yet.
    created: list[tuple[Collection, Mapping[str, Any]]] = []
    for existing, item in ordered:
        if existing is None:
            candidate = new_candidate(item)
            candidate.indexes = ddl.rename_in_indexes(None, candidate)
            deferred = _strip_forward_relations(candidate, schema, ordered)
            schema = await _save_imported(
                connection, schema, None, candidate, check_rule, "Failed to create collection."
            )
            if deferred:
                created.append((candidate, item))
    for existing, item in ordered:
        if existing is not None:
            current = schema.find(existing.id)
            assert current is not None
            merged = _merge_import(current, item, delete_missing)
            candidate = apply_changes(current, merged)
            candidate.indexes = ddl.rename_in_indexes(current, candidate)
            schema = await _save_imported(
                connection, schema, current, candidate, check_rule, "Failed to update collection."
            )
    for candidate, item in created:
        current = schema.find(candidate.id)
        assert current is not None
        full = apply_changes(current, item)
        full.indexes = ddl.rename_in_indexes(current, full)
        schema = await _save_imported(connection, schema, current, full, check_rule, "Failed to update collection.")
    return schema


async def _delete_for_import(
    connection: AsyncConnection,
    schema: Schema,
    collection: Collection,
    plans: list[tuple[Collection | None, Mapping[str, Any]]],
) -> Schema:
    remaining = schema.without(collection.id)
    try:
        await apply_change(connection, collection, None, schema, remaining)
    except SyncError as exc:
        raise BadRequestError(f"Failed to delete collection {collection.name}.") from exc
    return remaining


def _strip_forward_relations(
    candidate: Collection, schema: Schema, plans: Sequence[tuple[Collection | None, Mapping[str, Any]]]
) -> bool:
    """Drop relation fields whose target does not exist yet; True if any were dropped."""
    kept = []
    for item in candidate.fields:
        target = item.relation_collection_id
        if target and target != candidate.id and schema.find(target) is None:
            continue
        kept.append(item)
    dropped = len(kept) != len(candidate.fields)
    candidate.fields = kept
    return dropped


def _merge_import(current: Collection, item: Mapping[str, Any], delete_missing: bool) -> Mapping[str, Any]:
    """PocketBase's merge of an imported collection over an existing one.

    An imported field without a known id takes the id of the existing field with its name and type (so
    the column and its data stay). Existing fields missing from the import are kept after the imported
    ones; with ``deleteMissing`` only the system ones are.
    """
    given = item.get("fields")
    if (given is None and not delete_missing) or (given is not None and not isinstance(given, list)):
        return item  # fields kept as they are, or malformed (reported by apply_changes)
    fields = []
    known_ids = {f.get("id") for f in given or [] if isinstance(f, Mapping)}
    for entry in given or []:
        if isinstance(entry, Mapping) and entry.get("id") not in {f.id for f in current.fields}:
            name = entry.get("name")
            same = current.get_field(name) if isinstance(name, str) else None
            if same is not None and entry.get("type") == same.TYPE and same.id not in known_ids:
                entry = {**entry, "id": same.id}
        fields.append(entry)
    ids = {f.get("id") for f in fields if isinstance(f, Mapping)}
    names = {f.get("name") for f in fields if isinstance(f, Mapping)}
    kept = [
        f.to_json()
        for f in current.fields
        if (f.system or not delete_missing) and f.id not in ids and f.name not in names
    ]
    return {**item, "fields": [*fields, *kept]}


async def install_system_collections(connection: AsyncConnection) -> None:
    """Create the collections of a fresh installation (the caller holds the schema lock)."""
    from baas.collections.rule_check import check_rule
    from baas.collections.scaffolds import system_collections

    schema = await load_schema(connection)
    for document in system_collections():
        candidate = new_candidate(document)
        schema = await _save(connection, schema, None, candidate, check_rule, "Failed to create collection.")
    await publish(connection, COLLECTIONS_TOPIC)
