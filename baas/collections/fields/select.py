"""``select``: one value (``maxSelect`` <= 1) or a list of values from a fixed set."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeEngine

from baas.collections.fields.base import (
    APPEND,
    PREPEND,
    REMOVE,
    Field,
    OptionErrors,
    SettingsContext,
    required_error,
)
from baas.collections.fields.checks import limit_errors
from baas.collections.fields.registry import register
from baas.collections.fields.values import to_string_list, unique
from baas.errors import FieldError

__all__ = ["SelectField", "apply_list_modifier", "as_list", "too_many_values"]


@register
@dataclass(kw_only=True, eq=False)
class SelectField(Field):
    TYPE = "select"
    MODIFIERS = frozenset({APPEND, PREPEND, REMOVE})

    values: list[str] = field(default_factory=list)
    maxSelect: int = 0  # noqa: N815 - the wire name

    @property
    def is_multiple(self) -> bool:
        return self.maxSelect > 1

    def check_settings(self, context: SettingsContext) -> OptionErrors:
        errors: dict[str, FieldError | dict[str, FieldError]] = {}
        if not self.values:
            errors["values"] = required_error()
        else:
            # PocketBase accepts repeated values; baas rejects them (they cannot be told apart).
            seen: set[str] = set()
            repeated: dict[str, FieldError] = {}
            for index, value in enumerate(self.values):
                if value in seen:
                    repeated[str(index)] = FieldError("validation_not_unique", "Value must be unique.")
                seen.add(value)
            if repeated:
                errors["values"] = repeated
        error = limit_errors(self.maxSelect, 0, max(len(self.values), 1))
        if error:
            errors["maxSelect"] = error
        return errors

    def column_sql(self) -> str:
        return (
            "text[] COLLATE \"C\" NOT NULL DEFAULT '{}'"
            if self.is_multiple
            else "text COLLATE \"C\" NOT NULL DEFAULT ''"
        )

    def sql_type(self) -> TypeEngine[Any]:
        return ARRAY(Text()) if self.is_multiple else Text()

    def zero(self) -> str | list[str]:
        return [] if self.is_multiple else ""

    def prepare(self, raw: Any) -> str | list[str]:
        return self._normalize(to_string_list(raw))

    def apply_modifier(self, modifier: str, current: Any, raw: Any) -> str | list[str]:
        return self._normalize(apply_list_modifier(modifier, as_list(current), to_string_list(raw)))

    def _normalize(self, items: list[str]) -> str | list[str]:
        if self.is_multiple:
            return items
        return items[-1] if items else ""  # a single select keeps the last one, like PocketBase

    def validate(self, value: Any) -> None:
        items = as_list(value)
        if not items:
            if self.required:
                raise required_error()
            return
        limit = max(self.maxSelect, 1)
        if len(items) > limit:
            raise too_many_values(limit)
        for item in items:
            if item not in self.values:
                raise FieldError("validation_invalid_value", f"Invalid value {item}.", {"value": item})

    def to_json_value(self, value: Any) -> Any:
        if self.is_multiple:
            return as_list(value)
        return value if isinstance(value, str) else ""


def as_list(value: Any) -> list[str]:
    """A stored single or multiple value as a list of its non-empty strings."""
    if isinstance(value, list | tuple):
        return unique([item for item in value if isinstance(item, str)])
    return [value] if isinstance(value, str) and value else []


def apply_list_modifier(modifier: str, current: list[str], given: list[str]) -> list[str]:
    """``name+`` appends, ``+name`` prepends, ``name-`` removes; repeats keep their first place."""
    if modifier == APPEND:
        return unique(current + given)
    if modifier == PREPEND:
        return unique(given + current)
    if modifier == REMOVE:
        removed = set(given)
        return [item for item in current if item not in removed]
    raise NotImplementedError(modifier)


def too_many_values(limit: int) -> FieldError:
    return FieldError("validation_too_many_values", f"Select no more than {limit}.", {"maxSelect": limit})
