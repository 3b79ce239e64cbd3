"""``GET|HEAD /api/health`` (note PocketBase's ``code`` instead of ``status``)."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, get, head
from litestar.di import Provide
from litestar.response import Response

from baas.api.client_ip import client_ip, possible_proxy_header
from baas.api.dependencies import IdentityDep, provide_identity

__all__ = ["health", "health_head"]


def _body(request: Request[Any, Any, Any], identity: IdentityDep) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if identity is not None and identity.is_superuser:
        scope = request.scope
        data = {"canBackup": True, "realIP": client_ip(scope), "possibleProxyHeader": possible_proxy_header(scope)}
    return {"message": "API is healthy.", "code": 200, "data": data}


@get("/api/health", dependencies={"identity": Provide(provide_identity)})
async def health(request: Request[Any, Any, Any], identity: IdentityDep) -> dict[str, Any]:
    return _body(request, identity)


@head("/api/health", dependencies={"identity": Provide(provide_identity)})
async def health_head(request: Request[Any, Any, Any], identity: IdentityDep) -> Response[None]:
    length = len(json.dumps(_body(request, identity), separators=(",", ":")))
    return Response(None, headers={"Content-Length": str(length)}, media_type="application/json")
