"""``POST /api/settings/test/email`` (superusers only): send a test mail now, answer 204 or 400."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, post
from litestar.di import Provide
from litestar.response import Response

from baas.api.bodies import read_json
from baas.api.dependencies import IdentityDep, RuntimeDep, provide_identity, require_superuser
from baas.mail.service import send_test_email

__all__ = ["mail_router"]


@post("/test/email", status_code=204)
async def test_email(request: Request[Any, Any, Any], runtime: RuntimeDep, identity: IdentityDep) -> Response[None]:
    require_superuser(identity)
    body = await read_json(request, "An error occurred while loading the submitted data.")
    await send_test_email(runtime.app_settings.current, runtime.registry.schema, body)
    return Response(None, status_code=204)


mail_router = Router(
    path="/api/settings",
    route_handlers=[test_email],
    dependencies={"identity": Provide(provide_identity)},
)
