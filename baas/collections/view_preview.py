"""Run a view query read-only to preview its first rows (the dashboard's view query editor).

The same guards as saving a view (``baas.collections.views``): a read-only transaction, a statement
timeout, and the ``data`` schema first on the search path; nothing the query does can persist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from baas.collections.views import ViewQueryError, normalise_query
from baas.db.tables import DATA_SCHEMA

__all__ = ["QueryPreview", "preview_query"]

_STATEMENT_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class QueryPreview:
    columns: list[str]
    rows: list[list[Any]]


async def preview_query(engine: AsyncEngine, query: str, limit: int = 20) -> QueryPreview:
    """The first ``limit`` rows of ``query``; ``ViewQueryError`` with the database's message if it fails."""
    query = normalise_query(query)
    if not query:
        raise ViewQueryError("The query is empty.")
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            await connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            await connection.exec_driver_sql(f"SET LOCAL statement_timeout = {_STATEMENT_TIMEOUT_MS}")
            await connection.exec_driver_sql(f"SET LOCAL search_path = {DATA_SCHEMA}, pg_catalog")
            result = await connection.exec_driver_sql(f"SELECT * FROM ({query}\n) AS _preview LIMIT {int(limit)}")
            columns = [str(name) for name in result.keys()]  # noqa: SIM118 - a Result, not a dict
            rows = [list(row) for row in result.fetchall()]
        except DBAPIError as exc:
            original = getattr(exc.orig, "__cause__", None) or exc.orig
            raise ViewQueryError(str(original).strip().split("\n")[0] or "invalid query") from exc
        finally:
            await transaction.rollback()
    return QueryPreview(columns=columns, rows=rows)
