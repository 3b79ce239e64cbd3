"""Outbound HTTP to OAuth2 providers: bounded time, bounded size, and nothing secret in errors or logs.

Every provider call goes through :func:`send`, which reads at most ``MAX_RESPONSE_BYTES`` of the
answer. :class:`OAuth2Error` messages name the URL's host and the status only, never a token, a
code or a response body, so they are safe to log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

__all__ = ["MAX_RESPONSE_BYTES", "OAuth2Error", "Reply", "get_json", "get_public_json", "new_client", "send"]

MAX_RESPONSE_BYTES = 1024 * 1024
_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Public documents (JWKS, OIDC discovery) are kept a few minutes per process: url -> (expires, data).
_PUBLIC_TTL = 300.0
_PUBLIC_MAX = 64
_public: dict[str, tuple[float, Any]] = {}


class OAuth2Error(Exception):
    """A provider call failed (network, status, size, shape, or an invalid ID token)."""


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise OAuth2Error("the provider answered with invalid JSON") from exc


def new_client() -> httpx.AsyncClient:
    """A client for one sign-in: short timeouts, a few redirects, no cookies kept between sign-ins."""
    return httpx.AsyncClient(
        timeout=_TIMEOUT, follow_redirects=True, max_redirects=5, headers={"User-Agent": "baas-oauth2"}
    )


def _where(url: str) -> str:
    return urlsplit(url).netloc or "?"


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> Reply:
    """One request; the answer whatever its status (callers decide), cut off past the size limit."""
    if not url.lower().startswith(("https://", "http://")):
        raise OAuth2Error("the provider URL is missing or not http(s)")
    try:
        async with client.stream(method, url, headers=dict(headers or {}), data=data, auth=auth) as response:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise OAuth2Error(f"the answer of {_where(url)} is too large")
                chunks.append(chunk)
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            return Reply(response.status_code, content_type, b"".join(chunks))
    except httpx.HTTPError as exc:
        raise OAuth2Error(f"request to {_where(url)} failed ({type(exc).__name__})") from None


async def get_json(client: httpx.AsyncClient, url: str, *, bearer: str = "") -> Any:
    """GET a JSON document (with the access token when given); a non-2xx status is an error."""
    headers = {"Accept": "application/json"}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    reply = await send(client, "GET", url, headers=headers)
    if not reply.ok:
        raise OAuth2Error(f"{_where(url)} answered {reply.status}")
    return reply.json()


async def get_public_json(client: httpx.AsyncClient, url: str, *, refresh: bool = False) -> Any:
    """A public JSON document (JWKS, discovery), cached for a few minutes unless ``refresh``."""
    now = time.monotonic()
    cached = _public.get(url)
    if cached is not None and cached[0] > now and not refresh:
        return cached[1]
    data = await get_json(client, url)
    if len(_public) >= _PUBLIC_MAX:
        _public.clear()
    _public[url] = (now + _PUBLIC_TTL, data)
    return data
