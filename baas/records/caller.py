"""The caller of a records request, as the rules see it (``@request.*``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from baas.auth.identity import Identity
from baas.rules import AuthInfo, RequestInfo, normalize_header_name

__all__ = ["Caller"]


@dataclass(frozen=True)
class Caller:
    identity: Identity | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str = "GET"
    context: str = "default"

    @property
    def is_superuser(self) -> bool:
        return self.identity is not None and self.identity.is_superuser

    def owns(self, collection_id: str, record_id: str) -> bool:
        return (
            self.identity is not None and self.identity.collection.id == collection_id and self.identity.id == record_id
        )

    def request_info(self, body: Mapping[str, Any] | None = None, *, method: str | None = None) -> RequestInfo:
        auth = None
        if self.identity is not None:
            auth = AuthInfo(collection=self.identity.collection, record=self.identity.record)
        return RequestInfo(
            auth=auth,
            body=dict(body or {}),
            query=dict(self.query),
            headers={normalize_header_name(k): v for k, v in self.headers.items()},
            method=method or self.method,
            context=self.context,
            is_superuser=self.is_superuser,
        )
