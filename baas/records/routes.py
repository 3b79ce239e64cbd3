"""HTTP endpoints of the records API: ``/api/collections/{collection}/records[/{id}]``."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, delete, get, patch, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.response import Response

from baas.api.dependencies import IdentityDep, RuntimeDep, provide_identity
from baas.errors import ForbiddenError
from baas.pick import parse_fields
from baas.records import service
from baas.records.batch import MAX_BATCH_BODY, READ_FAILED, run_batch
from baas.records.body import read_submission
from baas.records.caller import Caller

__all__ = ["batch_router", "records_router"]


def _caller(request: Request[Any, Any, Any], identity: Any) -> Caller:
    return Caller(
        identity=identity,
        query=dict(request.query_params),
        headers=dict(request.headers),
        method=request.method,
    )


def _respond(request: Request[Any, Any, Any], body: dict[str, Any]) -> Response[Any]:
    picker = parse_fields(request.query_params.get("fields"))
    if picker is not None:
        body = (
            {**body, "items": picker.apply(body["items"])} if "items" in body and "page" in body else picker.apply(body)
        )
    return Response(body)


@get("/", opt={"rate_limit": ("list",)})
async def list_records(
    request: Request[Any, Any, Any], runtime: RuntimeDep, identity: IdentityDep, collection: FromPath[str]
) -> Response[Any]:
    target = service.collection_or_404(runtime, collection)
    body = await service.list_(runtime, target, _caller(request, identity), dict(request.query_params))
    return _respond(request, body)


@get("/{record_id:str}", opt={"rate_limit": ("view",)})
async def view_record(
    request: Request[Any, Any, Any],
    runtime: RuntimeDep,
    identity: IdentityDep,
    collection: FromPath[str],
    record_id: FromPath[str],
) -> Response[Any]:
    target = service.collection_or_404(runtime, collection)
    body = await service.view(runtime, target, _caller(request, identity), record_id, dict(request.query_params))
    return _respond(request, body)


# Create and update bodies may carry files: their limit is the collection's (service.max_body_size).
@post("/", status_code=200, opt={"rate_limit": ("create",)}, request_max_body_size=None)
async def create_record(
    request: Request[Any, Any, Any], runtime: RuntimeDep, identity: IdentityDep, collection: FromPath[str]
) -> Response[Any]:
    target = service.collection_or_404(runtime, collection)
    submission = await read_submission(request, limit=service.max_body_size(runtime, target))
    try:
        body = await service.create(runtime, target, _caller(request, identity), submission, dict(request.query_params))
    finally:
        submission.close()
    return _respond(request, body)


@patch("/{record_id:str}", opt={"rate_limit": ("update",)}, request_max_body_size=None)
async def update_record(
    request: Request[Any, Any, Any],
    runtime: RuntimeDep,
    identity: IdentityDep,
    collection: FromPath[str],
    record_id: FromPath[str],
) -> Response[Any]:
    target = service.collection_or_404(runtime, collection)
    submission = await read_submission(request, limit=service.max_body_size(runtime, target))
    caller = _caller(request, identity)
    try:
        body = await service.update(runtime, target, caller, record_id, submission, dict(request.query_params))
    finally:
        submission.close()
    return _respond(request, body)


@delete("/{record_id:str}", status_code=204, opt={"rate_limit": ("delete",)})
async def delete_record(
    runtime: RuntimeDep, identity: IdentityDep, collection: FromPath[str], record_id: FromPath[str]
) -> None:
    target = service.collection_or_404(runtime, collection)
    await service.delete(runtime, target, Caller(identity=identity, method="DELETE"), record_id)


@post("/api/batch", status_code=200, request_max_body_size=None)
async def batch(request: Request[Any, Any, Any], runtime: RuntimeDep, identity: IdentityDep) -> list[dict[str, Any]]:
    if not runtime.app_settings.current["batch"]["enabled"]:
        raise ForbiddenError("Batch requests are not allowed.")
    limit = runtime.app_settings.current["batch"]["maxBodySize"] or MAX_BATCH_BODY
    submission = await read_submission(request, limit=limit, json_message=READ_FAILED)
    try:
        return await run_batch(runtime, identity, submission.values, submission.all_uploads())
    finally:
        submission.close()


batch_router = Router(path="/", route_handlers=[batch], dependencies={"identity": Provide(provide_identity)})

records_router = Router(
    path="/api/collections/{collection:str}/records",
    route_handlers=[list_records, view_record, create_record, update_record, delete_record],
    dependencies={"identity": Provide(provide_identity)},
)
