"""HTTP endpoints for auth collections (PocketBase paths under /api/collections/{collection}/)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.response import Response

from baas.api.bodies import read_json
from baas.api.client_ip import client_ip
from baas.api.dependencies import IdentityDep, RuntimeDep, provide_identity, require_auth
from baas.auth import emails, otp, second_factor, service
from baas.auth.methods import auth_methods
from baas.auth.oauth2.methods import auth_methods_oauth2
from baas.auth.password import authenticate_with_password
from baas.auth.service import LOAD_MESSAGE
from baas.auth.signin import SignIn
from baas.pick import parse_fields
from baas.records.caller import Caller

__all__ = ["auth_router"]

AnyRequest = Request[Any, Any, Any]
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _respond(request: AnyRequest, body: dict[str, Any]) -> Response[Any]:
    picker = parse_fields(request.query_params.get("fields"))
    return Response(picker.apply(body) if picker else body)


async def _body(request: AnyRequest) -> Any:
    # PocketBase binds auth forms from JSON, urlencoded and multipart bodies alike.
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith(_FORM_TYPES):
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    return await read_json(request, LOAD_MESSAGE)


def _sign_in(request: AnyRequest, body: Any, context: str, identity: Any = None) -> SignIn:
    mfa_id = request.query_params.get("mfaId") or ""
    if not mfa_id and isinstance(body, dict) and isinstance(body.get("mfaId"), str):
        mfa_id = body["mfaId"]
    query = dict(request.query_params)
    caller = Caller(
        identity=identity, query=query, headers=dict(request.headers), method=request.method, context=context
    )
    return SignIn(
        caller=caller,
        ip=client_ip(request.scope),
        user_agent=request.headers.get("user-agent", ""),
        mfa_id=mfa_id,
        query=query,
    )


@get("/auth-methods", opt={"rate_limit": ("listAuthMethods",)})
async def methods(request: AnyRequest, runtime: RuntimeDep, collection: FromPath[str]) -> Response[Any]:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    return _respond(request, auth_methods(target, await auth_methods_oauth2(target)))


@post("/auth-with-password", status_code=200, opt={"rate_limit": ("authWithPassword", "auth")})
async def with_password(request: AnyRequest, runtime: RuntimeDep, collection: FromPath[str]) -> Response[Any]:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    body = await _body(request)
    return _respond(
        request, await authenticate_with_password(runtime, target, body, _sign_in(request, body, "password"))
    )


@post("/auth-refresh", status_code=200, opt={"rate_limit": ("authRefresh",)})
async def refresh(
    request: AnyRequest, runtime: RuntimeDep, identity: IdentityDep, collection: FromPath[str]
) -> Response[Any]:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    caller = Caller(
        identity=require_auth(identity),
        query=dict(request.query_params),
        headers=dict(request.headers),
        method=request.method,
    )
    body = await service.refresh(runtime, target, require_auth(identity), caller)
    return _respond(request, body)


@post("/request-otp", status_code=200, opt={"rate_limit": ("requestOTP", "auth")})
async def request_otp(request: AnyRequest, runtime: RuntimeDep, collection: FromPath[str]) -> dict[str, str]:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    return await otp.request_otp(runtime, target, await _body(request))


@post("/auth-with-otp", status_code=200, opt={"rate_limit": ("authWithOTP", "auth")})
async def with_otp(request: AnyRequest, runtime: RuntimeDep, collection: FromPath[str]) -> Response[Any]:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    body = await _body(request)
    return _respond(request, await otp.auth_with_otp(runtime, target, body, _sign_in(request, body, "otp")))


@post("/request-verification", status_code=204, opt={"rate_limit": ("requestVerification", "auth")})
async def request_verification(request: AnyRequest, runtime: RuntimeDep, collection: FromPath[str]) -> None:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    await emails.request_verification(runtime, target, await _body(request))


@post("/confirm-verification", status_code=204, opt={"rate_limit": ("confirmVerification", "auth")})
async def confirm_verification(request: AnyRequest, runtime: RuntimeDep, collection: FromPath[str]) -> None:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    await emails.confirm_verification(runtime, target, await _body(request))


@post("/request-password-reset", status_code=204, opt={"rate_limit": ("requestPasswordReset", "auth")})
async def request_password_reset(request: AnyRequest, runtime: RuntimeDep, collection: FromPath[str]) -> None:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    await emails.request_password_reset(runtime, target, await _body(request))


@post("/confirm-password-reset", status_code=204, opt={"rate_limit": ("confirmPasswordReset", "auth")})
async def confirm_password_reset(request: AnyRequest, runtime: RuntimeDep, collection: FromPath[str]) -> None:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    await emails.confirm_password_reset(runtime, target, await _body(request))


@post("/request-email-change", status_code=204, opt={"rate_limit": ("requestEmailChange", "auth")})
async def request_email_change(
    request: AnyRequest, runtime: RuntimeDep, identity: IdentityDep, collection: FromPath[str]
) -> None:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    await emails.request_email_change(runtime, target, identity, await _body(request))


@post("/confirm-email-change", status_code=204, opt={"rate_limit": ("confirmEmailChange", "auth")})
async def confirm_email_change(request: AnyRequest, runtime: RuntimeDep, collection: FromPath[str]) -> None:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    await emails.confirm_email_change(runtime, target, await _body(request))


@post("/impersonate/{record_id:str}", status_code=200)
async def impersonate(
    request: AnyRequest, runtime: RuntimeDep, identity: IdentityDep, collection: FromPath[str], record_id: FromPath[str]
) -> Response[Any]:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    if identity is None:
        require_auth(identity)
    body = await service.impersonate(
        runtime, target, identity, record_id, await _body(request), dict(request.query_params)
    )
    return _respond(request, body)


@post("/totp/setup", status_code=200, opt={"rate_limit": ("totpSetup", "auth")})
async def totp_setup(runtime: RuntimeDep, identity: IdentityDep, collection: FromPath[str]) -> dict[str, str]:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    return await second_factor.setup(runtime, target, identity)


@post("/totp/confirm", status_code=200, opt={"rate_limit": ("totpConfirm", "auth")})
async def totp_confirm(
    request: AnyRequest, runtime: RuntimeDep, identity: IdentityDep, collection: FromPath[str]
) -> dict[str, Any]:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    return await second_factor.confirm(runtime, target, identity, await _body(request))


@post("/totp/disable", status_code=204, opt={"rate_limit": ("totpDisable", "auth")})
async def totp_disable(
    request: AnyRequest, runtime: RuntimeDep, identity: IdentityDep, collection: FromPath[str]
) -> None:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    await second_factor.disable(runtime, target, identity, await _body(request))


@post("/auth-with-totp", status_code=200, opt={"rate_limit": ("authWithTOTP", "auth")})
async def with_totp(request: AnyRequest, runtime: RuntimeDep, collection: FromPath[str]) -> Response[Any]:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    body = await _body(request)
    return _respond(request, await second_factor.auth_with_totp(runtime, target, body, _sign_in(request, body, "totp")))


auth_router = Router(
    path="/api/collections/{collection:str}",
    route_handlers=[
        methods,
        with_password,
        refresh,
        request_otp,
        with_otp,
        request_verification,
        confirm_verification,
        request_password_reset,
        confirm_password_reset,
        request_email_change,
        confirm_email_change,
        impersonate,
        totp_setup,
        totp_confirm,
        totp_disable,
        with_totp,
    ],
    dependencies={"identity": Provide(provide_identity)},
)
