"""``/api/settings`` (superusers only)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, patch
from litestar.di import Provide
from litestar.response import Response

from baas.api.bodies import read_json
from baas.api.dependencies import IdentityDep, RuntimeDep, provide_identity, require_superuser
from baas.pick import parse_fields
from baas.settings.model import public_settings

__all__ = ["settings_router"]


def _respond(request: Request[Any, Any, Any], body: dict[str, Any]) -> Response[Any]:
    picker = parse_fields(request.query_params.get("fields"))
    return Response(picker.apply(body) if picker else body)


@get("/")
async def view_settings(request: Request[Any, Any, Any], runtime: RuntimeDep, identity: IdentityDep) -> Response[Any]:
    require_superuser(identity)
    return _respond(request, public_settings(runtime.app_settings.current))


@patch("/")
async def update_settings(request: Request[Any, Any, Any], runtime: RuntimeDep, identity: IdentityDep) -> Response[Any]:
    require_superuser(identity)
    body = await read_json(request, "An error occurred while loading the submitted data.")
    updated = await runtime.app_settings.update(runtime.engine, body)
    return _respond(request, public_settings(updated))


settings_router = Router(
    path="/api/settings",
    route_handlers=[view_settings, update_settings],
    dependencies={"identity": Provide(provide_identity)},
)
