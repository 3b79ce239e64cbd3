"""Records: the paged table (columns, filter, sort), the generated create/edit forms, deleting."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from baas.collections.fields import FileField, RelationField
from baas.collections.model import Collection
from baas.errors import ApiError, NotFoundError, ValidationError
from baas.files.service import file_token
from baas.records import service as records
from baas.records.submission import Submission
from baas.rules import RuleError, RuleSyntaxError
from dashboard.access import SessionDep, runtime_of
from dashboard.common import collection_or_404, quote_literal
from dashboard.errors import field_messages
from dashboard.forms import form_of
from dashboard.record_form import inputs_for, record_label, submission_from_form
from dashboard.sessions import DashboardSession
from dashboard.templating import redirect, render

__all__ = [
    "record_create",
    "record_delete",
    "record_edit",
    "record_new",
    "record_search",
    "record_update",
    "records_delete",
    "records_index",
]

PER_PAGE_CHOICES = (10, 30, 50, 100)
_DEFAULT_COLUMNS = 8


def _default_columns(collection: Collection) -> list[str]:
    """The id, the first visible fields of the user's own, then ``created`` or ``updated``."""
    own = [
        f.name for f in collection.fields if f.name != "id" and not f.hidden and f.TYPE not in ("password", "autodate")
    ]
    dates = [f.name for f in collection.fields if f.TYPE == "autodate" and not f.hidden][:1]
    return ["id", *own[: _DEFAULT_COLUMNS - 1 - len(dates)], *dates]


