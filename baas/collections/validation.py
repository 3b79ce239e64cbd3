"""Is a candidate collection acceptable? Field errors in PocketBase's codes, keyed like the JSON.

Pure checks against the in-memory schema; the database is consulted only later, when the DDL runs
(conversions of existing data, unique indexes over existing rows, view queries).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from baas.collections.auth_options import validate_auth_options
from baas.collections.fields import SettingsContext
from baas.collections.indexes import Index, InvalidIndexError, parse_index, where_columns
from baas.collections.model import COLLECTION_TYPES, RULE_NAMES, Collection
from baas.collections.registry import Schema
from baas.collections.scaffolds import AUTH_SYSTEM_FIELD_NAMES
from baas.errors import FieldError

__all__ = ["MAX_NAME_LENGTH", "RuleChecker", "parsed_indexes", "validate_collection"]

# PostgreSQL truncates identifiers beyond 63 bytes, so longer names would collide silently.
MAX_NAME_LENGTH = 63
_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_ID = _NAME  # PocketBase's DefaultIdRegex, ``^\w+$`` (ASCII)
_RESERVED_FIELD_NAMES = {"null", "true", "false", "_rowid_", "_rowid", "collectionid", "collectionname", "expand"}
_RESERVED_AUTH_KEYS = {"passwordConfirm", "oldPassword"}

RuleChecker = Callable[[str, Collection, Schema], str | None]
"""Returns the error message for an invalid rule (syntax or unknown references), else None."""

TemplateChecker = Callable[[Mapping[str, Any], str, Iterable[str]], str | None]
"""Returns why a mail template (``{subject, body}``) of a kind ("verification", ...) would not render."""

# Where each auth mail template lives in the options, and its kind.
_TEMPLATES = (
    (("verificationTemplate",), "verification"),
    (("resetPasswordTemplate",), "password-reset"),
    (("confirmEmailChangeTemplate",), "email-change"),
    (("otp", "emailTemplate"), "otp"),
    (("authAlert", "emailTemplate"), "login-alert"),
)


def _name_error(name: str, max_length: int) -> FieldError | None:
    if not name:
        return FieldError("validation_required", "Cannot be blank.")
    if len(name) > max_length:
        return FieldError(
            "validation_length_out_of_range",
            f"The length must be between 1 and {max_length}.",
            {"max": max_length, "min": 1},
        )
    if not _NAME.match(name):
        return FieldError("validation_match_invalid", "Must be in a valid format.")
    if "_via_" in name.lower():
        return FieldError("validation_found_via", 'The value cannot contain "_via_".')
    return None


def validate_collection(
    candidate: Collection,
    previous: Collection | None,
    schema: Schema,
    check_rule: RuleChecker,
    check_template: TemplateChecker | None = None,
) -> dict[str, Any]:
    """All problems of ``candidate`` (``previous`` is its stored version when updating)."""
    errors: dict[str, Any] = {}
    if candidate.type not in COLLECTION_TYPES:
        errors["type"] = FieldError("validation_in_invalid", "Must be a valid value.")
        return errors
    if previous is not None:
        if candidate.type != previous.type:
            errors["type"] = FieldError("validation_collection_type_change", "Collection type cannot be changed.")
        if candidate.system != previous.system:
            errors["system"] = FieldError(
                "validation_collection_system_flag_change", "System collection state cannot be changed."
            )
    if previous is None:
        id_problem = _check_id(candidate.id, schema)
        if id_problem:
            errors["id"] = id_problem
    name_problem = _check_name(candidate, previous, schema)
    if name_problem:
        errors["name"] = name_problem
    field_errors = _check_fields(candidate, previous, schema)
    if field_errors:
        errors["fields"] = field_errors
    with_candidate = schema.with_collection(candidate)
    for rule_name in RULE_NAMES:
        rule = candidate.rules[rule_name]
        if candidate.is_view and rule_name in {"createRule", "updateRule", "deleteRule"} and rule is not None:
            errors[rule_name] = FieldError("validation_nil", "Must be blank.")
        elif "fields" not in errors:
            problem = _check_rule(rule, candidate, with_candidate, check_rule)
            if problem:
                errors[rule_name] = problem
        if previous is not None and previous.system and rule != previous.rules[rule_name]:
            errors[rule_name] = FieldError(
                "validation_collection_system_rule_change", "System collection API rule cannot be changed."
            )
    index_errors = _check_indexes(candidate, previous, schema)
    if index_errors:
        errors["indexes"] = index_errors
    # A base collection turned into an auth one has no auth options to check: the type error says it all.
    if candidate.is_auth and "fields" not in errors and "type" not in errors:
        errors.update(_check_auth(candidate, with_candidate, check_rule))
        if check_template is not None:
            _merge(errors, _check_templates(candidate, check_template))
    return errors


def _check_id(collection_id: str, schema: Schema) -> FieldError | None:
    if not collection_id:
        return FieldError("validation_required", "Cannot be blank.")
    if len(collection_id) > 100:
        return FieldError(
            "validation_length_out_of_range", "The length must be between 1 and 100.", {"max": 100, "min": 1}
        )
    if not _ID.match(collection_id):
        return FieldError("validation_match_invalid", "Must be in a valid format.")
    if any(c.id == collection_id for c in schema):
        return FieldError("validation_invalid_or_existing_id", "The model id is invalid or already exists.")
    return None


def _check_name(candidate: Collection, previous: Collection | None, schema: Schema) -> FieldError | None:
    problem = _name_error(candidate.name, MAX_NAME_LENGTH)
    if problem:
        return problem
    if previous is not None and previous.system and candidate.name != previous.name:
        return FieldError("validation_collection_system_name_change", "System collection name cannot be changed.")
    existing = schema.find(candidate.name)
    if existing is not None and existing.id != candidate.id and existing.name.lower() == candidate.name.lower():
        return FieldError("validation_collection_name_exists", "Collection name must be unique (case insensitive).")
    by_id = schema.find(candidate.name)
    if by_id is not None and by_id.id == candidate.name and by_id.id != candidate.id:
        return FieldError(
            "validation_collection_name_id_duplicate", "The name must not match an existing collection id."
        )
    return None


def _check_fields(candidate: Collection, previous: Collection | None, schema: Schema) -> Any:
    if candidate.is_view:
        return None  # view fields are derived from the query
    errors: dict[str, Any] = {}
    seen_names: set[str] = set()
    seen_ids: set[str] = set()
    context = SettingsContext(
        collection_id=candidate.id,
        collection_name=candidate.name,
        collection_type=candidate.type,
        fields=candidate.fields,
        find_collection=lambda ref: candidate if ref == candidate.id else schema.find(ref) if ref else None,
    )
    for position, item in enumerate(candidate.fields):
        problems: dict[str, Any] = {}
        name_problem = _name_error(item.name, MAX_NAME_LENGTH)
        if name_problem is None and item.name.lower() in _RESERVED_FIELD_NAMES:
            name_problem = FieldError("validation_not_in_invalid", "Must not be in list.")
        if name_problem is None and candidate.is_auth and item.name in _RESERVED_AUTH_KEYS:
            name_problem = FieldError(
                "validation_reserved_field_name", "The field name is reserved and cannot be used."
            )
        if name_problem is None and item.name.lower() in seen_names:
            name_problem = FieldError(
                "validation_duplicated_field_name",
                f"Duplicated or invalid field name {item.name}.",
                {"fieldName": item.name},
            )
        if name_problem is None and _is_misplaced_system_name(candidate, item.name, item.TYPE):
            name_problem = FieldError(
                "validation_duplicated_field_name",
                f"Duplicated or invalid field name {item.name}.",
                {"fieldName": item.name},
            )
        if name_problem:
            problems["name"] = name_problem
        if item.id in seen_ids:
            problems["id"] = FieldError(
                "validation_duplicated_field_id", f'Duplicated or invalid field id "{item.id}".'
            )
        elif len(item.id) > 100:
            problems["id"] = FieldError(
                "validation_length_out_of_range", "The length must be between 1 and 100.", {"max": 100, "min": 1}
            )
        problems.update(item.check_settings(context))
        if problems:
            errors[str(position)] = problems
        seen_names.add(item.name.lower())
        seen_ids.add(item.id)
    if previous is not None:
        for old in previous.fields:
            if old.system:
                current = candidate.get_field_by_id(old.id)
                if current is None or current.name != old.name:
                    return FieldError("validation_system_field_change", "System fields cannot be deleted or renamed.")
    return errors or None


def _is_misplaced_system_name(candidate: Collection, name: str, type_name: str) -> bool:
    if name == "id":
        return type_name != "text"
    if candidate.is_auth and name in AUTH_SYSTEM_FIELD_NAMES:
        expected = {"password": "password", "tokenKey": "text", "email": "email"}.get(name, "bool")
        return type_name != expected
    return False


def _check_rule(rule: str | None, candidate: Collection, schema: Schema, check_rule: RuleChecker) -> FieldError | None:
    if not rule:
        return None
    message = check_rule(rule, candidate, schema)
    if message is None:
        return None
    return FieldError("validation_invalid_rule", f"Invalid rule. Raw error: {message}")


def parsed_indexes(collection: Collection) -> list[Index]:
    """The collection's indexes, parsed and pointed at its own table (valid collections only)."""
    return [parse_index(text).with_table(collection.name) for text in collection.indexes]


