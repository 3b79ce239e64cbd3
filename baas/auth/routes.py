"""HTTP endpoints for auth collections (PocketBase paths under /api/collections/{collection}/)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, post
from litestar.di import Provide
from litestar.params import FromPath

from baas.api.bodies import read_json
from baas.api.dependencies import IdentityDep, RuntimeDep, provide_identity, require_auth
from baas.auth import service

__all__ = ["auth_router"]


@post("/auth-with-password", status_code=200)
async def auth_with_password(
    request: Request[Any, Any, Any], runtime: RuntimeDep, collection: FromPath[str]
) -> dict[str, Any]:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    body = await read_json(request, service.LOAD_MESSAGE)
    return await service.authenticate_with_password(runtime.engine, runtime.hasher, target, body)


@post("/auth-refresh", status_code=200)
async def auth_refresh(runtime: RuntimeDep, identity: IdentityDep, collection: FromPath[str]) -> dict[str, Any]:
    target = service.auth_collection_or_404(runtime.registry.schema, collection)
    return service.refresh(target, require_auth(identity))


auth_router = Router(
    path="/api/collections/{collection:str}",
    route_handlers=[auth_with_password, auth_refresh],
    dependencies={"identity": Provide(provide_identity)},
)
