"""``email``: an email address, optionally limited to (or barred from) some domains."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text
from sqlalchemy.types import TypeEngine

from baas.collections.fields.base import Field, OptionErrors, SettingsContext, required_error
from baas.collections.fields.formats import domain_list_errors, is_email
from baas.collections.fields.registry import register
from baas.collections.fields.values import to_text
from baas.errors import FieldError

__all__ = ["EmailField"]


@register
@dataclass(kw_only=True, eq=False)
class EmailField(Field):
    TYPE = "email"

    exceptDomains: list[str] = field(default_factory=list)  # noqa: N815 - the wire name
    onlyDomains: list[str] = field(default_factory=list)  # noqa: N815

    def check_settings(self, context: SettingsContext) -> OptionErrors:
        return domain_list_errors(self.onlyDomains, self.exceptDomains)

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
        if value == "":
            if self.required:
                raise required_error()
            return
        if not is_email(value):
            raise FieldError("validation_is_email", "Must be a valid email address.")
        domain = value.rpartition("@")[2]
        if (self.onlyDomains and domain not in self.onlyDomains) or domain in self.exceptDomains:
            raise FieldError("validation_email_domain_not_allowed", "Email domain is not allowed.")
