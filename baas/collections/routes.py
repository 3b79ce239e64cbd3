"""HTTP endpoints of the collections API (superusers only), PocketBase paths and shapes."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, delete, get, patch, post, put
from litestar.di import Provide
from litestar.params import FromPath
from litestar.response import Response

from baas.api.bodies import read_json, require_storable
from baas.api.dependencies import IdentityDep, RuntimeDep, provide_identity, require_superuser
from baas.collections import service
from baas.collections.listing import list_collections
from baas.collections.rule_check import check_rule
from baas.collections.scaffolds import scaffolds_json
from baas.collections.submission import LOAD_DATA_MESSAGE, LOAD_TYPE_MESSAGE
from baas.paging import list_envelope, parse_paging
from baas.pick import parse_fields
from baas.records.cascade import truncate_collection

__all__ = ["collections_router"]

IMPORT_LOAD_MESSAGE = "An error occurred while loading the submitted data."


def _respond(request: Request[Any, Any, Any], body: Any) -> Response[Any]:
    picker = parse_fields(request.query_params.get("fields"))
    if picker is not None:
        body = (
            {**body, "items": picker.apply(body["items"])} if "items" in body and "page" in body else picker.apply(body)
        )
    return Response(body)


@get("/")
async def list_(request: Request[Any, Any, Any], runtime: RuntimeDep, identity: IdentityDep) -> Response[Any]:
    require_superuser(identity)
    paging = parse_paging(request.query_params)
    items, total = await list_collections(
        runtime.engine,
        runtime.registry.schema,
        paging,
        filter_text=request.query_params.get("filter", ""),
        sort_text=request.query_params.get("sort", ""),
    )
    return _respond(request, list_envelope([c.to_json() for c in items], paging, total))


@post("/", status_code=200)
async def create(request: Request[Any, Any, Any], runtime: RuntimeDep, identity: IdentityDep) -> Response[Any]:
    require_superuser(identity)
    body = require_storable(await read_json(request, LOAD_TYPE_MESSAGE), LOAD_TYPE_MESSAGE)
    collection = await service.create_collection(runtime.engine, runtime.registry, body, check_rule)
    return _respond(request, collection.to_json())


@get("/meta/scaffolds")
async def scaffolds(request: Request[Any, Any, Any], identity: IdentityDep) -> Response[Any]:
    require_superuser(identity)
    return _respond(request, scaffolds_json())


@put("/import", status_code=204)
async def import_(request: Request[Any, Any, Any], runtime: RuntimeDep, identity: IdentityDep) -> None:
    require_superuser(identity)
    body = require_storable(await read_json(request, IMPORT_LOAD_MESSAGE), IMPORT_LOAD_MESSAGE)
    await service.import_collections(runtime.engine, runtime.registry, body, check_rule)


@get("/{id_or_name:str}")
async def view(
    request: Request[Any, Any, Any], runtime: RuntimeDep, identity: IdentityDep, id_or_name: FromPath[str]
) -> Response[Any]:
    require_superuser(identity)
    return _respond(request, service.find_or_404(runtime.registry.schema, id_or_name).to_json())


@patch("/{id_or_name:str}")
async def update(
    request: Request[Any, Any, Any], runtime: RuntimeDep, identity: IdentityDep, id_or_name: FromPath[str]
) -> Response[Any]:
    require_superuser(identity)
    service.find_or_404(runtime.registry.schema, id_or_name)
    body = require_storable(await read_json(request, LOAD_DATA_MESSAGE), LOAD_DATA_MESSAGE)
    collection = await service.update_collection(runtime.engine, runtime.registry, id_or_name, body, check_rule)
    return _respond(request, collection.to_json())


@delete("/{id_or_name:str}", status_code=204)
async def remove(runtime: RuntimeDep, identity: IdentityDep, id_or_name: FromPath[str]) -> None:
    require_superuser(identity)
    await service.delete_collection(runtime.engine, runtime.registry, id_or_name)


@delete("/{id_or_name:str}/truncate", status_code=204)
async def truncate(runtime: RuntimeDep, identity: IdentityDep, id_or_name: FromPath[str]) -> None:
    require_superuser(identity)
    await truncate_collection(runtime.engine, runtime.registry, id_or_name)


collections_router = Router(
    path="/api/collections",
    route_handlers=[list_, create, scaffolds, import_, view, update, remove, truncate],
    dependencies={"identity": Provide(provide_identity)},
)
