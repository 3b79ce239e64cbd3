"""``json``: any JSON value, stored as ``jsonb`` (JSON null is SQL NULL)."""

from __future__ import annotations

import contextlib
import json
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

from baas.collections.fields.base import MAX_SAFE_INT, Field, OptionErrors, SettingsContext, required_error
from baas.collections.fields.checks import limit_errors
from baas.collections.fields.registry import register
from baas.collections.fields.values import check_text, parse_json
from baas.errors import FieldError

__all__ = ["DEFAULT_MAX_SIZE", "JSONField"]

DEFAULT_MAX_SIZE = 1 << 20
_DECODED_STARTS = frozenset('0123456789-"[{')


@register
@dataclass(kw_only=True, eq=False)
class JSONField(Field):
    TYPE = "json"

    maxSize: int = 0  # noqa: N815 - the wire name

    @property
    def max_size(self) -> int:
        return self.maxSize if self.maxSize > 0 else DEFAULT_MAX_SIZE

    def check_settings(self, context: SettingsContext) -> OptionErrors:
        error = limit_errors(self.maxSize, 0, MAX_SAFE_INT)
        return {"maxSize": error} if error else {}

    def column_sql(self) -> str:
        return "jsonb NULL"

    def sql_type(self) -> TypeEngine[Any]:
        return JSONB(none_as_null=True)

    def zero(self) -> None:
        return None

    def prepare(self, raw: Any) -> Any:
        """Decode strings the way PocketBase does, so multipart forms and JSON bodies agree.

        ``"true"``, ``"false"``, ``"null"`` and strings that start like a number, string, array or
        object and are valid JSON are decoded; any other string is kept as a JSON string.
        """
        if isinstance(raw, str) and (raw in ("true", "false", "null") or raw[:1] in _DECODED_STARTS):
            with contextlib.suppress(ValueError):
                raw = parse_json(raw)
        _check_json(raw, 0)
        return raw

    def validate(self, value: Any) -> None:
        _check_json(value, 0)
        size = len(serialize(value).encode("utf-8", "surrogatepass"))
        if size > self.max_size:
            raise FieldError(
                "validation_json_size_limit",
                f"The maximum allowed JSON size is {self.max_size} bytes.",
                {"maxSize": self.max_size},
            )
        if self.required and self.is_empty(value):
            raise required_error()

    def is_empty(self, value: Any) -> bool:
        return value is None or value == "" or value == [] or value == {}

    def to_json_value(self, value: Any) -> Any:
        return value


def serialize(value: Any) -> str:
    """The compact JSON text whose size ``maxSize`` limits."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


_MAX_DEPTH = 512


def _check_json(value: Any, depth: int) -> None:
    # What PostgreSQL's jsonb can hold: no NaN/Infinity, no NUL in strings, bounded nesting.
    if depth > _MAX_DEPTH:
        raise _invalid_json()
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _invalid_json()
    elif isinstance(value, str):
        _check_string(value)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise _invalid_json()
            _check_string(key)
            _check_json(item, depth + 1)
    else:
        raise _invalid_json()


def _check_string(text: str) -> None:
    try:
        check_text(text)
    except FieldError:
        raise _invalid_json() from None


def _invalid_json() -> FieldError:
    return FieldError("validation_invalid_json", "Must be a valid json value.")