def _check_indexes(candidate: Collection, previous: Collection | None, schema: Schema) -> Any:
    if candidate.is_view:
        if candidate.indexes:
            return FieldError("validation_indexes_not_supported", "View collections don't support indexes.")
        return None
    used_elsewhere = {}
    for other in schema:
        if other.id != candidate.id and not other.is_view:
            for text in other.indexes:
                try:
                    used_elsewhere[parse_index(text).name.lower()] = other.name
                except InvalidIndexError:
                    continue
    field_names = {f.name for f in candidate.fields}
    names: set[str] = set()
    definitions: set[str] = set()
    for position, text in enumerate(candidate.indexes):
        key = str(position)
        try:
            index = parse_index(text).with_table(candidate.name)
        except InvalidIndexError as exc:
            return {key: FieldError("validation_invalid_index_expression", str(exc))}
        if index.name.lower() in names:
            return {key: FieldError("validation_duplicated_index_name", "The index name already exists.")}
        names.add(index.name.lower())
        if index.name.lower() in used_elsewhere:
            table = used_elsewhere[index.name.lower()]
            return {
                key: FieldError(
                    "validation_existing_index_name",
                    f"The index name is already used in {table} collection.",
                    {"usedTableName": table},
                )
            }
        if schema.find(index.name) is not None or index.name.lower() == candidate.name.lower():
            return {
                key: FieldError(
                    "validation_invalid_index_expression",
                    f"The index name {index.name} is already used by a collection.",
                )
            }
        unknown = [c for c in (*index.column_names, *where_columns(index)) if c not in field_names]
        if unknown:
            return {
                key: FieldError(
                    "validation_invalid_index_expression",
                    f"Failed to create index {index.name} - no such column: {unknown[0]}.",
                )
            }
        definition = index.to_pocketbase().replace(f"`{index.name}`", "``")
        if definition in definitions:
            return {key: FieldError("validation_duplicated_index_definition", "The index definition already exists.")}
        definitions.add(definition)
    if candidate.is_auth:
        for name in ("tokenKey", "email"):
            if name not in _unique_single_columns(candidate):
                return FieldError(
                    "validation_missing_required_unique_index",
                    f'Missing required unique index for field "{name}".',
                    {"fieldName": name},
                )
    return None


