"""The collections list, creating and deleting collections, and schema import/export."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from baas.collections import service
from baas.collections.rule_check import check_rule
from baas.collections.scaffolds import id_field
from baas.errors import ApiError, ValidationError
from baas.records.cascade import truncate_collection
from dashboard.access import SessionDep, runtime_of
from dashboard.common import collection_or_404, record_count
from dashboard.errors import field_messages
from dashboard.forms import form_of
from dashboard.templating import redirect, render

__all__ = [
    "collection_delete",
    "collection_delete_page",
    "collection_home",
    "collection_truncate",
    "collections_index",
    "export_json",
    "import_export_page",
    "import_schema",
    "new_collection",
    "new_collection_page",
]


@get("/")
async def home() -> Response[Any]:
    return Response(None, status_code=303, headers={"Location": "/_/collections"})


@get("/collections")
async def collections_index(request: Request[Any, Any, Any], session: SessionDep) -> Template:
    runtime = runtime_of(request)
    rows = []
    for collection in sorted(runtime.registry.schema, key=lambda c: (c.system, c.name.lower())):
        rows.append({"collection": collection, "count": await record_count(runtime, session, collection)})
    return await render(request, "collections/index.html.j2", session, title="Collections", rows=rows)


def _autodates() -> list[dict[str, Any]]:
    return [
        {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
        {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
    ]


@get("/collections/new")
async def new_collection_page(request: Request[Any, Any, Any], session: SessionDep) -> Template:
    kind = request.query_params.get("type", "base")
    return await render(
        request,
        "collections/new.html.j2",
        session,
        title="New collection",
        values={"name": "", "type": kind if kind in ("base", "auth", "view") else "base", "viewQuery": ""},
        errors={},
        error="",
    )


@post("/collections/new", status_code=200)
async def new_collection(request: Request[Any, Any, Any], session: SessionDep) -> Response[Any]:
    runtime = runtime_of(request)
    form = form_of(request)
    values = {"name": form.get("name").strip(), "type": form.get("type", "base"), "viewQuery": form.get("viewQuery")}
    body: dict[str, Any] = {"name": values["name"], "type": values["type"]}
    if values["type"] == "view":
        body["viewQuery"] = values["viewQuery"]
    else:
        body["fields"] = [id_field(), *_autodates()]
    try:
        created = await service.create_collection(runtime.engine, runtime.registry, body, check_rule)
    except ValidationError as exc:
        return await render(
            request,
            "collections/new.html.j2",
            session,
            title="New collection",
            values=values,
            errors=field_messages(exc.data),
            error=exc.message,
            status=400,
        )
    except ApiError as exc:
        return await render(
            request,
            "collections/new.html.j2",
            session,
            title="New collection",
            values=values,
            errors={},
            error=exc.message,
            status=400,
        )
    if created.is_view:
        return await redirect(
            request, session, f"/_/collections/{created.name}/records", f"View collection {created.name} created."
        )
    return await redirect(
        request,
        session,
        f"/_/collections/{created.name}/fields",
        f"Collection {created.name} created. Now add its fields.",
    )


@get("/collections/{collection:str}")
async def collection_home(collection: FromPath[str]) -> Response[Any]:
    return Response(None, status_code=303, headers={"Location": f"/_/collections/{collection}/records"})


@get("/collections/{collection:str}/delete")
async def collection_delete_page(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]
) -> Template:
    runtime = runtime_of(request)
    target = collection_or_404(runtime, collection)
    references = sorted({c.name for c, _ in runtime.registry.schema.references_to(target.id) if c.id != target.id})
    return await render(
        request,
        "collections/danger.html.j2",
        session,
        title=f"{target.name} · Danger zone",
        current=target,
        tab="danger",
        count=await record_count(runtime, session, target),
        references=references,
    )


@post("/collections/{collection:str}/delete", status_code=200)
async def collection_delete(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]
) -> Response[Any]:
    runtime = runtime_of(request)
    target = collection_or_404(runtime, collection)
    if form_of(request).get("confirm_name") != target.name:
        return await redirect(
            request, session, f"/_/collections/{target.name}/delete", "Type the collection's name to confirm.", "error"
        )
    try:
        await service.delete_collection(runtime.engine, runtime.registry, target.id)
    except ApiError as exc:
        return await redirect(request, session, f"/_/collections/{target.name}/delete", exc.message, "error")
    return await redirect(request, session, "/_/collections", f"Collection {target.name} deleted.")


@post("/collections/{collection:str}/truncate", status_code=200)
async def collection_truncate(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]
) -> Response[Any]:
    runtime = runtime_of(request)
    target = collection_or_404(runtime, collection)
    if form_of(request).get("confirm_name") != target.name:
        return await redirect(
            request, session, f"/_/collections/{target.name}/delete", "Type the collection's name to confirm.", "error"
        )
    try:
        await truncate_collection(runtime.engine, runtime.registry, target.id)
    except ApiError as exc:
        return await redirect(request, session, f"/_/collections/{target.name}/delete", exc.message, "error")
    return await redirect(
        request, session, f"/_/collections/{target.name}/records", f"Every record of {target.name} was deleted."
    )


def _export(request: Request[Any, Any, Any]) -> str:
    schema = runtime_of(request).registry.schema
    return json.dumps([c.to_json() for c in schema], indent=2, ensure_ascii=False)


@get("/import-export")
async def import_export_page(request: Request[Any, Any, Any], session: SessionDep) -> Template:
    return await render(
        request,
        "collections/import_export.html.j2",
        session,
        title="Import / export",
        exported=_export(request),
        submitted="",
        delete_missing=False,
        error="",
        details={},
    )


@get("/export.json")
async def export_json(request: Request[Any, Any, Any], session: SessionDep) -> Response[str]:
    return Response(
        _export(request),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="baas_schema.json"'},
    )


@post("/import", status_code=200)
async def import_schema(request: Request[Any, Any, Any], session: SessionDep) -> Response[Any]:
    runtime = runtime_of(request)
    form = form_of(request)
    text = form.get("schema")
    uploads = [u for u in form.files("schema_file") if u.size]
    if uploads:
        text = uploads[0].file.read().decode("utf-8", "replace")
    delete_missing = form.has("deleteMissing")
    error, details = "", {}
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        error = f"This is not valid JSON: {exc}."
    else:
        items = parsed.get("collections") if isinstance(parsed, dict) else parsed
        body = {"collections": items, "deleteMissing": delete_missing}
        try:
            await service.import_collections(runtime.engine, runtime.registry, body, check_rule)
        except ValidationError as exc:
            error, details = exc.message, field_messages(exc.data)
        except ApiError as exc:
            error = exc.message
        else:
            return await redirect(request, session, "/_/collections", "The schema was imported.")
    return await render(
        request,
        "collections/import_export.html.j2",
        session,
        title="Import / export",
        exported=_export(request),
        submitted=text,
        delete_missing=delete_missing,
        error=error,
        details=details,
        status=400,
    )
