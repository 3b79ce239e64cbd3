"""The field-type contract: settings (JSON options, validation, column DDL) and values.

A field type is a dataclass whose attributes are exactly its JSON options (camelCase, as on the wire).
Values move through three forms: the submitted JSON (``prepare`` turns it into the stored form), the
stored Python value (what the column holds and what ``validate`` checks), and the response JSON
(``to_json_value``).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self, TypeAlias

from sqlalchemy.types import TypeEngine

from baas.errors import FieldError

__all__ = [
    "APPEND",
    "AUTOGENERATE",
    "MAX_SAFE_INT",
    "PREPEND",
    "REMOVE",
    "Field",
    "InvalidOptionsError",
    "OptionErrors",
    "RelationTarget",
    "SettingsContext",
    "required_error",
]

MAX_SAFE_INT = 2**53 - 1

# Body-key modifiers, as the record service passes them to ``apply_modifier``:
# ``name+`` -> APPEND, ``+name`` -> PREPEND, ``name-`` -> REMOVE, ``name:autogenerate`` -> AUTOGENERATE.
APPEND = "+"
PREPEND = "+prefix"
REMOVE = "-"
AUTOGENERATE = ":autogenerate"

# Option errors keyed by option name; list options (``thumbs``, ``onlyDomains``) nest errors by item index.
OptionErrors: TypeAlias = Mapping[str, FieldError | Mapping[str, FieldError]]


class InvalidOptionsError(ValueError):
    """A field's JSON has an option of the wrong JSON type (PocketBase: a decoding error, plain 400)."""


class RelationTarget(Protocol):
    """What a field needs to know about another collection while validating its settings."""

    id: str
    name: str
    type: str


@dataclass(frozen=True)
class SettingsContext:
    """The collection a field's settings are checked against."""

    collection_id: str
    collection_name: str
    collection_type: str
    fields: Sequence[Field]
    find_collection: Callable[[str], RelationTarget | None]


def required_error() -> FieldError:
    return FieldError("validation_required", "Cannot be blank.")


@dataclass(kw_only=True, eq=False)
class Field:
    """Common settings of every field type."""

    TYPE: ClassVar[str] = ""
    # autodate fields are set by the server, so they have neither `required` nor `help`.
    HAS_REQUIRED: ClassVar[bool] = True
    # Body-key modifiers the type understands: APPEND "+", PREPEND "+prefix", REMOVE "-",
    # AUTOGENERATE ":autogenerate" (see the constants above).
    MODIFIERS: ClassVar[frozenset[str]] = frozenset()

    id: str = ""
    name: str = ""
    system: bool = False
    hidden: bool = False
    presentable: bool = False
    required: bool = False
    help: str = ""

    # ----- settings -------------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Build the field from its JSON; unknown keys are ignored, wrong JSON types are rejected."""
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):
            if not spec.init or spec.name not in data:
                continue
            raw = data[spec.name]
            if raw is None and not _allows_none(hints[spec.name]):
                continue  # JSON null leaves the default, like Go's decoder
            values[spec.name] = _coerce(spec.name, raw, hints[spec.name])
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for spec in dataclasses.fields(self):
            if not self.HAS_REQUIRED and spec.name in {"required", "help"}:
                continue
            value = getattr(self, spec.name)
            body[spec.name] = list(value) if isinstance(value, list | tuple) else value
        body["type"] = self.TYPE
        # PocketBase 0.40 serialises field options in alphabetical key order.
        return dict(sorted(body.items()))

    def check_settings(self, context: SettingsContext) -> OptionErrors:
        """Option errors keyed by option name (empty when valid). Name/id rules are checked elsewhere."""
        return {}

    @property
    def type(self) -> str:
        return self.TYPE

    @property
    def is_multiple(self) -> bool:
        return False

    @property
    def relation_collection_id(self) -> str | None:
        return None

    def column_sql(self) -> str:
        """The column definition after the column name, e.g. ``text NOT NULL DEFAULT ''``."""
        raise NotImplementedError

    def sql_type(self) -> TypeEngine[Any]:
        raise NotImplementedError

    # ----- values ---------------------------------------------------------------------------------

    def zero(self) -> Any:
        """The stored value of an unset field."""
        raise NotImplementedError

    def prepare(self, raw: Any) -> Any:
        """Turn a submitted JSON value into the stored form; FieldError when it cannot be read."""
        raise NotImplementedError

    def apply_modifier(self, modifier: str, current: Any, raw: Any) -> Any:
        """Apply ``name+``/``+name``/``name-``/``name:autogenerate`` to the current stored value."""
        raise NotImplementedError(modifier)

    def validate(self, value: Any) -> None:
        """Check a stored-form value against the options; raise FieldError."""

    def is_empty(self, value: Any) -> bool:
        return value is None or value == "" or value == [] or value == 0 or value is False

    def to_json_value(self, value: Any) -> Any:
        """The stored value as it appears in API responses."""
        return value


def _allows_none(hint: Any) -> bool:
    return isinstance(hint, types.UnionType) and type(None) in typing.get_args(hint)


def _coerce(name: str, raw: Any, hint: Any) -> Any:
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if raw is None and type(None) in allowed:
        return None
    for kind in allowed:
        if kind is bool and isinstance(raw, bool):
            return raw
        if kind is int and isinstance(raw, int | float) and not isinstance(raw, bool):
            if isinstance(raw, float) and not raw.is_integer():
                break
            return int(raw)
        if kind is float and isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw)
        if kind is str and isinstance(raw, str):
            return raw
        if typing.get_origin(kind) is list and isinstance(raw, list):
            if all(isinstance(item, str) for item in raw):
                return list(raw)
            break
    raise InvalidOptionsError(f"invalid value for the field option {name!r}")
