"""The field editor (add, rename, reorder, change type, remove with confirmation) and the indexes editor."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from baas.collections import service
from baas.collections.fields import FIELD_TYPES
from baas.collections.model import Collection
from baas.collections.rule_check import check_rule
from baas.errors import ApiError, ValidationError
from dashboard.access import SessionDep, runtime_of
from dashboard.common import collection_or_404, record_count
from dashboard.errors import field_messages
from dashboard.forms import form_of
from dashboard.schema_form import (
    TYPE_LABELS,
    FieldDraft,
    describe,
    drafts_from_collection,
    drafts_from_form,
    field_body,
    new_draft,
    option_inputs,
    unique_name,
)
from dashboard.sessions import DashboardSession
from dashboard.templating import redirect, render

__all__ = ["fields_page", "fields_save", "indexes_page", "indexes_save"]


def _type_choices() -> list[tuple[str, str]]:
    names = [n for n in TYPE_LABELS if n in FIELD_TYPES] + sorted(n for n in FIELD_TYPES if n not in TYPE_LABELS)
    return [(name, TYPE_LABELS.get(name, name)) for name in names]


async def _page(
    request: Request[Any, Any, Any],
    session: DashboardSession,
    collection: Collection,
    drafts: list[FieldDraft],
    name: str,
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Template:
    errors = errors or {}
    for position, draft in enumerate(drafts):
        prefix = f"fields.{position}."
        draft.errors.update({k[len(prefix) :]: v for k, v in errors.items() if k.startswith(prefix)})
    rows = [{"draft": d, "options": option_inputs(d)} for d in drafts]
    others = sorted(runtime_of(request).registry.schema, key=lambda c: c.name.lower())
    return await render(
        request,
        "collections/fields.html.j2",
        session,
        title=f"{collection.name} · Fields",
        current=collection,
        tab="fields",
        rows=rows,
        name=name,
        errors=errors,
        error=error,
        type_choices=_type_choices(),
        collections=others,
        status=status,
    )


@get("/collections/{collection:str}/fields")
async def fields_page(request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]) -> Template:
    target = collection_or_404(runtime_of(request), collection)
    return await _page(request, session, target, drafts_from_collection(target), target.name)


def _apply_action(action: str, drafts: list[FieldDraft], new_type: str) -> None:
    verb, _, arg = action.partition("-")
    position = int(arg) if arg.isdigit() else -1
    if verb == "add" and new_type in FIELD_TYPES:
        drafts.append(new_draft(new_type, unique_name(drafts, "field")))
    elif verb == "up" and 0 < position < len(drafts):
        drafts[position - 1], drafts[position] = drafts[position], drafts[position - 1]
    elif verb == "down" and 0 <= position < len(drafts) - 1:
        drafts[position + 1], drafts[position] = drafts[position], drafts[position + 1]
    elif verb == "remove" and 0 <= position < len(drafts) and not drafts[position].system:
        del drafts[position]


def _changes(collection: Collection, drafts: list[FieldDraft]) -> dict[str, list[str]]:
    by_id = {str(d.data.get("id")): d for d in drafts if d.data.get("id")}
    removed = [describe(f) for f in collection.fields if f.id not in by_id]
    retyped, renamed = [], []
    for item in collection.fields:
        draft = by_id.get(item.id)
        if draft is None:
            continue
        if draft.type != item.TYPE:
            before, after = TYPE_LABELS.get(item.TYPE, item.TYPE), TYPE_LABELS.get(draft.type, draft.type)
            retyped.append(f"{item.name}: {before} → {after}")
        if draft.data.get("name") != item.name:
            renamed.append(f"{item.name} → {draft.data.get('name')}")
    return {"removed": removed, "retyped": retyped, "renamed": renamed}


@post("/collections/{collection:str}/fields", status_code=200)
async def fields_save(request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]) -> Response[Any]:
    runtime = runtime_of(request)
    target = collection_or_404(runtime, collection)
    form = form_of(request)
    action = form.get("action", "save")
    if action in ("confirm", "back"):
        body = json.loads(form.get("payload") or "{}")
        if action == "back":
            drafts = [FieldDraft(item) for item in body.get("fields", [])]
            return await _page(request, session, target, drafts, body.get("name", target.name))
    else:
        drafts = drafts_from_form(form.values, target)
        name = form.get("name", target.name).strip()
        if action != "save" or any(d.errors for d in drafts):
            _apply_action(action, drafts, form.get("new_type"))
            return await _page(request, session, target, drafts, name)
        body = {"name": name, "fields": field_body(drafts)}
        changes = _changes(target, drafts)
        if changes["removed"] or changes["retyped"]:
            count = await record_count(runtime, session, target)
            return await render(
                request,
                "collections/confirm_fields.html.j2",
                session,
                current=target,
                tab="fields",
                title=f"{target.name} · Confirm changes",
                changes=changes,
                count=count,
                payload=json.dumps(body),
            )
    try:
        updated = await service.update_collection(runtime.engine, runtime.registry, target.id, body, check_rule)
    except ValidationError as exc:
        drafts = [FieldDraft(item) for item in body.get("fields", [])]
        return await _page(
            request,
            session,
            target,
            drafts,
            body.get("name", target.name),
            errors=field_messages(exc.data),
            error=exc.message,
            status=400,
        )
    except ApiError as exc:
        drafts = [FieldDraft(item) for item in body.get("fields", [])]
        return await _page(
            request, session, target, drafts, body.get("name", target.name), error=exc.message, status=400
        )
    return await redirect(request, session, f"/_/collections/{updated.name}/fields", "The fields were saved.")


@get("/collections/{collection:str}/indexes")
async def indexes_page(request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]) -> Template:
    target = collection_or_404(runtime_of(request), collection)
    return await render(
        request,
        "collections/indexes.html.j2",
        session,
        title=f"{target.name} · Indexes",
        current=target,
        tab="indexes",
        indexes=list(target.indexes),
        errors={},
        error="",
    )


def _built_index(collection: Collection, columns: list[str], unique: bool) -> str:
    name = f"idx_{collection.name}_{'_'.join(columns)}"
    kind = "UNIQUE INDEX" if unique else "INDEX"
    return f"CREATE {kind} `{name}` ON `{collection.name}` ({', '.join(f'`{c}`' for c in columns)})"


@post("/collections/{collection:str}/indexes", status_code=200)
async def indexes_save(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]
) -> Response[Any]:
    runtime = runtime_of(request)
    target = collection_or_404(runtime, collection)
    form = form_of(request)
    indexes = [text.strip() for text in form.getall("index") if text.strip()]
    removed = set(form.getall("remove"))
    indexes = [text for position, text in enumerate(indexes) if str(position) not in removed]
    columns = [name for name in form.getall("columns") if target.get_field(name) is not None]
    if form.get("action") == "build":
        if columns:
            indexes.append(_built_index(target, columns, form.has("unique")))
        return await render(
            request,
            "collections/indexes.html.j2",
            session,
            title=f"{target.name} · Indexes",
            current=target,
            tab="indexes",
            indexes=indexes,
            errors={},
            error="",
        )
    try:
        await service.update_collection(runtime.engine, runtime.registry, target.id, {"indexes": indexes}, check_rule)
    except ValidationError as exc:
        messages = field_messages(exc.data)
        return await render(
            request,
            "collections/indexes.html.j2",
            session,
            title=f"{target.name} · Indexes",
            current=target,
            tab="indexes",
            indexes=indexes,
            errors=messages,
            error=exc.message,
            status=400,
        )
    except ApiError as exc:
        return await render(
            request,
            "collections/indexes.html.j2",
            session,
            title=f"{target.name} · Indexes",
            current=target,
            tab="indexes",
            indexes=indexes,
            errors={},
            error=exc.message,
            status=400,
        )
    return await redirect(request, session, f"/_/collections/{target.name}/indexes", "The indexes were saved.")
