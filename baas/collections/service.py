"""Collection use cases: create, update, delete, import — each one transaction with its DDL.

Every change takes the schema advisory lock and re-reads the schema inside it, so changes made
concurrently by other processes are validated against what is really committed. After commit the
change is announced with NOTIFY and this process reloads its registry at once.
"""

from __future__ import annotations

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
from baas.errors import BadRequestError, NotFoundError, ValidationError

__all__ = [
    "COLLECTIONS_TOPIC",
    "install_system_collections",
    "create_collection",
    "delete_collection",
    "find_or_404",
    "import_collections",
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
    connection: AsyncConnection, schema: Schema, old: Collection | None, candidate: Collection,
    check_rule: RuleChecker, failure: str,
) -> Schema:  # fmt: skip
    errors = validate_collection(candidate, old, schema.without(candidate.id) if old is None else schema, check_rule)
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
    async with engine.begin() as connection:
        schema = await _begin_change(connection)
        if schema.find(candidate.id) is not None and schema.find(candidate.id) is not schema.find(candidate.name):
            candidate.id = f"{candidate.id}{_suffix()}"
        await _save(connection, schema, None, candidate, check_rule, "Failed to create collection.")
        await publish(connection, COLLECTIONS_TOPIC)
    return find_or_404(await registry.reload(engine), candidate.id)


def _suffix() -> str:
    from baas.ids import random_string

    return random_string(5)


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

        raise ValidationError({"collections": FieldError("validation_required", "Cannot be blank.")},
                              "An error occurred while validating the submitted data.")  # fmt: skip
    async with engine.begin() as connection:
        schema = await _begin_change(connection)
        try:
            schema = await _import(connection, schema, items, delete_missing, check_rule)
        except (ValidationError, MalformedCollectionError, NotFoundError) as exc:
            raise _import_error(_describe_failure(exc)) from exc
        await publish(connection, COLLECTIONS_TOPIC)
    await registry.reload(engine)


def _describe_failure(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.data:
        return f"{exc.message} {_flatten(exc.data)}"
    return str(getattr(exc, "message", exc))


def _flatten(data: Mapping[str, Any], prefix: str = "") -> str:
    parts = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping) and "code" not in value:
            parts.append(_flatten(value, path))
        elif isinstance(value, Mapping):
            parts.append(f"{path}: {value.get('message', '')}")
    return "; ".join(parts)


async def _import(
    connection: AsyncConnection, schema: Schema, items: Sequence[Mapping[str, Any]], delete_missing: bool,
    check_rule: RuleChecker,
) -> Schema:  # fmt: skip
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
            schema = await _save(connection, schema, None, candidate, check_rule, "Failed to create collection.")
            if deferred:
                created.append((candidate, item))
    for existing, item in ordered:
        if existing is not None:
            current = schema.find(existing.id)
            assert current is not None
            merged = _merge_import(current, item, delete_missing)
            candidate = apply_changes(current, merged)
            candidate.indexes = ddl.rename_in_indexes(current, candidate)
            schema = await _save(connection, schema, current, candidate, check_rule, "Failed to update collection.")
    for candidate, item in created:
        current = schema.find(candidate.id)
        assert current is not None
        full = apply_changes(current, item)
        full.indexes = ddl.rename_in_indexes(current, full)
        schema = await _save(connection, schema, current, full, check_rule, "Failed to update collection.")
    return schema


async def _delete_for_import(
    connection: AsyncConnection, schema: Schema, collection: Collection,
    plans: list[tuple[Collection | None, Mapping[str, Any]]],
) -> Schema:  # fmt: skip
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
    """Without deleteMissing, fields missing from the import are kept (after the imported ones)."""
    if delete_missing or not isinstance(item.get("fields"), list):
        return item
    given = item["fields"]
    given_ids = {f.get("id") for f in given if isinstance(f, Mapping)}
    given_names = {f.get("name") for f in given if isinstance(f, Mapping)}
    kept = [f.to_json() for f in current.fields if f.id not in given_ids and f.name not in given_names]
    return {**item, "fields": [*given, *kept]}


async def install_system_collections(connection: AsyncConnection) -> None:
    """Create the collections of a fresh installation (the caller holds the schema lock)."""
    from baas.collections.rule_check import check_rule
    from baas.collections.scaffolds import system_collections

    schema = await load_schema(connection)
    for document in system_collections():
        candidate = new_candidate(document)
        schema = await _save(connection, schema, None, candidate, check_rule, "Failed to create collection.")
    await publish(connection, COLLECTIONS_TOPIC)
