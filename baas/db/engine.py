"""The SQLAlchemy async engine (asyncpg) for a PostgreSQL URL."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

__all__ = ["asyncpg_dsn", "create_engine", "reading", "sqlalchemy_url"]


def sqlalchemy_url(url: str) -> str:
    """Turn a libpq-style URL (``postgres://``, ``postgresql://``) into SQLAlchemy's asyncpg form."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "postgresql+asyncpg"}:
        raise ValueError(f"unsupported database URL scheme {parts.scheme!r}: use postgresql://")
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        # libpq spells it sslmode; asyncpg takes ssl with the same values.
        query.append(("ssl", value) if key == "sslmode" else (key, value))
    return urlunsplit(("postgresql+asyncpg", parts.netloc, parts.path, urlencode(query), parts.fragment))


def asyncpg_dsn(url: str) -> str:
    """The same URL in the form asyncpg.connect() accepts (for LISTEN connections)."""
    return sqlalchemy_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_recycle=3600,
        echo=echo,
        json_serializer=_json_dumps,
        connect_args={
            # JIT compilation costs more than it saves on short OLTP statements.
            "server_settings": {"application_name": "baas", "jit": "off"},
        },
    )


@contextlib.asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads that write nothing: no ``BEGIN``/``ROLLBACK`` around them.

    Each statement is then its own transaction. Under READ COMMITTED (PostgreSQL's default) every
    statement of a transaction takes its own snapshot anyway, so the reads see the same data; the
    two round trips a request saves are most of the database time of a view by id.
    """
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection
