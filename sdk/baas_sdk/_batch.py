"""``POST /api/batch``: several record writes in one transaction, built up then sent at once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from ._calls import Call, Flow, compact
from ._files import FileInput
from ._models import BatchResult
from ._records import split_files

__all__ = ["BatchBuilder", "BatchCollection"]


class BatchCollection:
    """The writes of one collection inside a batch."""

    def __init__(self, builder: BatchBuilder, collection: str) -> None:
        self._builder = builder
        self._path = f"/api/collections/{quote(collection, safe='')}/records"

    def create(self, data: Mapping[str, Any], *, expand: str | None = None, fields: str | None = None) -> None:
        self._builder.add("POST", self._path, data, compact(expand=expand, fields=fields))

    def upsert(self, data: Mapping[str, Any], *, expand: str | None = None, fields: str | None = None) -> None:
        """Update the record whose ``id`` is in ``data``, or create it."""
        self._builder.add("PUT", self._path, data, compact(expand=expand, fields=fields))

    def update(
        self, record_id: str, data: Mapping[str, Any], *, expand: str | None = None, fields: str | None = None
    ) -> None:
        path = f"{self._path}/{quote(record_id, safe='')}"
        self._builder.add("PATCH", path, data, compact(expand=expand, fields=fields))

    def delete(self, record_id: str) -> None:
        self._builder.add("DELETE", f"{self._path}/{quote(record_id, safe='')}", None, {})


class BatchBuilder:
    """Collects requests; ``call()`` turns them into the one ``/api/batch`` request."""

    def __init__(self) -> None:
        self._requests: list[dict[str, Any]] = []
        self._files: list[tuple[str, FileInput]] = []

    def __len__(self) -> int:
        return len(self._requests)

    def collection(self, name: str) -> BatchCollection:
        return BatchCollection(self, name)

    def add(self, method: str, path: str, data: Mapping[str, Any] | None, params: Mapping[str, Any]) -> None:
        index = len(self._requests)
        url = path + ("?" + urlencode(params) if params else "")
        request: dict[str, Any] = {"method": method, "url": url}
        if data is not None:
            plain, parts = split_files(data)
            request["body"] = plain
            self._files.extend((f"requests.{index}.{name}", value) for name, value in parts)
        self._requests.append(request)

    def call(self) -> Call:
        body = {"requests": self._requests}
        if self._files:
            return Call("POST", "/api/batch", form={"@jsonPayload": json.dumps(body, default=str)}, files=self._files)
        return Call("POST", "/api/batch", json=body)

    def flow(self) -> Flow[list[BatchResult]]:
        answer = yield self.call()
        return [BatchResult(status=int(item.get("status", 0)), body=item.get("body")) for item in answer or []]
