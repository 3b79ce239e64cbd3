"""``relation``: the id of one record of another collection (``maxSelect`` <= 1) or a list of ids.

A single relation is a nullable text column (NULL = empty) so the DDL layer can give it a foreign key;
a multiple one is a ``text[]``. Whether the ids exist is checked by the record service in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from baas.collections.fields.checks import at_least
from baas.collections.fields.registry import register
from baas.collections.fields.select import apply_list_modifier, as_list, too_many_values
from baas.collections.fields.values import to_string_list
from baas.errors import FieldError

__all__ = ["RelationField", "missing_records_error"]


@register
@dataclass(kw_only=True, eq=False)
class RelationField(Field):
    TYPE = "relation"
    MODIFIERS = frozenset({APPEND, PREPEND, REMOVE})

    collectionId: str = ""  # noqa: N815 - the wire name
    cascadeDelete: bool = False  # noqa: N815
    minSelect: int = 0  # noqa: N815
    maxSelect: int = 0  # noqa: N815

    @property
    def is_multiple(self) -> bool:
        return self.maxSelect > 1

    @property
    def relation_collection_id(self) -> str | None:
        return self.collectionId or None

    def check_settings(self, context: SettingsContext) -> OptionErrors:
        errors: dict[str, FieldError] = {}
        collection_error = self._check_collection(context)
        if collection_error:
            errors["collectionId"] = collection_error
        if self.minSelect < 0:
            errors["minSelect"] = at_least(0)
        if self.minSelect > 0 and self.maxSelect == 0:
            errors["maxSelect"] = required_error()
        elif self.maxSelect != 0 and self.maxSelect < self.minSelect:
            errors["maxSelect"] = at_least(self.minSelect)
        return errors

    def _check_collection(self, context: SettingsContext) -> FieldError | None:
        if not self.collectionId:
            return required_error()
        if self.collectionId == context.collection_id:
            target_type = context.collection_type
        else:
            target = context.find_collection(self.collectionId)
            if target is None or target.id != self.collectionId:
                return FieldError(
                    "validation_field_relation_missing_collection", "The relation collection doesn't exist."
                )
            target_type = target.type
        if target_type == "view" and context.collection_type != "view":
            return FieldError(
                "validation_relation_field_non_view_base_collection",
                "Only view collections are allowed to have relations to other views.",
            )
        return None

    def column_sql(self) -> str:
        return "text[] COLLATE \"C\" NOT NULL DEFAULT '{}'" if self.is_multiple else 'text COLLATE "C" NULL'

    def sql_type(self) -> TypeEngine[Any]:
        return ARRAY(Text()) if self.is_multiple else Text()

    def zero(self) -> str | list[str] | None:
        return [] if self.is_multiple else None

    def prepare(self, raw: Any) -> str | list[str] | None:
        return self._normalize(to_string_list(raw))

    def apply_modifier(self, modifier: str, current: Any, raw: Any) -> str | list[str] | None:
        return self._normalize(apply_list_modifier(modifier, as_list(current), to_string_list(raw)))

    def _normalize(self, ids: list[str]) -> str | list[str] | None:
        if self.is_multiple:
            return ids
        return ids[-1] if ids else None  # a single relation keeps the last id, like PocketBase

    def ids(self, value: Any) -> list[str]:
        """The related ids of a stored value, for existence checks and expansion."""
        return as_list(value)

    def validate(self, value: Any) -> None:
        ids = as_list(value)
        if not ids:
            if self.required:
                raise required_error()
            return
        if self.minSelect > 0 and len(ids) < self.minSelect:
            raise FieldError(
                "validation_not_enough_values",
                f"Select at least {self.minSelect}.",
                {"minSelect": self.minSelect},
            )
        limit = max(self.maxSelect, 1)
        if len(ids) > limit:
            raise too_many_values(limit)

    def is_empty(self, value: Any) -> bool:
        return not as_list(value)

    def to_json_value(self, value: Any) -> Any:
        if self.is_multiple:
            return as_list(value)
        return value if isinstance(value, str) else ""


def missing_records_error() -> FieldError:
    """For the record service, when some submitted ids do not exist in the related collection."""
    return FieldError("validation_missing_rel_records", "Failed to find all relation records with the provided ids.")
