"""The ``baas`` command line: serve, migrate, superuser."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from baas.config import Settings, load_settings
from baas.db.embedded import DataDirLock, DataDirLockedError, EmbeddedPostgres, EmbeddedPostgresError

__all__ = ["app", "main"]

app = typer.Typer(help="baas: a Backend-as-a-Service on PostgreSQL.", no_args_is_help=True, add_completion=False)
superuser_app = typer.Typer(help="Manage superusers.", no_args_is_help=True)
app.add_typer(superuser_app, name="superuser")
files_app = typer.Typer(help="Manage stored files.", no_args_is_help=True)
app.add_typer(files_app, name="files")

T = TypeVar("T")

DirOption = Annotated[Path | None, typer.Option("--dir", help="Data directory (default ./baas_data).")]


def _settings(data_dir: Path | None, **overrides: object) -> Settings:
    return load_settings(os.environ, data_dir=data_dir, **overrides)


def _fail(message: str) -> typer.Exit:
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


@contextmanager
def _database(settings: Settings, *, own: bool) -> Iterator[Settings]:
    """Settings with a database URL: the external one, or the embedded cluster of the data directory.

    ``own``: this process must own the data directory (``serve``); otherwise it borrows the cluster of
    a running server, or starts and stops it itself when nobody runs it.
    """
    if settings.database_url:
        yield settings
        return
    data_dir = settings.data_dir.absolute()
    lock = DataDirLock(data_dir)
    pg = EmbeddedPostgres(data_dir / "pg")
    owner = lock.try_acquire()
    if own and not owner:
        raise _fail(f"the data directory {data_dir} is already used by another baas server")
    try:
        started = False
        if owner:
            started = pg.ensure_running()
        else:
            pg.wait_until_running()
        try:
            yield settings.replace(database_url=pg.url())
        finally:
            if owner and (started or own):
                pg.stop()
    except (EmbeddedPostgresError, DataDirLockedError) as exc:
        raise _fail(str(exc)) from exc
    finally:
        if owner:
            lock.release()


def _run(coroutine_factory: Callable[[], Awaitable[T]]) -> T:
    async def runner() -> T:
        return await coroutine_factory()

    return asyncio.run(runner())


@app.command()
def serve(
    data_dir: DirOption = None,
    http: Annotated[str, typer.Option("--http", help="Address to listen on, host:port.")] = "127.0.0.1:8090",
    origins: Annotated[str | None, typer.Option("--origins", help="Allowed CORS origins, comma separated.")] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, max=64, envvar="BAAS_WORKERS", help="Server processes sharing the port (one per core)."
        ),
    ] = 1,
) -> None:
    """Run the server (with an embedded PostgreSQL unless BAAS_DATABASE_URL is set)."""
    host, _, port_text = http.rpartition(":")
    if not host or not port_text.isdigit():
        raise _fail(f"--http must look like 127.0.0.1:8090, got {http!r}")
    cors = tuple(o.strip() for o in origins.split(",")) if origins else None
    settings = _settings(data_dir, http_host=host, http_port=int(port_text), cors_origins=cors)
    with _database(settings, own=True) as ready:
        installed = _run(lambda: _prepare(ready))
        # ``settings``, not ``ready``: the latter always has a database URL, the embedded one too.
        _announce(settings, installed, _run(lambda: _setup_link(ready)), workers)
        if workers == 1:
            _serve_here(ready)
        else:
            _serve_in_workers(ready, workers)


# Open realtime streams would otherwise hold a shutdown until they time out.
_SERVER_OPTIONS: dict[str, Any] = {"timeout_graceful_shutdown": 5}


def _serve_here(settings: Settings) -> None:
    import uvicorn

    from baas.api.server import server_config
    from baas.app import create_app

    config = server_config(create_app(settings), settings.http_host, settings.http_port, **_SERVER_OPTIONS)
    server = uvicorn.Server(config)
    # Stop serving on SIGTERM as on Ctrl-C; the embedded database is stopped afterwards.
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    server.run()


def _serve_in_workers(settings: Settings, workers: int) -> None:
    """``workers`` processes accept on one socket; each is a whole baas server (pool, realtime,
    background jobs), and they work together through the database as separate servers do."""
    import uvicorn

    from baas.api.server import server_options

    assert settings.database_url
    # The workers build their settings from the environment (baas.app.create_app_from_environment).
    os.environ.update(
        BAAS_DATABASE_URL=settings.database_url,
        BAAS_DATA_DIR=str(settings.data_dir.absolute()),
        BAAS_CORS_ORIGINS=",".join(settings.cors_origins),
    )
    uvicorn.run(
        "baas.app:create_app_from_environment",
        factory=True,
        host=settings.http_host,
        port=settings.http_port,
        workers=workers,
        **server_options(),
        **_SERVER_OPTIONS,
    )


def _announce(settings: Settings, installed: bool, setup_link: str | None = None, workers: int = 1) -> None:
    url = f"http://{settings.http_host}:{settings.http_port}"
    where = (
        "external PostgreSQL (BAAS_DATABASE_URL)"
        if not settings.uses_embedded_database
        else (f"embedded PostgreSQL in {settings.data_dir.absolute() / 'pg'}")
    )
    typer.echo(f"baas is serving {url}")
    typer.echo(f"  REST API:  {url}/api/")
    typer.echo(f"  dashboard: {url}/_/")
    typer.echo(f"  data:      {where}")
    if workers > 1:
        typer.echo(f"  workers:   {workers} processes")
    if setup_link:
        typer.echo("  No superuser yet: open this one-time link (valid for an hour) to create one:")
        typer.echo(f"    {setup_link}")
        typer.echo(f"  or run: baas superuser upsert EMAIL PASSWORD --dir {settings.data_dir}")
    elif installed:
        typer.echo("  First start: create a superuser with")
        typer.echo(f"    baas superuser upsert EMAIL PASSWORD --dir {settings.data_dir}")


async def _setup_link(settings: Settings) -> str | None:
    """The dashboard's first-run link when no superuser exists (a new token on every start)."""
    from baas.collections.registry import CollectionRegistry
    from baas.db.engine import create_engine
    from dashboard.setup import setup_link

    assert settings.database_url
    engine = create_engine(settings.database_url, pool_size=2)
    try:
        schema = await CollectionRegistry().reload(engine)
        host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::", "") else settings.http_host  # noqa: S104
        return await setup_link(engine, schema, f"http://{host}:{settings.http_port}")
    finally:
        await engine.dispose()


