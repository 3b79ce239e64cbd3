"""The collection model: what a collection is, and its JSON forms (stored, and as the API serves it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.sql.expression import TableClause

from baas.collections.auth_options import AUTH_OPTION_KEYS, public_auth_options
from baas.collections.fields import Field, field_from_json
from baas.dates import format_datetime
from baas.rules.tables import table_for

__all__ = ["COLLECTION_TYPES", "RULE_NAMES", "Collection"]

COLLECTION_TYPES = ("base", "auth", "view")
RULE_NAMES = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")


@dataclass(eq=False)
class Collection:
    id: str
    name: str
    type: str
    system: bool = False
    fields: list[Field] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    rules: dict[str, str | None] = field(default_factory=lambda: dict.fromkeys(RULE_NAMES))
    view_query: str = ""
    # auth collections only: authRule, manageRule, token settings, templates, ... (with secrets)
    auth_options: dict[str, Any] = field(default_factory=dict)
    created: datetime | None = None
    updated: datetime | None = None

    # ----- lookups ---------------------------------------------------------------------------------

    @property
    def is_auth(self) -> bool:
        return self.type == "auth"

    @property
    def is_view(self) -> bool:
        return self.type == "view"

    def get_field(self, name: str) -> Field | None:
        for item in self.fields:
            if item.name == name:
                return item
        return None

    def get_field_by_id(self, field_id: str) -> Field | None:
        for item in self.fields:
            if item.id == field_id:
                return item
        return None

    @property
    def list_rule(self) -> str | None:
        return self.rules["listRule"]

    @property
    def view_rule(self) -> str | None:
        return self.rules["viewRule"]

    @property
    def create_rule(self) -> str | None:
        return self.rules["createRule"]

    @property
    def update_rule(self) -> str | None:
        return self.rules["updateRule"]

    @property
    def delete_rule(self) -> str | None:
        return self.rules["deleteRule"]

    @property
    def table(self) -> TableClause:
        """The SQLAlchemy table of the collection's data (the same object the rules compiler uses)."""
        return table_for(self)

    # ----- JSON ------------------------------------------------------------------------------------

    def to_json(self, *, include_secrets: bool = False) -> dict[str, Any]:
        """The API form (``include_secrets`` only for storage)."""
        body: dict[str, Any] = {"id": self.id}
        body.update(self.rules)
        body.update(name=self.name, type=self.type, fields=[f.to_json() for f in self.fields])
        body["indexes"] = list(self.indexes)
        body.update(created=format_datetime(self.created), updated=format_datetime(self.updated))
        body["system"] = self.system
        if self.is_auth:
            body.update(self.auth_options if include_secrets else public_auth_options(self.auth_options))
        if self.is_view:
            body["viewQuery"] = self.view_query
        return body

    @classmethod
    def from_json(
        cls, doc: Mapping[str, Any], *, created: datetime | None = None, updated: datetime | None = None
    ) -> Collection:
        """Rebuild from a document produced by ``to_json`` (storage or an already validated body)."""
        collection = cls(
            id=doc["id"],
            name=doc["name"],
            type=doc["type"],
            system=bool(doc.get("system", False)),
            fields=[field_from_json(item) for item in doc.get("fields", [])],
            indexes=list(doc.get("indexes", [])),
            rules={name: doc.get(name) for name in RULE_NAMES},
            view_query=doc.get("viewQuery", "") or "",
            created=created,
            updated=updated,
        )
        if collection.is_auth:
            collection.auth_options = {key: doc[key] for key in AUTH_OPTION_KEYS if key in doc}
        return collection
