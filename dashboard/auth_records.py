"""Auth records: set a password, mark verified, impersonate (a token for that record)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.params import FromPath

from baas.auth.service import impersonate
from baas.errors import ApiError, NotFoundError, ValidationError
from baas.records import service as records
from baas.records.submission import Submission
from dashboard.access import SessionDep, runtime_of
from dashboard.common import collection_or_404
from dashboard.errors import field_messages
from dashboard.forms import form_of
from dashboard.record_form import record_label
from dashboard.templating import redirect, render

__all__ = ["record_impersonate", "record_password", "record_verify"]


def _auth_collection(request: Request[Any, Any, Any], name: str) -> Any:
    target = collection_or_404(runtime_of(request), name)
    if not target.is_auth:
        raise NotFoundError()
    return target


@post("/collections/{collection:str}/records/{record_id:str}/password", status_code=200)
async def record_password(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str], record_id: FromPath[str]
) -> Response[Any]:
    runtime = runtime_of(request)
    target = _auth_collection(request, collection)
    form = form_of(request)
    back = f"/_/collections/{target.name}/records/{record_id}"
    values = {"password": form.get("password"), "passwordConfirm": form.get("passwordConfirm")}
    try:
        await records.update(runtime, target, session.caller, record_id, Submission(values=values), {})
    except ValidationError as exc:
        text = "; ".join(f"{k}: {v}" for k, v in field_messages(exc.data).items()) or exc.message
        return await redirect(request, session, back, f"The password was not changed — {text}", "error")
    except ApiError as exc:
        return await redirect(request, session, back, exc.message, "error")
    return await redirect(request, session, back, "The password was changed; the record's existing tokens are revoked.")


@post("/collections/{collection:str}/records/{record_id:str}/verify", status_code=200)
async def record_verify(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str], record_id: FromPath[str]
) -> Response[Any]:
    runtime = runtime_of(request)
    target = _auth_collection(request, collection)
    verified = form_of(request).get("verified", "true") == "true"
    back = f"/_/collections/{target.name}/records/{record_id}"
    try:
        await records.update(runtime, target, session.caller, record_id, Submission(values={"verified": verified}), {})
    except ApiError as exc:
        return await redirect(request, session, back, exc.message, "error")
    return await redirect(request, session, back, "Marked as verified." if verified else "Marked as not verified.")


@post("/collections/{collection:str}/records/{record_id:str}/impersonate", status_code=200)
async def record_impersonate(
    request: Request[Any, Any, Any], session: SessionDep, collection: FromPath[str], record_id: FromPath[str]
) -> Response[Any]:
    runtime = runtime_of(request)
    target = _auth_collection(request, collection)
    raw = form_of(request).get("duration", "0").strip() or "0"
    back = f"/_/collections/{target.name}/records/{record_id}"
    if not raw.isdigit():
        return await redirect(request, session, back, "The duration must be a whole number of seconds.", "error")
    try:
        result = await impersonate(runtime, target, session.identity, record_id, {"duration": int(raw)}, {})
    except ApiError as exc:
        return await redirect(request, session, back, exc.message, "error")
    return await render(
        request,
        "records/token.html.j2",
        session,
        current=target,
        tab="records",
        title=f"{target.name} · Impersonate",
        token=result["token"],
        record=result["record"],
        label=record_label(target, result["record"]),
        duration=int(raw) or None,
    )
