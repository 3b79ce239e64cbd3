"""``/api/settings`` (superusers only)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, patch, post
from litestar.di import Provide
from litestar.response import Response

from baas.api.bodies import read_json
from baas.api.dependencies import IdentityDep, RuntimeDep, provide_identity, require_superuser
from baas.errors import BadRequestError, FieldError, ValidationError
from baas.files.backends import check_s3
from baas.files.storage import StorageError
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


_S3_TEST_FAILED = "Failed to test the S3 filesystem."


@post("/test/s3", status_code=204)
async def test_s3(request: Request[Any, Any, Any], runtime: RuntimeDep, identity: IdentityDep) -> None:
    """Like PocketBase: tests the saved S3 settings of ``storage`` or ``backups`` (a write and a delete)."""
    require_superuser(identity)
    body = await read_json(request, "An error occurred while loading the submitted data.")
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise BadRequestError("An error occurred while loading the submitted data.")
    filesystem = body.get("filesystem")
    if not filesystem:
        raise ValidationError({"filesystem": FieldError("validation_required", "Cannot be blank.")}, _S3_TEST_FAILED)
    if filesystem not in ("storage", "backups"):
        raise ValidationError(
            {"filesystem": FieldError("validation_in_invalid", "Must be a valid value.")}, _S3_TEST_FAILED
        )
    current = runtime.app_settings.current
    s3 = current["s3"] if filesystem == "storage" else current["backups"]["s3"]
    if not s3["enabled"]:
        raise BadRequestError(f"{_S3_TEST_FAILED} Raw error: \nS3 storage filesystem is not enabled.")
    try:
        await check_s3(s3)
    except StorageError as exc:
        raise BadRequestError(f"{_S3_TEST_FAILED} Raw error: \n{exc}") from exc


settings_router = Router(
    path="/api/settings",
    route_handlers=[view_settings, update_settings, test_s3],
    dependencies={"identity": Provide(provide_identity)},
)
