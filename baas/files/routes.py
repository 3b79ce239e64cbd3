"""``GET|HEAD /api/files/{collection}/{recordId}/{filename}`` and ``POST /api/files/token``."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, head, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.response import Response, Stream

from baas.api.dependencies import IdentityDep, RuntimeDep, provide_identity, require_auth
from baas.api.errors import envelope
from baas.files import serving
from baas.files.service import ServedFile, file_token, find_file

__all__ = ["files_router"]

_PATH = "/{collection:str}/{record_id:str}/{filename:str}"
# The security headers middleware leaves X-Frame-Options out when it sees this marker: files may be
# embedded anywhere (PocketBase does the same), the CSP sandbox keeps them inert.
_NO_FRAME_OPTIONS = {"x-baas-no-frame-options": "1"}


async def _find(
    request: Request[Any, Any, Any], runtime: RuntimeDep, collection: str, record_id: str, filename: str
) -> ServedFile:
    return await find_file(runtime, collection, record_id, filename, dict(request.query_params), dict(request.headers))


def _headers(served: ServedFile, request: Request[Any, Any, Any]) -> dict[str, str]:
    content_type = serving.content_type_for(served.name, served.info.content_type)
    download = serving.forces_download(request.query_params)
    return {
        **_NO_FRAME_OPTIONS,
        "Content-Type": content_type,
        "Content-Disposition": serving.disposition(served.name, content_type, download=download),
        "Content-Security-Policy": serving.CSP,
        "Cache-Control": serving.CACHE_CONTROL,
        "ETag": serving.etag(served.info),
        "Last-Modified": serving.last_modified(served.info),
        "Accept-Ranges": "bytes",
    }


def _respond(served: ServedFile, request: Request[Any, Any, Any], *, body: bool) -> Response[Any]:
    """The file, a 206 range of it, a 304, or a 416; headers only for HEAD (``body`` False)."""
    headers = _headers(served, request)
    request_headers = {name.lower(): value for name, value in request.headers.items()}
    if serving.not_modified(request_headers, served.info):
        kept = ("ETag", "Last-Modified", "Cache-Control", "Content-Security-Policy", "x-baas-no-frame-options")
        return Response(
            b"", status_code=304, headers={name: headers[name] for name in kept}, media_type=headers["Content-Type"]
        )
    try:
        byte_range = serving.requested_range(request_headers, served.info)
    except serving.RangeNotSatisfiableError as exc:
        response = envelope(416, f"Invalid range: {exc}.")
        response.headers["Content-Range"] = f"bytes */{served.info.size}"
        return response
    status, start, length = 200, 0, served.info.size
    if byte_range is not None:
        status, start, length = 206, byte_range.start, byte_range.length
        headers["Content-Range"] = byte_range.content_range(served.info.size)
    headers["Content-Length"] = str(length)
    media_type = headers["Content-Type"]  # in the headers too: Litestar would append a second charset
    if not body or length == 0:
        return Response(b"", status_code=status, headers=headers, media_type=media_type)
    content = served.storage.read(served.key, start, length)
    return Stream(content, status_code=status, headers=headers, media_type=media_type)


@get(_PATH, opt={"rate_limit": ("file",)})
async def download(
    request: Request[Any, Any, Any],
    runtime: RuntimeDep,
    collection: FromPath[str],
    record_id: FromPath[str],
    filename: FromPath[str],
) -> Response[Any]:
    served = await _find(request, runtime, collection, record_id, filename)
    return _respond(served, request, body=True)


@head(_PATH, opt={"rate_limit": ("file",)})
async def download_head(
    request: Request[Any, Any, Any],
    runtime: RuntimeDep,
    collection: FromPath[str],
    record_id: FromPath[str],
    filename: FromPath[str],
) -> Response[None]:
    served = await _find(request, runtime, collection, record_id, filename)
    response: Response[None] = _respond(served, request, body=False)
    return response


@post("/token", status_code=200)
async def token(identity: IdentityDep) -> dict[str, str]:
    return {"token": file_token(require_auth(identity))}


files_router = Router(
    path="/api/files",
    route_handlers=[download, download_head, token],
    dependencies={"identity": Provide(provide_identity)},
)
