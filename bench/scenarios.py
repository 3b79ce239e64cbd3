"""The measured requests. Every one is sent as the seeded user ``user0``, so the collection's list,
view and create rules are compiled and applied on every request (a superuser would skip them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

__all__ = ["NAMES", "Scenario", "build"]

NAMES = ("view", "list_filter_sort", "list_text_filter", "create")


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str  # a "{id}" is replaced by a random visible record id on each request
    body: dict[str, Any] | None = None
    description: str = ""


def _list(collection: str, **query: str) -> str:
    return f"/api/collections/{collection}/records?" + urlencode(query, quote_via=quote)


def build(collection: str, user_id: str) -> list[Scenario]:
    records = f"/api/collections/{collection}/records"
    return [
        Scenario("view", "GET", records + "/{id}", description="view one record by id (1,000 random visible ids)"),
        Scenario(
            "list_filter_sort",
            "GET",
            _list(collection, filter="published=true && views>500", sort="-views", perPage="30"),
            description="filter=published=true && views>500 &sort=-views &perPage=30",
        ),
        Scenario(
            "list_text_filter",
            "GET",
            _list(collection, filter="title ~ 'lorem'", sort="-created", perPage="30"),
            description="filter=title ~ 'lorem' &sort=-created &perPage=30",
        ),
        Scenario(
            "create",
            "POST",
            records,
            body={"title": "created under load", "views": 42, "published": True, "owner": user_id},
            description="create one record (JSON body), createRule checks owner = @request.auth.id",
        ),
    ]
