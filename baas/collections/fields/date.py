"""``date``: a UTC datetime with millisecond precision, optionally limited to a range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeEngine

from baas.collections.fields.base import Field, OptionErrors, SettingsContext, required_error
from baas.collections.fields.checks import at_least, at_most, go_rfc3339, go_time
from baas.collections.fields.registry import register
from baas.dates import format_datetime, parse_datetime
from baas.errors import FieldError

__all__ = ["DateField", "read_datetime"]


@register
@dataclass(kw_only=True, eq=False)
class DateField(Field):
    TYPE = "date"

    min: str = ""
    max: str = ""

    def __post_init__(self) -> None:
        # PocketBase answers the options in its own datetime format ("2024-01-01" comes back as
        # "2024-01-01 00:00:00.000Z"); an unreadable value is kept for check_settings to report.
        self.min = _normalized(self.min)
        self.max = _normalized(self.max)

    @property
    def min_datetime(self) -> datetime | None:
        return parse_datetime(self.min) if self.min else None

    @property
    def max_datetime(self) -> datetime | None:
        return parse_datetime(self.max) if self.max else None

    def check_settings(self, context: SettingsContext) -> OptionErrors:
        return {
            option: _invalid_date()
            for option in ("min", "max")
            if getattr(self, option) and parse_datetime(getattr(self, option)) is None
        }

    def column_sql(self) -> str:
        return "timestamptz NULL"

    def sql_type(self) -> TypeEngine[Any]:
        return DateTime(timezone=True)

    def zero(self) -> None:
        return None

    def prepare(self, raw: Any) -> datetime | None:
        return read_datetime(raw)

    def validate(self, value: Any) -> None:
        if value is None:
            if self.required:
                raise required_error()
            return
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise _invalid_date()
        low, high = self.min_datetime, self.max_datetime
        if low is not None and value < low:
            raise at_least(go_rfc3339(low), go_time(low))
        if high is not None and value > high:
            raise at_most(go_rfc3339(high), go_time(high))

    def to_json_value(self, value: Any) -> str:
        return format_datetime(value) if isinstance(value, datetime) else ""


def read_datetime(raw: Any) -> datetime | None:
    """A submitted datetime (string, or an aware datetime from our own code) in the stored form."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime) and raw.tzinfo is not None:
        value = raw.astimezone(UTC)
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    parsed = parse_datetime(raw) if isinstance(raw, str) else None
    if parsed is None:
        raise _invalid_date()
    return parsed


def _normalized(option: str) -> str:
    parsed = parse_datetime(option) if option else None
    return format_datetime(parsed) if parsed else option


def _invalid_date() -> FieldError:
    return FieldError("validation_invalid_date", "Must be a valid date.")
