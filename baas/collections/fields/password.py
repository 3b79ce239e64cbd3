"""``password``: a hash the record service computes (argon2id); the plain text is never stored or shown.

``prepare`` keeps the submitted plain text; the service checks it with :meth:`PasswordField.validate_plain`,
hashes it, and stores the hash, which is what :meth:`PasswordField.validate` sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text
from sqlalchemy.types import TypeEngine

from baas.collections.fields.base import Field, OptionErrors, SettingsContext, required_error
from baas.collections.fields.checks import invalid_regex, is_regex, limit_errors
from baas.collections.fields.registry import register
from baas.collections.fields.values import to_text
from baas.errors import FieldError

__all__ = ["DEFAULT_MAX_LENGTH", "PasswordField"]

# bcrypt's input limit; PocketBase keeps it as the option ceiling and default, and so do we.
DEFAULT_MAX_LENGTH = 71
_MIN_COST, _MAX_COST = 4, 31


@register
@dataclass(kw_only=True, eq=False)
class PasswordField(Field):
    TYPE = "password"

    min: int = 0
    max: int = 0
    pattern: str = ""
    # bcrypt's cost in PocketBase; validated for compatibility, unused by argon2id.
    cost: int = 0

    def check_settings(self, context: SettingsContext) -> OptionErrors:
        errors: dict[str, FieldError] = {}
        checks = {
            "min": limit_errors(self.min, 1, DEFAULT_MAX_LENGTH),
            "max": limit_errors(self.max, self.min, DEFAULT_MAX_LENGTH),
            "cost": limit_errors(self.cost, _MIN_COST, _MAX_COST),
        }
        errors.update({option: error for option, error in checks.items() if error})
        if self.pattern and not is_regex(self.pattern):
            errors["pattern"] = invalid_regex()
        return errors

    def column_sql(self) -> str:
        return "text COLLATE \"C\" NOT NULL DEFAULT ''"

    def sql_type(self) -> TypeEngine[Any]:
        return Text()

    def zero(self) -> str:
        return ""

    def prepare(self, raw: Any) -> str:
        """The submitted plain password as text (not hashed here)."""
        return to_text(raw)

    def validate_plain(self, plain: str) -> None:
        """PocketBase's length (in characters) and pattern checks on a new plain password."""
        if plain == "":
            return
        if len(plain) < self.min:
            raise FieldError("validation_min_text_constraint", f"Must be at least {self.min} character(s).")
        limit = self.max if self.max > 0 else DEFAULT_MAX_LENGTH
        if len(plain) > limit:
            raise FieldError("validation_max_text_constraint", f"Must be less than {limit} character(s).")
        if self.pattern and re.search(self.pattern, plain) is None:
            raise FieldError("validation_invalid_format", "Invalid value format.")

    def validate(self, value: Any) -> None:
        """Checks the stored hash: ``required`` means a password is set."""
        if not isinstance(value, str):
            raise FieldError("validation_invalid_value", "Invalid value.")
        if self.required and value == "":
            raise required_error()

    def to_json_value(self, value: Any) -> str:
        return ""
