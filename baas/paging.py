"""``page``/``perPage``/``skipTotal`` query parameters and the paginated list envelope."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from baas.errors import BadRequestError

__all__ = ["DEFAULT_PER_PAGE", "MAX_PER_PAGE", "Paging", "list_envelope", "parse_paging"]

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int
    skip_total: bool

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def _int(raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise BadRequestError() from exc


_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


def _bool(raw: str | None) -> bool:
    """Go's strconv.ParseBool, which PocketBase uses: anything else is a 400."""
    if raw is None or raw == "":
        return False
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise BadRequestError()


def parse_paging(query: Mapping[str, str]) -> Paging:
    page = max(_int(query.get("page"), 1), 1)
    per_page = _int(query.get("perPage"), DEFAULT_PER_PAGE)
    if per_page <= 0:
        per_page = DEFAULT_PER_PAGE
    per_page = min(per_page, MAX_PER_PAGE)
    # Offsets past this are never useful and would make PostgreSQL scan needlessly.
    if page > 10_000_000:
        raise BadRequestError()
    skip = _bool(query.get("skipTotal"))
    return Paging(page=page, per_page=per_page, skip_total=skip)


def list_envelope(items: list[Any], paging: Paging, total: int | None) -> dict[str, Any]:
    if total is None:
        total_items = total_pages = -1
    else:
        total_items = total
        total_pages = (total + paging.per_page - 1) // paging.per_page
    return {
        "items": items,
        "page": paging.page,
        "perPage": paging.per_page,
        "totalItems": total_items,
        "totalPages": total_pages,
    }
