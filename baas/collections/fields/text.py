"""``text``: a plain string, optionally with length limits, a pattern and an autogenerate pattern."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text
from sqlalchemy.types import TypeEngine

from baas.collections.fields.base import MAX_SAFE_INT, Field, SettingsContext, required_error
from baas.collections.fields.checks import limit_errors
from baas.collections.fields.registry import register
from baas.collections.fields.values import to_text
from baas.errors import FieldError
from baas.ids import PatternError, generate_from_pattern

__all__ = ["DEFAULT_MAX_LENGTH", "TextField"]

DEFAULT_MAX_LENGTH = 5000
# Primary keys end up in file paths and URLs.
_FORBIDDEN_PK_CHARS = ("/", "\\")


@register
@dataclass(kw_only=True, eq=False)
class TextField(Field):
    TYPE = "text"
    MODIFIERS = frozenset({":autogenerate"})

    min: int = 0
    max: int = 0
    pattern: str = ""
    autogeneratePattern: str = ""  # noqa: N815 - the wire name
    primaryKey: bool = False  # noqa: N815

    def check_settings(self, context: SettingsContext) -> dict[str, FieldError]:
        errors: dict[str, FieldError] = {}
        if self.primaryKey and self.name != "id":
            errors["name"] = FieldError("validation_in_invalid", 'The primary key must be named "id".')
        # Like PocketBase, a zero limit is "unset" and never checked (min 10 with max 0 is fine).
        for option, low in (("min", 0), ("max", self.min)):
            error = limit_errors(getattr(self, option), low, MAX_SAFE_INT)
            if error:
                errors[option] = error
        for option in ("pattern", "autogeneratePattern"):
            value = getattr(self, option)
            if value and not _is_regex(value):
                errors[option] = FieldError("validation_invalid_regex", "Invalid regular expression format.")
        if self.primaryKey and not self.pattern:
            errors["pattern"] = required_error()
        if self.primaryKey and self.hidden:
            errors["hidden"] = FieldError("validation_empty", "Must be blank.")
        if self.primaryKey and not self.required:
            errors["required"] = required_error()
        if self.autogeneratePattern and "autogeneratePattern" not in errors:
            problem = self._check_autogenerate()
            if problem:
                errors["autogeneratePattern"] = problem
        return errors

    def _check_autogenerate(self) -> FieldError | None:
        for _ in range(10):
            try:
                sample = generate_from_pattern(self.autogeneratePattern)
            except PatternError as exc:
                return FieldError("validation_invalid_autogenerate_pattern", str(exc))
            try:
                self.validate(sample)
            except FieldError:
                return FieldError(
                    "validation_invalid_autogenerate_pattern_value",
                    f"The provided autogenerate pattern could produce invalid field values, ex.: {sample!r}",
                )
        return None

    def column_sql(self) -> str:
        if self.primaryKey:
            return 'text COLLATE "C" PRIMARY KEY'
        return "text COLLATE \"C\" NOT NULL DEFAULT ''"

    def sql_type(self) -> TypeEngine[Any]:
        return Text()

    def zero(self) -> str:
        return ""

    def prepare(self, raw: Any) -> str:
        return to_text(raw)

    def apply_modifier(self, modifier: str, current: Any, raw: Any) -> str:
        if modifier != ":autogenerate":
            raise NotImplementedError(modifier)
        return self.prepare(raw) + self.autogenerate() if self.autogeneratePattern else self.prepare(raw)

    def autogenerate(self) -> str:
        return generate_from_pattern(self.autogeneratePattern) if self.autogeneratePattern else ""

    def validate(self, value: Any) -> None:
        if not isinstance(value, str):
            raise FieldError("validation_invalid_value", "Invalid value.")
        if (self.required or self.primaryKey) and value == "":
            raise required_error()
        if value == "":
            return
        if self.primaryKey:
            for char in _FORBIDDEN_PK_CHARS:
                if char in value:
                    raise FieldError(
                        "validation_pk_forbidden",
                        "The record primary key contains forbidden characters.",
                        {"forbidden": char},
                    )
        length = len(value)
        if self.min > 0 and length < self.min:
            raise FieldError(
                "validation_min_text_constraint",
                f"Must be at least {self.min} character(s).",
                {"min": self.min},
            )
        limit = self.max or DEFAULT_MAX_LENGTH
        if length > limit:
            raise FieldError(
                "validation_max_text_constraint",
                f"Must be no more than {limit} character(s).",
                {"max": limit},
            )
        if self.pattern and not _matches(self.pattern, value):
            raise FieldError("validation_invalid_format", "Invalid value format.")


def _is_regex(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _matches(pattern: str, value: str) -> bool:
    # Go's regexp.MatchString finds a match anywhere, like re.search.
    return re.search(pattern, value) is not None
