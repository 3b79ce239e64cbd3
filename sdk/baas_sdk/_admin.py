"""Superuser endpoints: collections, settings; and the public health check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ._calls import Call, Flow, call, compact
from ._models import ListResult

__all__ = ["CollectionFlows", "health", "settings_get", "settings_update"]

Collection = dict[str, Any]


class CollectionFlows:
    """``/api/collections``: list, view, create, update, delete, truncate, import, scaffolds."""

    path = "/api/collections"

    def _one(self, id_or_name: str) -> str:
        return f"{self.path}/{quote(id_or_name, safe='')}"

    def get_list(
        self, page: int = 1, per_page: int = 30, *, filter: str | None = None,
        sort: str | None = None, fields: str | None = None, skip_total: bool = False,
    ) -> Flow[ListResult[Collection]]:  # fmt: skip
        params = compact(page=page, perPage=per_page, filter=filter, sort=sort, fields=fields,
                         skipTotal=skip_total or None)  # fmt: skip
        return call(Call("GET", self.path, params=params), ListResult.from_json)

    def get_full_list(self, batch: int = 500, **options: Any) -> Flow[list[Collection]]:
        items: list[Collection] = []
        page = 1
        while True:
            result = yield from self.get_list(page, batch, skip_total=True, **options)
            items.extend(result.items)
            if len(result.items) < batch:
                return items
            page += 1

    def get_one(self, id_or_name: str) -> Flow[Collection]:
        return call(Call("GET", self._one(id_or_name)), dict)

    def create(self, data: Mapping[str, Any]) -> Flow[Collection]:
        return call(Call("POST", self.path, json=dict(data)), dict)

    def update(self, id_or_name: str, data: Mapping[str, Any]) -> Flow[Collection]:
        return call(Call("PATCH", self._one(id_or_name), json=dict(data)), dict)

    def delete(self, id_or_name: str) -> Flow[None]:
        yield Call("DELETE", self._one(id_or_name))

    def truncate(self, id_or_name: str) -> Flow[None]:
        yield Call("DELETE", self._one(id_or_name) + "/truncate")

    def import_collections(self, collections: Sequence[Mapping[str, Any]], delete_missing: bool = False) -> Flow[None]:
        body = {"collections": [dict(item) for item in collections], "deleteMissing": delete_missing}
        yield Call("PUT", self.path + "/import", json=body)

    def get_scaffolds(self) -> Flow[dict[str, Collection]]:
        return call(Call("GET", self.path + "/meta/scaffolds"), dict)


def settings_get() -> Flow[dict[str, Any]]:
    return call(Call("GET", "/api/settings"), dict)


def settings_update(changes: Mapping[str, Any]) -> Flow[dict[str, Any]]:
    return call(Call("PATCH", "/api/settings", json=dict(changes)), dict)


def health() -> Flow[dict[str, Any]]:
    return call(Call("GET", "/api/health"), dict)
