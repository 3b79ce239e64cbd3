"""``POST /api/collections/{collection}/auth-with-oauth2`` (the code + PKCE flow)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.response import Response

from baas.api.bodies import read_json
from baas.api.client_ip import client_ip
from baas.api.dependencies import IdentityDep, RuntimeDep, provide_identity
from baas.auth.oauth2 import flow
from baas.auth.service import auth_collection_or_404
from baas.auth.signin import SignIn
from baas.pick import parse_fields
from baas.records.caller import Caller

__all__ = ["oauth2_router"]


def _sign_in(request: Request[Any, Any, Any], body: Any, identity: Any) -> SignIn:
    mfa_id = request.query_params.get("mfaId") or ""
    if not mfa_id and isinstance(body, dict) and isinstance(body.get("mfaId"), str):
        mfa_id = body["mfaId"]
    query = dict(request.query_params)
    caller = Caller(
        identity=identity, query=query, headers=dict(request.headers), method=request.method, context="oauth2"
    )
    return SignIn(
        caller=caller,
        ip=client_ip(request.scope),
        user_agent=request.headers.get("user-agent", ""),
        mfa_id=mfa_id,
        query=query,
    )


@post("/auth-with-oauth2", status_code=200)
async def auth_with_oauth2(
    request: Request[Any, Any, Any], runtime: RuntimeDep, identity: IdentityDep, collection: FromPath[str]
) -> Response[Any]:
    target = auth_collection_or_404(runtime.registry.schema, collection)
    flow.require_enabled(target)  # before the body is read, like PocketBase
    body = await read_json(request, flow.LOAD_FAILED)
    result = await flow.authenticate_with_oauth2(runtime, target, body, _sign_in(request, body, identity))
    picker = parse_fields(request.query_params.get("fields"))
    return Response(picker.apply(result) if picker else result)


oauth2_router = Router(
    path="/api/collections/{collection:str}",
    route_handlers=[auth_with_oauth2],
    dependencies={"identity": Provide(provide_identity)},
)
