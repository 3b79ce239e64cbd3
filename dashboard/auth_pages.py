"""First-run setup, sign-in and sign-out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response, get, post
from litestar.response import Redirect

from baas.api.client_ip import client_ip, forwarded_https
from baas.auth.mfa import MfaRequiredError
from baas.auth.otp import auth_with_otp, request_otp
from baas.auth.password import authenticate_with_password
from baas.auth.second_factor import auth_with_totp, remaining_methods
from baas.auth.signin import SignIn
from baas.collections.model import Collection
from baas.collections.scaffolds import SUPERUSERS
from baas.errors import ApiError, TooManyRequestsError, ValidationError
from baas.records.caller import Caller
from dashboard.access import SessionDep, runtime_of
from dashboard.errors import field_messages
from dashboard.forms import form_of
from dashboard.sessions import COOKIE, add_flash, end, load, start
from dashboard.setup import SetupError, create_first_superuser, superuser_exists, token_valid
from dashboard.templating import render_public

__all__ = [
    "login",
    "login_page",
    "login_second_factor",
    "logout",
    "oauth2_failure_page",
    "oauth2_success_page",
    "setup",
    "setup_page",
]

HOME = "/_/collections"


def _safe_next(target: str) -> str:
    """Only a dashboard path: never another site (``//evil``, ``https://...``)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/_/") or target.startswith("//"):
        return HOME
    return target


def _with_session_cookie(request: Request[Any, Any, Any], response: Response[Any], token: str) -> Response[Any]:
    response.set_cookie(
        key=COOKIE, value=token, path="/_", httponly=True, samesite="lax", secure=forwarded_https(request.scope)
    )
    return response


@get("/setup")
async def setup_page(request: Request[Any, Any, Any]) -> Response[Any]:
    runtime = runtime_of(request)
    token = request.query_params.get("token", "")
    if await superuser_exists(runtime.engine, runtime.registry.schema):
        return Redirect("/_/login", status_code=303)
    valid = await token_valid(runtime.engine, token)
    return render_public(
        request, "setup.html.j2", token=token, valid=valid, email="", errors={}, error="", status=200 if valid else 403
    )


@post("/setup", status_code=200)
async def setup(request: Request[Any, Any, Any]) -> Response[Any]:
    runtime = runtime_of(request)
    form = form_of(request)
    token, email, password = form.get("token"), form.get("email").strip(), form.get("password")
    errors: dict[str, str] = {}
    if password != form.get("passwordConfirm"):
        errors["passwordConfirm"] = "The passwords do not match."
    error = ""
    if not errors:
        try:
            await create_first_superuser(runtime, token, email, password)
        except ValidationError as exc:
            errors = field_messages(exc.data)
        except SetupError as exc:
            error = str(exc)
        else:
            collection = runtime.registry.schema.find(SUPERUSERS)
            assert collection is not None
            table = collection.table
            async with runtime.engine.connect() as connection:
                row = (await connection.execute(table.select().where(table.c.email == email))).mappings().one()
            cookie = await start(runtime, str(row["id"]), request.headers.get("user-agent", ""))
            session = await load(runtime, cookie)
            if session is not None:
                await add_flash(runtime, session, f"Welcome! {email} is the first superuser.")
            return _with_session_cookie(request, Redirect(HOME, status_code=303), cookie)
    return render_public(
        request, "setup.html.j2", token=token, valid=not error, email=email, errors=errors, error=error, status=400
    )


@get("/login")
async def login_page(request: Request[Any, Any, Any]) -> Response[Any]:
    runtime = runtime_of(request)
    target = _safe_next(request.query_params.get("next", ""))
    if await load(runtime, request.cookies.get(COOKIE)) is not None:
        return Redirect(target, status_code=303)
    first_run = not await superuser_exists(runtime.engine, runtime.registry.schema)
    notice = "You have been signed out." if request.query_params.get("bye") else ""
    return render_public(request, "login.html.j2", next=target, email="", error="", first_run=first_run, notice=notice)


# Counted under the API's rate-limit rules for _superusers sign-ins (label "_superusers:auth" or "*:auth").
_SIGN_IN_LIMITS = {"rate_limit": ("authWithPassword", "auth"), "rate_limit_collection": SUPERUSERS}
_SECOND_STEP_LIMITS = {"rate_limit": ("authWithOTP", "auth"), "rate_limit_collection": SUPERUSERS}


@post("/login", status_code=200, opt=_SIGN_IN_LIMITS)
async def login(request: Request[Any, Any, Any]) -> Response[Any]:
    runtime = runtime_of(request)
    form = form_of(request)
    email, target = form.get("email").strip(), _safe_next(form.get("next"))
    collection = runtime.registry.schema.find(SUPERUSERS)
    assert collection is not None
    caller = Caller(query={}, headers=dict(request.headers), method="POST", context="password")
    sign_in = SignIn(
        caller=caller,
        ip=client_ip(request.scope),
        user_agent=request.headers.get("user-agent", ""),
    )
    try:
        credentials = {"identity": email, "password": form.get("password")}
        result = await authenticate_with_password(runtime, collection, credentials, sign_in)
    except MfaRequiredError as exc:
        return await _second_factor_page(request, collection, email, target, exc.mfa_id)
    except TooManyRequestsError as exc:
        error = exc.message
    except ApiError:
        error = "Wrong email or password."
    else:
        cookie = await start(runtime, str(result["record"]["id"]), request.headers.get("user-agent", ""))
        return _with_session_cookie(request, Redirect(target, status_code=303), cookie)
    return render_public(
        request, "login.html.j2", next=target, email=email, error=error, first_run=False, notice="", status=400
    )


@get("/auth/oauth2-redirect-success")
async def oauth2_success_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """Where ``/api/oauth2-redirect`` sends the sign-in window once the app has the code."""
    return render_public(request, "oauth2_redirect.html.j2", succeeded=True)


@get("/auth/oauth2-redirect-failure")
async def oauth2_failure_page(request: Request[Any, Any, Any]) -> Response[Any]:
    return render_public(request, "oauth2_redirect.html.j2", succeeded=False)


async def _second_factor_page(
    request: Request[Any, Any, Any], collection: Collection, email: str, target: str, mfa_id: str
) -> Response[Any]:
    """After the password, when MFA is on for superusers: an authenticator code if the superuser
    enrolled TOTP, else a code mailed now (OTP); the two steps share the server-side MFA session."""
    runtime = runtime_of(request)
    address, methods = await remaining_methods(runtime, collection, mfa_id)
    context: dict[str, Any] = {"mfa_id": mfa_id, "email": email, "next": target, "error": "", "otp_id": ""}
    if "totp" in methods:
        return render_public(request, "mfa.html.j2", method="totp", **context)
    if "otp" not in methods or not address:
        error = "Multi-factor authentication needs a second method: enable OTP or enrol TOTP for superusers."
        return render_public(
            request, "login.html.j2", next=target, email=email, error=error, first_run=False, notice="", status=400
        )
    sent = await request_otp(runtime, collection, {"email": address})
    return render_public(request, "mfa.html.j2", method="otp", **{**context, "otp_id": sent["otpId"]})


@post("/login/mfa", status_code=200, opt=_SECOND_STEP_LIMITS)
async def login_second_factor(request: Request[Any, Any, Any]) -> Response[Any]:
    runtime = runtime_of(request)
    form = form_of(request)
    target, method = _safe_next(form.get("next")), form.get("method")
    collection = runtime.registry.schema.find(SUPERUSERS)
    assert collection is not None
    mfa_id, code, otp_id = form.get("mfa_id"), form.get("code").strip(), form.get("otp_id")
    caller = Caller(query={}, headers=dict(request.headers), method="POST", context=method)
    sign_in = SignIn(
        caller=caller, ip=client_ip(request.scope), user_agent=request.headers.get("user-agent", ""), mfa_id=mfa_id
    )
    try:
        if method == "totp":
            result = await auth_with_totp(runtime, collection, {"mfaId": mfa_id, "code": code}, sign_in)
        else:
            result = await auth_with_otp(runtime, collection, {"otpId": otp_id, "password": code}, sign_in)
    except TooManyRequestsError as exc:
        error = exc.message
    except ApiError:
        error = "Wrong or expired code."
    else:
        cookie = await start(runtime, str(result["record"]["id"]), request.headers.get("user-agent", ""))
        return _with_session_cookie(request, Redirect(target, status_code=303), cookie)
    context: dict[str, Any] = {"mfa_id": mfa_id, "email": form.get("email"), "next": target, "otp_id": otp_id}
    return render_public(request, "mfa.html.j2", method=method, error=error, status=400, **context)


@post("/logout", status_code=200)
async def logout(request: Request[Any, Any, Any], session: SessionDep) -> Response[Any]:
    await end(runtime_of(request), session)
    response = Redirect("/_/login?bye=1", status_code=303)
    response.delete_cookie(COOKIE, path="/_")
    return response
