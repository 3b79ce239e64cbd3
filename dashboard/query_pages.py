"""The view collection's query editor, with a preview of the rows before saving."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from baas.collections import service
from baas.collections.model import Collection
from baas.collections.rule_check import check_rule
from baas.collections.view_preview import QueryPreview, preview_query
from baas.collections.views import ViewQueryError
from baas.errors import ApiError, NotFoundError, ValidationError
from dashboard.access import SessionDep, runtime_of
from dashboard.common import collection_or_404
from dashboard.errors import field_messages
from dashboard.forms import form_of
from dashboard.sessions import DashboardSession
from dashboard.templating import redirect, render

__all__ = ["query_page", "query_save"]


async def _page(
    request: Request[Any, Any, Any],
    session: DashboardSession,
    target: Collection,
    query: str,
    *,
    preview: QueryPreview | None = None,
    error: str = "",
    status: int = 200,
) -> Template:
    return await render(
        request,
        "collections/query.html.j2",
        session,
        title=f"{target.name} · Query",
        current=target,
        tab="query",
        query=query,
        preview=preview,
        error=error,
        status=status,
    )


def _view_or_404(request: Request[Any, Any, Any], name: str) -> Collection:
    target = collection_or_404(runtime_of(request), name)
    if not target.is_view:
        raise NotFoundError()
    return target


@get("/collections/{collection:str}/query")
async def query_page(request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]) -> Template:
    target = _view_or_404(request, collection)
    preview, error = None, ""
    try:
        preview = await preview_query(runtime_of(request).engine, target.view_query)
    except ViewQueryError as exc:
        error = str(exc)
    return await _page(request, session, target, target.view_query, preview=preview, error=error)


@post("/collections/{collection:str}/query", status_code=200)
async def query_save(request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]) -> Response[Any]:
    runtime = runtime_of(request)
    target = _view_or_404(request, collection)
    form = form_of(request)
    query = form.get("viewQuery")
    if form.get("action") == "preview":
        try:
            preview = await preview_query(runtime.engine, query)
        except ViewQueryError as exc:
            return await _page(request, session, target, query, error=str(exc), status=400)
        return await _page(request, session, target, query, preview=preview)
    try:
        await service.update_collection(runtime.engine, runtime.registry, target.id, {"viewQuery": query}, check_rule)
    except ValidationError as exc:
        messages = field_messages(exc.data)
        text = messages.get("viewQuery") or "; ".join(messages.values()) or exc.message
        return await _page(request, session, target, query, error=text, status=400)
    except ApiError as exc:
        return await _page(request, session, target, query, error=exc.message, status=400)
    return await redirect(request, session, f"/_/collections/{target.name}/query", "The query was saved.")
