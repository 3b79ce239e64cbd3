"""Turn a submitted collection body into a candidate Collection (create, update, import).

Only the shape is handled here (JSON types, defaults, system fields, field ids); whether the candidate
is acceptable is ``validation``'s job. Malformed shapes raise ``MalformedCollectionError``, which the
API answers like PocketBase: a plain 400 without field errors.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from baas.collections.auth_options import AUTH_OPTION_KEYS, merge_options
from baas.collections.fields import Field, InvalidOptionsError, field_from_json
from baas.collections.model import COLLECTION_TYPES, RULE_NAMES, Collection
from baas.collections.scaffolds import (
    AUTH_SYSTEM_FIELD_NAMES,
    auth_index_definitions,
    auth_system_fields,
    scaffold,
)
from baas.errors import BadRequestError
from baas.ids import collection_id, field_id, random_string

__all__ = ["MalformedCollectionError", "apply_changes", "new_candidate"]

LOAD_TYPE_MESSAGE = "Failed to load the collection type data due to invalid formatting."
LOAD_DATA_MESSAGE = "Failed to load the submitted data due to invalid formatting."


class MalformedCollectionError(BadRequestError):
    """The body cannot be read as a collection at all."""


def _check_top_level(body: Any, type_message: str = LOAD_TYPE_MESSAGE) -> Mapping[str, Any]:
    """``type_message``: PocketBase reads the type of a new collection first, with its own message."""
    if body is None:
        return {}
    if not isinstance(body, Mapping):
        raise MalformedCollectionError(type_message)
    for key in ("name", "type", "id"):
        if key in body and body[key] is not None and not isinstance(body[key], str):
            raise MalformedCollectionError(type_message)
    for key in (*RULE_NAMES, "viewQuery"):
        if key in body and body[key] is not None and not isinstance(body[key], str):
            raise MalformedCollectionError(LOAD_DATA_MESSAGE)
    if "system" in body and not isinstance(body["system"], bool):
        raise MalformedCollectionError(LOAD_DATA_MESSAGE)
    if "fields" in body and body["fields"] is not None and not isinstance(body["fields"], list):
        raise MalformedCollectionError(LOAD_DATA_MESSAGE)
    indexes = body.get("indexes")
    if indexes is not None and (not isinstance(indexes, list) or not all(isinstance(i, str) for i in indexes)):
        raise MalformedCollectionError(LOAD_DATA_MESSAGE)
    return body


def _parse_fields(items: list[Any]) -> list[Field]:
    fields = []
    for item in items:
        try:
            fields.append(field_from_json(item))
        except InvalidOptionsError as exc:
            raise MalformedCollectionError(LOAD_DATA_MESSAGE) from exc
    return fields


def new_candidate(body: Any) -> Collection:
    """A collection built from a create body over the scaffold of its type."""
    data = _check_top_level(body)
    collection_type = data.get("type") or "base"
    # An unknown type is reported as a field error by validation; build it as a base collection.
    doc = scaffold(collection_type if collection_type in COLLECTION_TYPES else "base")
    doc["type"] = collection_type
    doc["name"] = data.get("name") or ""
    doc["system"] = bool(data.get("system", False))
    for key in RULE_NAMES:
        if key in data:
            doc[key] = data[key]
    if data.get("indexes") is not None:
        doc["indexes"] = list(data["indexes"])
    if "viewQuery" in data:
        doc["viewQuery"] = data["viewQuery"] or ""
    candidate = _from_doc(doc)
    if data.get("fields") is not None:
        candidate.fields = _parse_fields(data["fields"])
    if candidate.is_auth:
        candidate.auth_options = _merge_auth(candidate.auth_options, data)
    candidate.id = data.get("id") or collection_id(collection_type, candidate.name)
    _complete_fields(candidate, previous=None)
    if candidate.is_auth and data.get("indexes") is None:
        candidate.indexes = auth_index_definitions(candidate.id, candidate.name)
    return candidate


def apply_changes(current: Collection, body: Any) -> Collection:
    """The candidate after applying a PATCH body to ``current`` (fields replace, options merge)."""
    data = _check_top_level(body, LOAD_DATA_MESSAGE)
    doc = current.to_json(include_secrets=True)
    for key in ("name", "type", "system", "viewQuery", *RULE_NAMES):
        if key in data:
            doc[key] = data[key] if data[key] is not None or key in RULE_NAMES else doc[key]
    if data.get("indexes") is not None:
        doc["indexes"] = list(data["indexes"])
    if "id" in data and data["id"] not in (None, "", current.id):
        raise BadRequestError("Failed to update collection. The collection id cannot be changed.")
    candidate = _from_doc(doc)
    candidate.created = current.created
    if data.get("fields") is not None:
        candidate.fields = _parse_fields(data["fields"])
    if candidate.is_auth:
        candidate.auth_options = _merge_auth(current.auth_options or candidate.auth_options, data)
    _complete_fields(candidate, previous=current)
    return candidate


def _from_doc(doc: Mapping[str, Any]) -> Collection:
    try:
        return Collection.from_json(doc)
    except InvalidOptionsError as exc:
        raise MalformedCollectionError(LOAD_DATA_MESSAGE) from exc


def _merge_auth(current: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    submitted = {key: data[key] for key in AUTH_OPTION_KEYS if key in data}
    try:
        return merge_options(current, submitted)
    except InvalidOptionsError as exc:
        raise MalformedCollectionError(LOAD_DATA_MESSAGE) from exc


def _complete_fields(candidate: Collection, previous: Collection | None) -> None:
    """Put the system fields in place and give every field an id.

    The ``id`` field (and for auth collections password, tokenKey, email, emailVisibility, verified)
    is always present: a submitted field with such a name supplies options, but the system flags and
    the type stay. Fields without an id get PocketBase's deterministic ``type + crc32(name)`` id.
    """
    if candidate.is_view:
        return
    required = [copy.deepcopy(scaffold("base")["fields"][0])]
    if candidate.is_auth:
        required += auth_system_fields()
    fields = list(candidate.fields)
    for position, template in enumerate(required):
        index = next((i for i, f in enumerate(fields) if f.name == template["name"]), None)
        if index is None:
            # Like PocketBase: the id is prepended, the auth system fields are appended.
            previous_field = previous.get_field(template["name"]) if previous else None
            missing = previous_field or field_from_json(template)
            if position == 0:
                fields.insert(0, missing)
            else:
                fields.append(missing)
            continue
        submitted = fields[index]
        same_type = template["type"] == submitted.TYPE
        if not same_type and template["name"] == "id":
            # The system id is prepended; validation reports the submitted one as a duplicate name.
            previous_field = previous.get_field("id") if previous else None
            fields.insert(0, previous_field or field_from_json(template))
            continue
        if not same_type:
            # PocketBase replaces it with the system field in place, keeping the submitted id.
            kept_id = submitted.id or field_id(submitted.TYPE, submitted.name)
            fields[index] = field_from_json({**template, "id": kept_id})
            continue
        merged = {**template, **_user_options(submitted)}
        previous_field = previous.get_field(template["name"]) if previous else None
        merged["id"] = submitted.id or (previous_field.id if previous_field else template["id"])
        fields[index] = field_from_json(merged)
    used_ids = {f.id for f in fields if f.id}
    for item in fields:
        if not item.id:
            generated = field_id(item.TYPE, item.name)
            existing = previous.get_field_by_id(generated) if previous else None
            if generated in used_ids and (existing is None or existing.name != item.name):
                generated = f"{generated}_{random_string(4)}"
            item.id = generated
            used_ids.add(generated)
    candidate.fields = fields


_SYSTEM_FLAGS = {"system", "primaryKey", "required", "hidden", "type", "id"}


def _user_options(submitted: Field) -> dict[str, Any]:
    options = submitted.to_json()
    if submitted.name in AUTH_SYSTEM_FIELD_NAMES or submitted.name == "id":
        for key in _SYSTEM_FLAGS:
            options.pop(key, None)
    if submitted.name == "id" and not options.get("pattern"):
        options.pop("pattern", None)  # a primary key keeps a pattern
    return options