async def _prepare(settings: Settings) -> bool:
    from baas.bootstrap import prepare_database
    from baas.db.engine import create_engine

    assert settings.database_url
    engine = create_engine(settings.database_url, pool_size=2)
    try:
        return await prepare_database(engine)
    finally:
        await engine.dispose()


@app.command()
def migrate(data_dir: DirOption = None) -> None:
    """Apply the system migrations (schema baas) and install the system collections."""
    with _database(_settings(data_dir), own=False) as ready:
        installed = _run(lambda: _prepare(ready))
    typer.echo("migrations applied" + (" and system collections installed" if installed else ""))


@superuser_app.command("upsert")
def superuser_upsert(email: str, password: str, data_dir: DirOption = None) -> None:
    """Create a superuser, or set the password of an existing one."""
    from baas.errors import ValidationError

    with _database(_settings(data_dir), own=False) as ready:
        try:
            outcome = _run(lambda: _upsert(ready, email, password))
        except ValidationError as exc:
            details = "; ".join(f"{k}: {v['message']}" for k, v in exc.data.items())
            raise _fail(f"invalid superuser: {details}") from exc
    typer.echo(f"superuser {email} {outcome}")


async def _upsert(settings: Settings, email: str, password: str) -> str:
    from baas.auth.passwords import PasswordHasher
    from baas.auth.service import upsert_superuser
    from baas.collections.registry import CollectionRegistry
    from baas.db.engine import create_engine

    assert settings.database_url
    await _prepare(settings)
    engine = create_engine(settings.database_url, pool_size=2)
    try:
        registry = CollectionRegistry()
        schema = await registry.reload(engine)
        return await upsert_superuser(engine, schema, PasswordHasher(settings.password_hashing), email, password)
    finally:
        await engine.dispose()


@files_app.command("gc")
def files_gc(
    data_dir: DirOption = None,
    grace: Annotated[
        float | None,
        typer.Option(
            "--grace",
            help="Only delete what is older than this many seconds (default BAAS_FILES_GC_GRACE, 3600).",
        ),
    ] = None,
    scan: Annotated[bool, typer.Option("--scan/--no-scan", help="Also scan the whole storage.")] = True,
) -> None:
    """Delete stored files that no record references (interrupted uploads, deleted records' files)."""
    settings = _settings(data_dir, listen_for_changes=False)
    with _database(settings, own=False) as ready:
        lines = _run(lambda: _files_gc(ready, settings.files_gc_grace if grace is None else grace, scan))
    for line in lines:
        typer.echo(line)


async def _files_gc(settings: Settings, grace: float, scan: bool) -> list[str]:
    from baas.collections.registry import CollectionRegistry
    from baas.db.engine import create_engine
    from baas.files.backends import StorageSelector
    from baas.files.gc import scan as scan_storage
    from baas.files.store import FileStore
    from baas.settings.store import SettingsStore

    assert settings.database_url
    engine = create_engine(settings.database_url, pool_size=2)
    try:
        schema = await CollectionRegistry().reload(engine)
        app_settings = SettingsStore()
        await app_settings.reload(engine)
        store = FileStore(engine, StorageSelector(settings.data_dir / "storage", lambda: app_settings.current["s3"]))
        swept = await store.sweep(grace)
        lines = [
            f"journal: {swept.expired} expired upload(s), {swept.deleted} object(s) deleted, {swept.failed} failed"
        ]
        if scan:
            found = await scan_storage(engine, schema, store.storage, grace)
            lines.append(
                f"scan ({store.storage.name}): {found.scanned} object(s) seen, {len(found.deleted)} deleted, "
                f"{found.kept_recent} younger than {grace:g} s kept"
            )
            lines += [f"  deleted {key}" for key in found.deleted]
        return lines
    finally:
        await engine.dispose()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