def _labels(documents: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Per record id, the labels of its expanded relations (``{"field": "label, label"}``)."""
    labels: dict[str, dict[str, str]] = {}
    for document in documents:
        row = {}
        for name, related in (document.get("expand") or {}).items():
            entries = related if isinstance(related, list) else [related]
            row[name] = ", ".join(str(r.get("_label", r.get("id"))) for r in entries)
        labels[str(document["id"])] = row
    return labels


def _label_expanded(collection: Collection, documents: list[dict[str, Any]], request: Request[Any, Any, Any]) -> None:
    schema = runtime_of(request).registry.schema
    for document in documents:
        for name, related in (document.get("expand") or {}).items():
            item = collection.get_field(name)
            target = schema.find(item.collectionId) if isinstance(item, RelationField) else None
            if target is None:
                continue
            for entry in related if isinstance(related, list) else [related]:
                entry["_label"] = record_label(target, entry)


@get("/collections/{collection:str}/records")
async def records_index(request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]) -> Template:
    runtime = runtime_of(request)
    target = collection_or_404(runtime, collection)
    params = request.query_params
    names = [f.name for f in target.fields]
    chosen = [c for c in params.getall("columns", []) if c in names] or _default_columns(target)
    per_page = params.get("perPage", "30")
    per_page = per_page if per_page.isdigit() and int(per_page) in PER_PAGE_CHOICES else "30"
    sort = params.get("sort", "")
    if not sort:
        sort = "-created" if target.get_field("created") else ""
    filter_text = params.get("filter", "")
    relations = [f.name for f in target.fields if isinstance(f, RelationField) and f.name in chosen]
    query = {
        "page": params.get("page", "1"),
        "perPage": per_page,
        "sort": sort,
        "filter": filter_text,
        "expand": ",".join(relations),
    }
    listing: dict[str, Any] = {"items": [], "page": 1, "perPage": int(per_page), "totalItems": 0, "totalPages": 0}
    filter_error, filter_position = "", None
    try:
        listing = await records.list_(runtime, target, session.caller, query)
    except RuleError as exc:
        filter_error = exc.detail
        filter_position = exc.position if isinstance(exc, RuleSyntaxError) else None
    except ApiError as exc:
        filter_error = exc.message
    _label_expanded(target, listing["items"], request)
    protected = any(isinstance(f, FileField) and f.protected for f in target.fields)
    kept = {"filter": filter_text, "sort": params.get("sort", ""), "perPage": per_page}

    def link(**changes: str) -> str:
        """This page's URL with some parameters changed (an empty value drops one)."""
        pairs = [(k, v) for k, v in (kept | changes).items() if v] + [("columns", c) for c in chosen]
        return f"/_/collections/{target.name}/records?{urlencode(pairs)}"

    return await render(
        request,
        "records/index.html.j2",
        session,
        title=f"{target.name} · Records",
        current=target,
        tab="records",
        listing=listing,
        columns=[target.get_field(c) for c in chosen],
        chosen=chosen,
        sort=sort,
        filter=filter_text,
        filter_error=filter_error,
        filter_position=filter_position,
        per_page=per_page,
        per_page_choices=PER_PAGE_CHOICES,
        link=link,
        labels=_labels(listing["items"]),
        file_token=file_token(session.identity) if protected else "",
    )


Choices = dict[str, list[tuple[str, str]]]


async def _relation_choices(
    request: Request[Any, Any, Any], session: DashboardSession, collection: Collection, document: dict[str, Any] | None
) -> tuple[Choices, dict[str, Collection]]:
    runtime = runtime_of(request)
    choices: dict[str, list[tuple[str, str]]] = {}
    targets: dict[str, Collection] = {}
    for item in collection.fields:
        if not isinstance(item, RelationField):
            continue
        target = runtime.registry.schema.find(item.collectionId)
        if target is None:
            continue
        targets[item.name] = target
        selected = (
            [str(v) for v in ((document or {}).get(item.name) or [])]
            if item.is_multiple
            else ([str(document[item.name])] if document and document.get(item.name) else [])
        )
        found: dict[str, str] = {}
        if selected:
            condition = " || ".join(f"id = {quote_literal(i)}" for i in selected[:100])
            listing = await records.list_(runtime, target, session.caller, {"perPage": "100", "filter": condition})
            found.update({str(r["id"]): record_label(target, r) for r in listing["items"]})
        listing = await records.list_(runtime, target, session.caller, {"perPage": "50", "skipTotal": "1"})
        for entry in listing["items"]:
            found.setdefault(str(entry["id"]), record_label(target, entry))
        choices[item.name] = [(i, found.get(i, i)) for i in selected] + [
            (i, label) for i, label in found.items() if i not in selected
        ]
    return choices, targets


async def _form_page(
    request: Request[Any, Any, Any],
    session: DashboardSession,
    target: Collection,
    document: dict[str, Any] | None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Template:
    shown = {**(document or {}), **(values or {})}
    choices, targets = await _relation_choices(request, session, target, shown if values or document else None)
    protected = any(isinstance(f, FileField) and f.protected for f in target.fields)
    inputs = inputs_for(
        target,
        shown if document is not None or values else None,
        errors or {},
        relation_choices=choices,
        relation_targets=targets,
        file_token=file_token(session.identity) if protected else "",
    )
    if document is None:
        inputs = [i for i in inputs if not (i.kind == "file" and i.files)]
    creating = document is None
    return await render(
        request,
        "records/form.html.j2",
        session,
        current=target,
        tab="records",
        title=f"{target.name} · {'New record' if creating else record_label(target, document or {})}",
        record=document,
        inputs=inputs,
        creating=creating,
        errors=errors or {},
        error=error,
        status=status,
    )


@get("/collections/{collection:str}/records/new")
async def record_new(request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]) -> Template:
    target = collection_or_404(runtime_of(request), collection)
    if target.is_view:
        raise NotFoundError()
    return await _form_page(request, session, target, None)


async def _written_or_form(
    request: Request[Any, Any, Any],
    session: DashboardSession,
    target: Collection,
    document: dict[str, Any] | None,
    write: Callable[[Submission], Awaitable[dict[str, Any]]],
) -> dict[str, Any] | Response[Any]:
    """The record ``write`` saved from the posted form, or the form again (400) with what failed."""
    form = form_of(request)
    submission, errors = submission_from_form(target, form, creating=document is None)
    try:
        if errors:
            raise ValidationError({})
        return await write(submission)
    except ValidationError as exc:
        errors = {**field_messages(exc.data), **errors}
        return await _form_page(
            request,
            session,
            target,
            document,
            values=submission.values,
            errors=errors,
            error="The record was not saved: check the fields below.",
            status=400,
        )
    except ApiError as exc:
        return await _form_page(
            request, session, target, document, values=submission.values, error=exc.message, status=400
        )
    finally:
        submission.close()
        form.close()


@post("/collections/{collection:str}/records/new", status_code=200, request_max_body_size=None)
async def record_create(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]
) -> Response[Any]:
    runtime = runtime_of(request)
    target = collection_or_404(runtime, collection)

    async def create(submission: Submission) -> dict[str, Any]:
        return await records.create(runtime, target, session.caller, submission, {})

    created = await _written_or_form(request, session, target, None, create)
    if isinstance(created, Response):
        return created
    return await redirect(
        request, session, f"/_/collections/{target.name}/records/{created['id']}", "The record was created."
    )


