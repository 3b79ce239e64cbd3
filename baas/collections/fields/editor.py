"""``editor``: rich text (HTML) with a size limit in bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text
from sqlalchemy.types import TypeEngine

from baas.collections.fields.base import MAX_SAFE_INT, Field, OptionErrors, SettingsContext, required_error
from baas.collections.fields.checks import limit_errors
from baas.collections.fields.registry import register
from baas.collections.fields.values import to_text
from baas.errors import FieldError

__all__ = ["DEFAULT_MAX_SIZE", "EditorField"]

DEFAULT_MAX_SIZE = 5 << 20


@register
@dataclass(kw_only=True, eq=False)
class EditorField(Field):
    TYPE = "editor"

    maxSize: int = 0  # noqa: N815 - the wire name
    # The dashboard's editor setting (keep URLs as typed instead of making them relative).
    convertURLs: bool = False  # noqa: N815

    @property
    def max_size(self) -> int:
        return self.maxSize if self.maxSize > 0 else DEFAULT_MAX_SIZE

    def check_settings(self, context: SettingsContext) -> OptionErrors:
        error = limit_errors(self.maxSize, 0, MAX_SAFE_INT)
        return {"maxSize": error} if error else {}

    def column_sql(self) -> str:
        return "text COLLATE \"C\" NOT NULL DEFAULT ''"

    def sql_type(self) -> TypeEngine[Any]:
        return Text()

    def zero(self) -> str:
        return ""

    def prepare(self, raw: Any) -> str:
        return to_text(raw)

    def validate(self, value: Any) -> None:
        if not isinstance(value, str):
            raise FieldError("validation_invalid_value", "Invalid value.")
        if value == "" and self.required:
            raise required_error()
        if len(value.encode("utf-8", "surrogatepass")) > self.max_size:
            raise FieldError(
                "validation_content_size_limit",
                f"The maximum allowed content size is {self.max_size} bytes.",
                {"maxSize": self.max_size},
            )
