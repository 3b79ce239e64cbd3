"""Result types. Records themselves are plain ``dict``s (``Record``), as the server sends them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = ["AuthResult", "BatchResult", "ListResult", "RealtimeEvent", "Record"]

Record = dict[str, Any]
T = TypeVar("T")


@dataclass
class ListResult(Generic[T]):
    """One page of a list: ``total_items``/``total_pages`` are -1 when ``skip_total`` was asked."""

    items: list[T]
    page: int
    per_page: int
    total_items: int
    total_pages: int

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> ListResult[Any]:
        return ListResult(
            items=list(body.get("items") or []),
            page=int(body.get("page", 1)),
            per_page=int(body.get("perPage", 0)),
            total_items=int(body.get("totalItems", -1)),
            total_pages=int(body.get("totalPages", -1)),
        )


@dataclass
class AuthResult:
    """An auth answer: the token, the auth record, and (OAuth2) the provider's ``meta``."""

    token: str
    record: Record
    meta: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> AuthResult:
        return cls(token=str(body["token"]), record=dict(body.get("record") or {}), meta=body.get("meta"))


@dataclass
class BatchResult:
    """One answer inside a batch: its status and decoded body (``None`` for 204)."""

    status: int
    body: Any


@dataclass
class RealtimeEvent:
    """A realtime message: ``topic`` is the subscription it answers (options included).

    For record topics ``action`` is ``create``/``update``/``delete`` and ``record`` the record;
    ``data`` is always the whole decoded message.
    """

    topic: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def action(self) -> str:
        return str(self.data.get("action", ""))

    @property
    def record(self) -> Record:
        record = self.data.get("record")
        return record if isinstance(record, dict) else {}