@get("/collections/{collection:str}/records/{record_id:str}")
async def record_edit(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str], record_id: FromPath[str]
) -> Template:
    runtime = runtime_of(request)
    target = collection_or_404(runtime, collection)
    document = await records.view(runtime, target, session.caller, record_id, {})
    return await _form_page(request, session, target, document)


@post("/collections/{collection:str}/records/{record_id:str}", status_code=200, request_max_body_size=None)
async def record_update(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str], record_id: FromPath[str]
) -> Response[Any]:
    runtime = runtime_of(request)
    target = collection_or_404(runtime, collection)
    document = await records.view(runtime, target, session.caller, record_id, {})

    async def update(submission: Submission) -> dict[str, Any]:
        return await records.update(runtime, target, session.caller, record_id, submission, {})

    updated = await _written_or_form(request, session, target, document, update)
    if isinstance(updated, Response):
        return updated
    back = f"/_/collections/{target.name}/records/{record_id}"
    return await redirect(request, session, back, "The record was saved.")


@post("/collections/{collection:str}/records/{record_id:str}/delete", status_code=200)
async def record_delete(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str], record_id: FromPath[str]
) -> Response[Any]:
    return await _delete(request, session, collection, [record_id])


@post("/collections/{collection:str}/records/delete", status_code=200)
async def records_delete(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]
) -> Response[Any]:
    return await _delete(request, session, collection, form_of(request).getall("ids"))


async def _delete(
    request: Request[Any, Any, Any], session: DashboardSession, collection: str, ids: list[str]
) -> Response[Any]:
    """Without ``confirm`` a confirmation page; with it, delete each record (one transaction each)."""
    runtime = runtime_of(request)
    target = collection_or_404(runtime, collection)
    ids = [i for i in dict.fromkeys(ids) if i]
    back = f"/_/collections/{target.name}/records"
    if not ids:
        return await redirect(request, session, back, "Select the records to delete first.", "error")
    if not form_of(request).has("confirm"):
        return await render(
            request,
            "records/confirm_delete.html.j2",
            session,
            current=target,
            tab="records",
            title=f"{target.name} · Delete records",
            ids=ids,
        )
    deleted, failures = 0, []
    for record_id in ids:
        try:
            await records.delete(runtime, target, session.caller, record_id)
            deleted += 1
        except ApiError as exc:
            failures.append(f"{record_id}: {exc.message}")
    if failures:
        message = f"Deleted {deleted} record(s); {len(failures)} failed — " + "; ".join(failures[:3])
        return await redirect(request, session, back, message, "error")
    return await redirect(request, session, back, f"Deleted {deleted} record{'s' if deleted != 1 else ''}.")


@get("/api/collections/{collection:str}/search")
async def record_search(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]
) -> list[dict[str, str]]:
    """Relation picker: records whose id or text-like fields contain ``q``, as ``[{id, label}]``."""
    runtime = runtime_of(request)
    target = collection_or_404(runtime, collection)
    q = request.query_params.get("q", "").strip()[:100]
    query = {"perPage": "30", "skipTotal": "1"}
    if q:
        searchable = [
            f.name for f in target.fields if f.TYPE in ("text", "email", "url", "editor", "select") and not f.hidden
        ]
        query["filter"] = " || ".join(f"{name} ~ {quote_literal(q)}" for name in searchable or ["id"])
    listing = await records.list_(runtime, target, session.caller, query)
    return [{"id": str(r["id"]), "label": record_label(target, r)} for r in listing["items"]]
