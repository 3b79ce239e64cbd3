"""Building the row a create or update will write, from the stored row and the submission.

Field values go through their field type (``prepare``, modifiers, ``validate``); system behaviour is
applied here: generated ids and autogenerate patterns, autodates, and the auth-record rules
(password + confirmation, ``oldPassword``, ``verified`` only for managers, ``tokenKey`` rotation).
Field errors are collected, never raised one by one, so the client sees all of them at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from baas.collections.fields import Field
from baas.collections.fields.autodate import AutodateField
from baas.collections.fields.base import APPEND, AUTOGENERATE, PREPEND, REMOVE
from baas.collections.fields.password import PasswordField
from baas.collections.fields.text import TextField
from baas.collections.model import Collection
from baas.errors import FieldError
from baas.ids import new_token_key

__all__ = ["Draft", "build_draft", "split_key"]

# Keys with a meaning of their own in auth collections (never fields).
AUTH_EXTRA_KEYS = ("passwordConfirm", "oldPassword")


@dataclass
class Draft:
    row: dict[str, Any]
    errors: dict[str, FieldError] = field(default_factory=dict)
    # @request.body for rules: the submitted values, normalised by their field types.
    body: dict[str, Any] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    new_password: str | None = None
    old_password: str | None = None

    def fail(self, name: str, error: FieldError) -> None:
        self.errors.setdefault(name, error)


def split_key(key: str) -> tuple[str, str]:
    """``tags+`` -> (``tags``, APPEND); ``+tags`` -> PREPEND; ``tags-`` -> REMOVE; plain -> ''."""
    if key.endswith(AUTOGENERATE):
        return key[: -len(AUTOGENERATE)], AUTOGENERATE
    if len(key) > 1 and key.endswith("+"):
        return key[:-1], APPEND
    if len(key) > 1 and key.startswith("+"):
        return key[1:], PREPEND
    if len(key) > 1 and key.endswith("-"):
        return key[:-1], REMOVE
    return key, ""


def build_draft(
    collection: Collection,
    previous: Mapping[str, Any] | None,
    values: Mapping[str, Any],
    *,
    is_superuser: bool,
) -> Draft:
    """The row after applying ``values`` (a create when ``previous`` is None)."""
    is_create = previous is None
    row = dict(previous) if previous is not None else {f.name: f.zero() for f in collection.fields}
    draft = Draft(row=row)
    for key, raw in values.items():
        name, modifier = split_key(key)
        item = collection.get_field(name)
        if item is None or not _settable(item, is_superuser=is_superuser, is_create=is_create):
            continue
        try:
            if modifier:
                if modifier not in item.MODIFIERS:
                    continue
                value = item.apply_modifier(modifier, row.get(name), raw)
            else:
                value = item.prepare(raw)
                draft.body[name] = value
        except FieldError as exc:
            draft.fail(name, exc)
            continue
        if isinstance(item, PasswordField):
            draft.new_password = value if isinstance(value, str) else None
            continue
        if value != row.get(name):
            draft.changed.add(name)
        row[name] = value
    if collection.is_auth:
        _auth_extras(collection, draft, values, is_create=is_create)
    _system_values(collection, draft, is_create=is_create, previous=previous)
    _validate(collection, draft, previous)
    return draft


def _settable(item: Field, *, is_superuser: bool, is_create: bool) -> bool:
    if isinstance(item, AutodateField):
        return False  # set by the server only
    if item.name == "tokenKey":
        return is_superuser
    if item.hidden and not isinstance(item, PasswordField):
        return is_superuser
    return True


def _auth_extras(collection: Collection, draft: Draft, values: Mapping[str, Any], *, is_create: bool) -> None:
    confirm = values.get("passwordConfirm")
    old = values.get("oldPassword")
    draft.old_password = old if isinstance(old, str) else None
    if draft.new_password is None:
        if is_create:
            draft.fail("password", FieldError("validation_required", "Cannot be blank."))
        return
    if not isinstance(confirm, str) or confirm != draft.new_password:
        draft.fail("passwordConfirm", FieldError("validation_values_mismatch", "Values don't match."))
        return
    password_field = collection.get_field("password")
    if isinstance(password_field, PasswordField):
        try:
            password_field.validate_plain(draft.new_password)
        except FieldError as exc:
            draft.fail("password", exc)
    if draft.new_password == "" and not is_create:
        draft.new_password = None  # an empty password on update means "unchanged"


def _system_values(
    collection: Collection, draft: Draft, *, is_create: bool, previous: Mapping[str, Any] | None
) -> None:
    row = draft.row
    for item in collection.fields:
        if isinstance(item, AutodateField):
            row[item.name] = item.stamp(row.get(item.name), is_create)
        elif isinstance(item, TextField) and is_create and row.get(item.name) == "" and item.autogeneratePattern:
            row[item.name] = item.autogenerate()
    if collection.is_auth and (is_create or draft.new_password is not None):
        # A new password (or a new record) gets a new token key: older tokens stop working.
        row["tokenKey"] = new_token_key()
    if not is_create and previous is not None and row.get("id") != previous.get("id"):
        draft.fail("id", FieldError("validation_pk_change", "The record primary key cannot be changed."))


def _validate(collection: Collection, draft: Draft, previous: Mapping[str, Any] | None) -> None:
    for item in collection.fields:
        if item.name in draft.errors or isinstance(item, PasswordField):
            continue
        if previous is not None and item.name == "id":
            continue
        try:
            item.validate(draft.row.get(item.name))
        except FieldError as exc:
            draft.fail(item.name, exc)
