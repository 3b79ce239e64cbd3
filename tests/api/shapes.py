"""Bodies and answers the collections API tests share: PocketBase's messages, field JSON, setup calls."""

from __future__ import annotations

from typing import Any

from baas.ids import field_id
from tests.api.scenarios import Call

__all__ = [
    "CREATE_FAILED",
    "ID_FIELD",
    "LOAD_DATA",
    "LOAD_TYPE",
    "UPDATE_FAILED",
    "URL",
    "create",
    "field",
]

URL = "/api/collections"
CREATE_FAILED = {"message": "Failed to create collection.", "status": 400}
UPDATE_FAILED = {"message": "Failed to update collection.", "status": 400}
LOAD_TYPE = {"data": {}, "message": "Failed to load the collection type data due to invalid formatting."}
LOAD_DATA = {"data": {}, "message": "Failed to load the submitted data due to invalid formatting."}

ID_FIELD = {
    "autogeneratePattern": "[a-z0-9]{15}",
    "help": "",
    "hidden": False,
    "id": "text3208210256",
    "max": 15,
    "min": 15,
    "name": "id",
    "pattern": "^[a-z0-9]+$",
    "presentable": False,
    "primaryKey": True,
    "required": True,
    "system": True,
    "type": "text",
}


def field(type_name: str, name: str, **options: Any) -> dict[str, Any]:
    """A field body with PocketBase's deterministic id, so later PATCH bodies can refer to it."""
    return {"id": field_id(type_name, name), "name": name, "type": type_name, **options}


def create(name: str, *fields: dict[str, Any], **extra: Any) -> Call:
    """Setup: create a base collection (``type=`` in ``extra`` for others)."""
    return Call("POST", URL, {"name": name, "fields": list(fields), **extra})
