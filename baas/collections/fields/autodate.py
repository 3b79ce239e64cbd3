"""``autodate``: a datetime the server sets on create and/or update; clients cannot write it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeEngine

from baas import dates
from baas.collections.fields.base import Field, OptionErrors, SettingsContext
from baas.collections.fields.date import read_datetime
from baas.collections.fields.registry import register
from baas.errors import FieldError

__all__ = ["AutodateField"]


@register
@dataclass(kw_only=True, eq=False)
class AutodateField(Field):
    """The record service ignores submitted values and calls :meth:`stamp` before each write.

    ``prepare`` exists for trusted input only (imports, stored values), never for request bodies.
    """

    TYPE = "autodate"
    HAS_REQUIRED = False

    onCreate: bool = False  # noqa: N815 - the wire name
    onUpdate: bool = False  # noqa: N815

    def __post_init__(self) -> None:
        self.required = False
        self.help = ""

    def check_settings(self, context: SettingsContext) -> OptionErrors:
        if self.onCreate or self.onUpdate:
            return {}
        error = FieldError("validation_required", "Either onCreate or onUpdate must be enabled.")
        return {"onCreate": error, "onUpdate": error}

    def column_sql(self) -> str:
        return "timestamptz NULL"

    def sql_type(self) -> TypeEngine[Any]:
        return DateTime(timezone=True)

    def zero(self) -> None:
        return None

    def prepare(self, raw: Any) -> datetime | None:
        return read_datetime(raw)

    def stamp(self, existing: datetime | None, is_create: bool) -> datetime | None:
        """The value to write: now when this write is one the field tracks, else ``existing``.

        Like PocketBase, an ``onUpdate``-only field stays empty until the first update.
        """
        if (self.onCreate and is_create) or (self.onUpdate and not is_create):
            return dates.now()
        return existing

    def validate(self, value: Any) -> None:
        if value is not None and not isinstance(value, datetime):
            raise FieldError("validation_invalid_date", "Must be a valid date.")

    def to_json_value(self, value: Any) -> str:
        return dates.format_datetime(value) if isinstance(value, datetime) else ""
