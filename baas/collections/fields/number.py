"""``number``: a float64, optionally limited to a range and to integers."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Double
from sqlalchemy.types import TypeEngine

from baas.collections.fields.base import APPEND, REMOVE, Field, OptionErrors, SettingsContext, required_error
from baas.collections.fields.checks import go_number, json_number
from baas.collections.fields.registry import register
from baas.errors import FieldError

__all__ = ["NumberField"]

# What Go's strconv.ParseFloat reads in decimal (digits may be grouped with "_"); float() does the rest.
_DECIMAL = re.compile(r"[+-]?[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?")
_NOT_FINITE = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan"})
_INT64 = 2.0**63


@register
@dataclass(kw_only=True, eq=False)
class NumberField(Field):
    TYPE = "number"
    MODIFIERS = frozenset({APPEND, REMOVE})

    min: float | None = None
    max: float | None = None
    onlyInt: bool = False  # noqa: N815 - the wire name

    def to_json(self) -> dict[str, Any]:
        body = super().to_json()
        for option in ("min", "max"):
            if body[option] is not None:
                body[option] = json_number(body[option])
        return body

    def check_settings(self, context: SettingsContext) -> OptionErrors:
        errors: dict[str, FieldError] = {}
        if self.onlyInt and self.min is not None and not _is_int(self.min):
            errors["min"] = _only_int_error()
        if self.onlyInt and self.max is not None and not _is_int(self.max):
            errors["max"] = _only_int_error()
        elif self.min is not None and self.max is not None and self.max < self.min:
            errors["max"] = _below_min(self.min)
        return errors

    def column_sql(self) -> str:
        return "double precision NOT NULL DEFAULT 0"

    def sql_type(self) -> TypeEngine[Any]:
        return Double()

    def zero(self) -> float:
        return 0.0

    def prepare(self, raw: Any) -> float:
        if raw is None or raw == "":
            return 0.0
        if isinstance(raw, bool):
            return 1.0 if raw else 0.0
        if isinstance(raw, int | float):
            try:
                value = float(raw)
            except OverflowError:
                raise _not_a_number() from None
        elif isinstance(raw, str):
            value = _parse(raw)
        else:
            raise _invalid_number()
        if not math.isfinite(value):
            raise _not_a_number()
        return value

    def apply_modifier(self, modifier: str, current: Any, raw: Any) -> float:
        if modifier not in self.MODIFIERS:
            raise NotImplementedError(modifier)
        base = self.prepare(current) if isinstance(current, int | float) else 0.0
        amount = self.prepare(raw)
        return base + amount if modifier == APPEND else base - amount

    def validate(self, value: Any) -> None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _invalid_number()
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int beyond float range
            finite = False
        if not finite:
            raise _not_a_number()
        if value == 0:
            # PocketBase treats 0 as "no value": only `required` applies to it.
            if self.required:
                raise required_error()
            return
        if self.onlyInt and not _is_int(value):
            raise _only_int_error()
        if self.min is not None and value < self.min:
            raise _below_min(self.min)
        if self.max is not None and value > self.max:
            raise FieldError(
                "validation_max_number_constraint",
                f"Must be less or equal than {go_number(self.max)}.",
                {"max": json_number(self.max)},
            )

    def to_json_value(self, value: Any) -> Any:
        return json_number(float(value)) if isinstance(value, int | float) else value


def _parse(text: str) -> float:
    if text.lower() in _NOT_FINITE:
        raise _not_a_number()
    if not _DECIMAL.fullmatch(text) or not any(char.isdigit() for char in text):
        raise _invalid_number()
    try:
        return float(text)
    except ValueError:
        raise _invalid_number() from None


def _is_int(value: float) -> bool:
    # Go's float64(int64(v)) == v: integral and inside the int64 range.
    return math.isfinite(value) and value.is_integer() and -_INT64 <= value < _INT64


def _below_min(minimum: float) -> FieldError:
    return FieldError(
        "validation_min_number_constraint",
        f"Must be greater or equal than {go_number(minimum)}.",
        {"min": json_number(minimum)},
    )


def _only_int_error() -> FieldError:
    return FieldError("validation_only_int_constraint", "Decimal numbers are not allowed.")


def _not_a_number() -> FieldError:
    return FieldError("validation_not_a_number", "The submitted number is not properly formatted.")


def _invalid_number() -> FieldError:
    return FieldError("validation_invalid_number", "Must be a valid number.")
