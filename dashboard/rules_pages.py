"""The rules editor (locked / public / expression), its live syntax check, and "preview as…"."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from baas.collections import service
from baas.collections.model import RULE_NAMES, Collection
from baas.collections.rule_check import check_rule
from baas.errors import ApiError, ValidationError
from baas.records import service as records
from baas.records.caller import Caller
from baas.records.preview import allowed_ids, load_identity
from baas.rules import InvalidRuleError, RuleError, RuleSyntaxError, validate_rule
from dashboard.access import SessionDep, runtime_of
from dashboard.common import collection_or_404
from dashboard.errors import field_messages
from dashboard.forms import form_of
from dashboard.record_form import record_label
from dashboard.sessions import DashboardSession
from dashboard.templating import redirect, render

__all__ = ["preview_page", "rule_check", "rules_page", "rules_save"]

_LABELS = {
    "listRule": "List/Search",
    "viewRule": "View",
    "createRule": "Create",
    "updateRule": "Update",
    "deleteRule": "Delete",
    "authRule": "Authenticate",
    "manageRule": "Manage",
}
_HELP = {
    "authRule": "Checked after the credentials, before a token is issued.",
    "manageRule": "Who may manage these records like a superuser (change email, password, verified).",
}
_PREVIEW_LIMIT = 50


def _rule_names(collection: Collection) -> list[str]:
    names = ["listRule", "viewRule"] if collection.is_view else list(RULE_NAMES)
    return names + (["authRule", "manageRule"] if collection.is_auth else [])


def _current(collection: Collection, name: str) -> str | None:
    if name in RULE_NAMES:
        return collection.rules[name]
    value = collection.auth_options.get(name)
    return value if isinstance(value, str) else None


def _rows(collection: Collection, values: dict[str, str | None], errors: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for name in _rule_names(collection):
        value = values.get(name)
        mode = "locked" if value is None else "public" if value == "" else "custom"
        rows.append(
            {
                "name": name,
                "label": _LABELS[name],
                "mode": mode,
                "expression": value or "",
                "error": errors.get(name, ""),
                "help": _HELP.get(name, ""),
                "public_allowed": name != "manageRule",
            }
        )
    return rows


@get("/collections/{collection:str}/rules")
async def rules_page(request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]) -> Template:
    target = collection_or_404(runtime_of(request), collection)
    values = {name: _current(target, name) for name in _rule_names(target)}
    return await render(
        request,
        "collections/rules.html.j2",
        session,
        title=f"{target.name} · Rules",
        current=target,
        tab="rules",
        rows=_rows(target, values, {}),
        error="",
    )


@post("/collections/{collection:str}/rules", status_code=200)
async def rules_save(request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]) -> Response[Any]:
    runtime = runtime_of(request)
    target = collection_or_404(runtime, collection)
    form = form_of(request)
    values: dict[str, str | None] = {}
    for name in _rule_names(target):
        mode = form.get(f"{name}-mode", "locked")
        expression = form.get(f"{name}-expression").strip()
        values[name] = None if mode == "locked" else "" if mode == "public" else expression
    try:
        await service.update_collection(runtime.engine, runtime.registry, target.id, values, check_rule)
    except ValidationError as exc:
        messages = field_messages(exc.data)
        return await render(
            request,
            "collections/rules.html.j2",
            session,
            title=f"{target.name} · Rules",
            current=target,
            tab="rules",
            rows=_rows(target, values, messages),
            error=exc.message,
            status=400,
        )
    except ApiError as exc:
        return await render(
            request,
            "collections/rules.html.j2",
            session,
            title=f"{target.name} · Rules",
            current=target,
            tab="rules",
            rows=_rows(target, values, {}),
            error=exc.message,
            status=400,
        )
    return await redirect(request, session, f"/_/collections/{target.name}/rules", "The rules were saved.")


@get("/api/rule-check")
async def rule_check(request: Request[Any, Any, Any], session: SessionDep) -> dict[str, Any]:
    """``{"valid": true}`` or ``{"valid": false, "message": ..., "position": n | null}``."""
    runtime = runtime_of(request)
    target = collection_or_404(runtime, request.query_params.get("collection", ""))
    rule = request.query_params.get("rule", "")
    try:
        validate_rule(rule, target, runtime.registry.schema)
    except InvalidRuleError as exc:
        position = exc.cause.position if isinstance(exc.cause, RuleSyntaxError) else None
        return {"valid": False, "message": exc.cause.detail, "position": position}
    return {"valid": True}


async def _caller_for(request: Request[Any, Any, Any], choice: str) -> tuple[Caller | None, str]:
    """The caller a preview runs as: ``guest`` or ``<auth collection id>:<record id>``."""
    runtime = runtime_of(request)
    if choice in ("", "guest"):
        return Caller(), "a guest (not signed in)"
    collection_id, _, record_id = choice.partition(":")
    collection = runtime.registry.schema.find(collection_id)
    if collection is None or not collection.is_auth:
        return None, ""
    identity = await load_identity(runtime.engine, collection, record_id)
    if identity is None:
        return None, ""
    label = str(identity.record.get("email") or identity.id)
    return Caller(identity=identity), f"{label} ({collection.name})"


async def _people(request: Request[Any, Any, Any], session: DashboardSession) -> list[dict[str, Any]]:
    runtime = runtime_of(request)
    groups = []
    for collection in sorted(runtime.registry.schema, key=lambda c: c.name.lower()):
        if not collection.is_auth or collection.name == "_superusers":
            continue
        listing = await records.list_(runtime, collection, session.caller, {"perPage": "100", "skipTotal": "1"})
        people = [(f"{collection.id}:{r['id']}", str(r.get("email") or r["id"])) for r in listing["items"]]
        groups.append({"collection": collection, "people": people})
    return groups


@get("/collections/{collection:str}/preview")
async def preview_page(request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str]) -> Template:
    runtime = runtime_of(request)
    target = collection_or_404(runtime, collection)
    choice = request.query_params.get("as", "")
    caller, who = await _caller_for(request, choice)
    listing = await records.list_(runtime, target, session.caller, {"perPage": str(_PREVIEW_LIMIT)})
    items = listing["items"]
    ids = [str(item["id"]) for item in items]
    rule_names = ["listRule", "viewRule"] if target.is_view else ["listRule", "viewRule", "updateRule", "deleteRule"]
    allowed: dict[str, set[str]] = {}
    problems: dict[str, str] = {}
    api_total: int | None = None
    api_error = ""
    if caller is not None:
        for name in rule_names:
            try:
                allowed[name] = await allowed_ids(runtime.engine, runtime.registry.schema, target, caller, name, ids)
            except RuleError as exc:
                allowed[name], problems[name] = set(), exc.detail
        try:
            api_total = int((await records.list_(runtime, target, caller, {"perPage": "1"}))["totalItems"])
        except ApiError as exc:
            api_error = exc.message
    return await render(
        request,
        "collections/preview.html.j2",
        session,
        title=f"{target.name} · Preview as",
        current=target,
        tab="rules",
        choice=choice,
        who=who,
        groups=await _people(request, session),
        items=items,
        total=listing["totalItems"],
        rule_names=rule_names,
        labels=_LABELS,
        allowed=allowed,
        problems=problems,
        api_total=api_total,
        api_error=api_error,
        unknown=caller is None,
        rules={n: _current(target, n) for n in rule_names},
        item_labels={str(i["id"]): record_label(target, i) for i in items},
    )
