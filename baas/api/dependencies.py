"""Litestar dependencies: the app runtime and the caller's identity."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from baas.auth.identity import Identity, identify, token_from_header
from baas.errors import ForbiddenError, UnauthorizedError
from baas.runtime import Runtime

__all__ = ["IdentityDep", "RuntimeDep", "provide_identity", "provide_runtime", "require_auth", "require_superuser"]


RuntimeDep = NamedDependency[Runtime]
IdentityDep = NamedDependency[Identity | None]


def provide_runtime(request: Request[Any, Any, Any]) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def provide_identity(request: Request[Any, Any, Any]) -> Identity | None:
    cached = request.scope.get("state", {}).get("baas_identity", ...)
    if cached is not ...:
        return cached  # type: ignore[no-any-return]
    runtime = provide_runtime(request)
    token = token_from_header(request.headers.get("authorization"))
    identity = await identify(runtime.engine, runtime.registry.schema, token) if token else None
    request.scope.setdefault("state", {})["baas_identity"] = identity
    return identity


def require_auth(identity: Identity | None) -> Identity:
    if identity is None:
        raise UnauthorizedError()
    return identity


def require_superuser(identity: Identity | None) -> Identity:
    if identity is None:
        raise UnauthorizedError()
    if not identity.is_superuser:
        raise ForbiddenError()
    return identity