def _unique_single_columns(collection: Collection) -> set[str]:
    columns = set()
    for text in collection.indexes:
        try:
            index = parse_index(text)
        except InvalidIndexError:
            continue
        if index.unique and len(index.columns) == 1:
            columns.add(index.columns[0].name)
    return columns


def _check_auth(candidate: Collection, schema: Schema, check_rule: RuleChecker) -> dict[str, Any]:
    options = candidate.auth_options
    errors = validate_auth_options(options, {f.name for f in candidate.fields}, _unique_single_columns(candidate))
    for key in ("authRule", "manageRule"):
        if key not in errors:
            problem = _check_rule(options[key], candidate, schema, check_rule)
            if problem:
                errors[key] = problem
    if options["mfa"]["enabled"] and options["mfa"]["rule"]:
        problem = _check_rule(options["mfa"]["rule"], candidate, schema, check_rule)
        if problem:
            errors.setdefault("mfa", {})["rule"] = problem
    return errors


def _check_templates(candidate: Collection, check_template: TemplateChecker) -> dict[str, Any]:
    fields = [f.name for f in candidate.fields if not f.hidden]
    errors: dict[str, Any] = {}
    for path, kind in _TEMPLATES:
        node: Any = candidate.auth_options
        for key in path:
            node = node[key]
        problem = check_template(node, kind, fields)
        if problem:
            target = errors
            for key in path[:-1]:
                target = target.setdefault(key, {})
            target[path[-1]] = {"body": FieldError("validation_invalid_template", problem)}
    return errors


def _merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if key in into and isinstance(into[key], dict) and isinstance(value, Mapping):
            _merge(into[key], value)
        else:
            into.setdefault(key, value)
