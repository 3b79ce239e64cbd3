"""Process settings: read once from the environment (and CLI flags) and passed down explicitly.

Nothing in baas reads the environment at import time; ``load_settings`` is the one place that does.
Settings that an operator changes at runtime (SMTP, S3, rate limits, ...) are not here: they live in the
database and are served by ``/api/settings``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["PasswordHashing", "Settings", "load_settings"]


@dataclass(frozen=True)
class PasswordHashing:
    """argon2id cost parameters (RFC 9106 "second recommended option" by default)."""

    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("baas_data")
    database_url: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 8090
    db_pool_size: int = 10
    max_body_size: int = 32 * 1024 * 1024
    cors_origins: tuple[str, ...] = ("*",)
    password_hashing: PasswordHashing = field(default_factory=PasswordHashing)
    # Listen for other processes' schema/settings changes on PostgreSQL NOTIFY. Always on in servers;
    # one-shot CLI commands turn it off.
    listen_for_changes: bool = True
    # Realtime (SSE), in seconds: a stream closes after this long without a message, and in any case
    # at this age (clients reconnect); quiet streams get a comment line this often for proxies. A client
    # with more than ``realtime_client_queue`` undelivered messages is disconnected.
    realtime_idle_timeout: float = 300.0
    realtime_max_connection_age: float = 1800.0
    realtime_ping_interval: float = 25.0
    realtime_client_queue: int = 1000
    # Files (docs/files.md): the server sweeps the file journal this often, in seconds; an upload not
    # claimed by a committed record after ``files_gc_grace`` seconds is deleted. At most
    # ``thumb_workers`` thumbs are generated at once (0: CPU count + 2).
    files_sweep_interval: float = 300.0
    files_gc_grace: float = 3600.0
    thumb_workers: int = 0

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {raw!r}")
    return value


def load_settings(environ: Mapping[str, str], **overrides: Any) -> Settings:
    """Build settings from environment variables (``BAAS_*``), then apply explicit overrides.

    Overrides with the value ``None`` are ignored, so CLI options that were not given fall back to the
    environment and then to the defaults.
    """
    hashing = PasswordHashing(
        time_cost=_int(environ, "BAAS_ARGON2_TIME_COST", PasswordHashing.time_cost),
        memory_cost_kib=_int(environ, "BAAS_ARGON2_MEMORY_KIB", PasswordHashing.memory_cost_kib),
        parallelism=_int(environ, "BAAS_ARGON2_PARALLELISM", PasswordHashing.parallelism),
    )
    origins = environ.get("BAAS_CORS_ORIGINS", "*")
    settings = Settings(
        data_dir=Path(environ.get("BAAS_DATA_DIR") or "baas_data"),
        database_url=environ.get("BAAS_DATABASE_URL") or None,
        db_pool_size=_int(environ, "BAAS_DB_POOL_SIZE", 10),
        max_body_size=_int(environ, "BAAS_MAX_BODY_SIZE", 32 * 1024 * 1024),
        cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        password_hashing=hashing,
        realtime_idle_timeout=_seconds(environ, "BAAS_REALTIME_IDLE_TIMEOUT", 300.0),
        realtime_max_connection_age=_seconds(environ, "BAAS_REALTIME_MAX_AGE", 1800.0),
        realtime_ping_interval=_seconds(environ, "BAAS_REALTIME_PING_INTERVAL", 25.0),
        realtime_client_queue=max(1, _int(environ, "BAAS_REALTIME_QUEUE_SIZE", 1000)),
        files_sweep_interval=_seconds(environ, "BAAS_FILES_SWEEP_INTERVAL", 300.0),
        files_gc_grace=_seconds(environ, "BAAS_FILES_GC_GRACE", 3600.0),
        thumb_workers=max(0, _int(environ, "BAAS_THUMB_WORKERS", 0)),
    )
    given = {key: value for key, value in overrides.items() if value is not None}
    return settings.replace(**given) if given else settings
