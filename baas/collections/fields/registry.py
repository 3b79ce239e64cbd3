"""The field-type registry: built-in types register here, and so can an extension's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from baas.collections.fields.base import Field, InvalidOptionsError

__all__ = ["FIELD_TYPES", "UnknownFieldTypeError", "field_from_json", "register"]

FIELD_TYPES: dict[str, type[Field]] = {}

FieldT = TypeVar("FieldT", bound=type[Field])


class UnknownFieldTypeError(InvalidOptionsError):
    """The submitted field has a type nobody registered."""


def register(field_type: FieldT) -> FieldT:
    """Class decorator: make a Field subclass available under its ``TYPE``."""
    if not field_type.TYPE:
        raise ValueError("a field type needs a TYPE name")
    FIELD_TYPES[field_type.TYPE] = field_type
    return field_type


def field_from_json(data: Mapping[str, Any]) -> Field:
    if not isinstance(data, Mapping):
        raise InvalidOptionsError("a field must be a JSON object")
    type_name = data.get("type")
    field_type = FIELD_TYPES.get(type_name) if isinstance(type_name, str) else None
    if field_type is None:
        raise UnknownFieldTypeError(f"unknown field type {type_name!r}")
    return field_type.from_json(data)
