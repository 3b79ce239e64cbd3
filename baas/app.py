"""The composition root: ``create_app(settings)`` wires the pieces together and nothing else.

The database must already be prepared (``baas.bootstrap.prepare_database``): ``baas serve`` does that
before it starts serving.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.di import Provide

from baas.api.dependencies import provide_runtime
from baas.api.errors import EXCEPTION_HANDLERS
from baas.api.headers import SecurityHeadersMiddleware
from baas.api.health import health, health_head
from baas.api.paths import StrictSlashMiddleware
from baas.api.ratelimit import RateLimitMiddleware
from baas.auth.oauth2.routes import oauth2_router
from baas.auth.passwords import PasswordHasher
from baas.auth.routes import auth_router
from baas.collections.registry import CollectionRegistry
from baas.collections.routes import collections_router
from baas.collections.service import COLLECTIONS_TOPIC
from baas.config import Settings, load_settings
from baas.db.engine import create_engine
from baas.db.notify import ChangeListener
from baas.events import EventBus
from baas.files.backends import StorageSelector
from baas.files.routes import files_router
from baas.files.store import FileStore
from baas.files.sweeper import Sweeper
from baas.files.thumbnailer import Thumbnailer
from baas.mail.routes import mail_router
from baas.mail.worker import MailWorker
from baas.realtime import Realtime
from baas.realtime.routes import oauth2_redirect, realtime_router
from baas.records.routes import batch_router, records_router
from baas.runtime import Runtime
from baas.settings.routes import settings_router
from baas.settings.store import SETTINGS_TOPIC, SettingsStore
from dashboard import DashboardHeadersMiddleware, dashboard_routers, template_config

__all__ = ["create_app", "create_app_from_environment"]


def create_app_from_environment() -> Litestar:
    """The app of one worker process of ``baas serve --workers N``: settings from ``BAAS_*``
    variables, which the serving process set (the database URL included)."""
    return create_app(load_settings(os.environ))


def create_app(settings: Settings) -> Litestar:
    if not settings.database_url:
        raise ValueError("create_app needs settings.database_url (baas serve provides one)")
    database_url = settings.database_url

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(database_url, pool_size=settings.db_pool_size)
        registry = CollectionRegistry()
        listener = ChangeListener(database_url)
        mail_worker = MailWorker(engine, listener)
        bus = EventBus()
        realtime = Realtime(settings, engine, registry)
        realtime.attach(bus, listener)

        async def reload_collections(_data: Any) -> None:
            await registry.reload(engine)
            await app_settings.reload(engine)

        app_settings = SettingsStore()
        files = FileStore(
            engine,
            StorageSelector(settings.data_dir / "storage", lambda: app_settings.current["s3"]),
            Thumbnailer(workers=settings.thumb_workers or None),
        )
        sweeper = Sweeper(files, interval=settings.files_sweep_interval, grace=settings.files_gc_grace)

        async def reload_settings(_data: Any) -> None:
            await app_settings.reload(engine)

        listener.subscribe(COLLECTIONS_TOPIC, reload_collections)
        listener.subscribe(SETTINGS_TOPIC, reload_settings)
        try:
            if settings.listen_for_changes:
                await listener.start()
            await registry.reload(engine)
            await app_settings.reload(engine)
            app.state.runtime = Runtime(
                settings=settings,
                engine=engine,
                registry=registry,
                hasher=PasswordHasher(settings.password_hashing),
                bus=bus,
                app_settings=app_settings,
                files=files,
            )
            await realtime.start()
            app.state.realtime = realtime
            mail_worker.start()
            sweeper.start()
            yield
        finally:
            await sweeper.stop()
            await realtime.stop()
            await mail_worker.stop()
            await listener.stop()
            await engine.dispose()

    app = Litestar(
        route_handlers=[
            health,
            health_head,
            collections_router,
            auth_router,
            oauth2_router,
            records_router,
            batch_router,
            settings_router,
            realtime_router,
            oauth2_redirect,
            mail_router,
            files_router,
            *dashboard_routers(),
        ],
        lifespan=[lifespan],
        dependencies={"runtime": Provide(provide_runtime, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        # The dashboard's headers (inner) win over the API's defaults on /_ paths.
        middleware=[SecurityHeadersMiddleware, RateLimitMiddleware, DashboardHeadersMiddleware],
        template_config=template_config(),
        cors_config=CORSConfig(
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"],
            allow_headers=["*"],
        ),
        request_max_body_size=settings.max_body_size,
        openapi_config=None,
        debug=False,
    )
    # Before routing: Litestar would match /api/x/ like /api/x.
    app.asgi_handler = StrictSlashMiddleware(app.asgi_handler)
    return app
