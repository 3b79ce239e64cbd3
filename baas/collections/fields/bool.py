"""``bool``: true or false; ``required`` means it must be true."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean
from sqlalchemy.types import TypeEngine

from baas.collections.fields.base import Field, required_error
from baas.collections.fields.registry import register
from baas.errors import FieldError

__all__ = ["BoolField"]

# The spellings Go's strconv.ParseBool knows (PocketBase reads form values with it).
_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"", "0", "f", "F", "false", "FALSE", "False"})


@register
@dataclass(kw_only=True, eq=False)
class BoolField(Field):
    TYPE = "bool"

    def column_sql(self) -> str:
        return "boolean NOT NULL DEFAULT false"

    def sql_type(self) -> TypeEngine[Any]:
        return Boolean()

    def zero(self) -> bool:
        return False

    def prepare(self, raw: Any) -> bool:
        if raw is None:
            return False
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int | float):
            if isinstance(raw, float) and math.isnan(raw):
                raise _invalid_bool()
            return raw != 0
        if isinstance(raw, str):
            if raw in _TRUE:
                return True
            if raw in _FALSE:
                return False
        raise _invalid_bool()

    def validate(self, value: Any) -> None:
        if not isinstance(value, bool):
            raise _invalid_bool()
        if self.required and not value:
            raise required_error()


def _invalid_bool() -> FieldError:
    return FieldError("validation_invalid_bool", "Must be a valid boolean.")
