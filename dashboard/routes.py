"""The dashboard's routers: public pages (setup, sign-in, static files) and the signed-in pages.

Mounted at ``/_`` by ``baas.app``. Every signed-in route is behind ``session_guard`` (a live superuser
cookie session, and the CSRF token on every POST); the public forms have their own CSRF check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Router, get
from litestar.di import Provide
from litestar.params import FromPath
from litestar.response import Template
from litestar.static_files import create_static_files_router

from baas.errors import NotFoundError
from dashboard import (
    auth_options_pages,
    auth_pages,
    auth_records,
    collections_pages,
    query_pages,
    records_pages,
    rules_pages,
    schema_pages,
    settings_pages,
)
from dashboard.access import (
    EXCEPTION_HANDLERS,
    SessionDep,
    provide_session,
    public_csrf_guard,
    runtime_of,
    session_guard,
)
from dashboard.api_preview import endpoints
from dashboard.common import collection_or_404
from dashboard.templating import render

__all__ = ["dashboard_routers"]

STATIC = Path(__file__).parent / "static"


@get("/collections/{collection:str}/api")
async def api_page(request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]) -> Template:
    target = collection_or_404(runtime_of(request), collection)
    base = str(request.base_url).rstrip("/")
    found = endpoints(target, base)
    chosen = next((e for e in found if e.key == request.query_params.get("endpoint")), found[0])
    return await render(
        request,
        "collections/api.html.j2",
        session,
        title=f"{target.name} · API preview",
        current=target,
        tab="api",
        endpoints=found,
        endpoint=chosen,
        base=base,
    )


@get("/{path:path}")
async def not_found(session: SessionDep, path: FromPath[str]) -> None:
    raise NotFoundError()


_PAGES = [
    collections_pages.home,
    collections_pages.collections_index,
    collections_pages.new_collection_page,
    collections_pages.new_collection,
    collections_pages.collection_home,
    collections_pages.collection_delete_page,
    collections_pages.collection_delete,
    collections_pages.collection_truncate,
    collections_pages.import_export_page,
    collections_pages.export_json,
    collections_pages.import_schema,
    schema_pages.fields_page,
    schema_pages.fields_save,
    schema_pages.indexes_page,
    schema_pages.indexes_save,
    rules_pages.rules_page,
    rules_pages.rules_save,
    rules_pages.rule_check,
    rules_pages.preview_page,
    query_pages.query_page,
    query_pages.query_save,
    api_page,
    records_pages.records_index,
    records_pages.record_new,
    records_pages.record_create,
    records_pages.record_edit,
    records_pages.record_update,
    records_pages.record_delete,
    records_pages.records_delete,
    records_pages.record_search,
    auth_records.record_password,
    auth_records.record_verify,
    auth_records.record_impersonate,
    auth_options_pages.options_page,
    auth_options_pages.options_save,
    settings_pages.settings_home,
    settings_pages.settings_page,
    settings_pages.settings_save,
    settings_pages.settings_test,
    auth_pages.logout,
    not_found,
]


def dashboard_routers() -> list[Router]:
    """The routers to mount: static files, the public pages, and the signed-in pages."""
    static = create_static_files_router(
        path="/_/static", directories=[STATIC], name="dashboard_static", include_in_schema=False
    )
    public = Router(
        path="/_",
        route_handlers=[
            auth_pages.setup_page,
            auth_pages.setup,
            auth_pages.login_page,
            auth_pages.login,
            auth_pages.login_second_factor,
            auth_pages.oauth2_success_page,
            auth_pages.oauth2_failure_page,
        ],
        guards=[public_csrf_guard],
        exception_handlers=EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
    signed_in = Router(
        path="/_",
        route_handlers=_PAGES,
        guards=[session_guard],
        dependencies={"session": Provide(provide_session, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
    return [static, public, signed_in]
