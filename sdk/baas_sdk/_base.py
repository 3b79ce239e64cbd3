"""What ``Client`` and ``AsyncClient`` share: configuration, request building, answer decoding.

Neither façade builds a request or reads an answer itself; both call ``prepare`` and ``decode``
here and differ only in how they wait (blocking or ``await``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any, Union
from urllib.parse import urlencode

import httpx

from ._auth import AuthStore
from ._calls import Call, Flow
from ._exceptions import NetworkError, TimeoutError, error_for_response
from ._files import OpenedFiles
from ._retry import Retry

__all__ = ["BaseClient", "TimeoutTypes"]

TimeoutTypes = Union[float, httpx.Timeout, None]

USER_AGENT = "baas-sdk-python/0.1"


class BaseClient:
    """Settings and request building shared by the sync and async clients."""

    def __init__(
        self,
        base_url: str,
        *,
        auth_store: AuthStore | None = None,
        timeout: TimeoutTypes = 30.0,
        retry: Retry | None = None,
        headers: Mapping[str, str] | None = None,
        refresh_threshold: float = 300.0,
        lang: str | None = None,
    ) -> None:
        """
        Args:
            base_url: the server, e.g. ``http://127.0.0.1:8090``.
            auth_store: where the token lives (``AuthStore()`` in memory by default, or a
                ``FileAuthStore(path)``).
            timeout: seconds (or an ``httpx.Timeout``) for each request.
            retry: the retry policy (``Retry()`` by default; ``Retry(attempts=0)`` turns it off).
            headers: extra headers on every request.
            refresh_threshold: refresh the token when it expires in fewer seconds than this.
            lang: the ``Accept-Language`` header.
        """
        self.base_url = base_url.rstrip("/")
        self.auth = auth_store if auth_store is not None else AuthStore()
        self.timeout = timeout
        self.retry = retry if retry is not None else Retry()
        self.refresh_threshold = refresh_threshold
        self.headers: dict[str, str] = {"User-Agent": USER_AGENT, **(headers or {})}
        if lang:
            self.headers["Accept-Language"] = lang

    # ----- URLs and requests ------------------------------------------------------------------

    def build_url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        url = self.base_url + ("" if path.startswith("/") else "/") + path
        query = {key: value for key, value in (params or {}).items() if value is not None}
        return url + ("?" + urlencode(query, doseq=True) if query else "")

    def request_headers(self, call: Call) -> dict[str, str]:
        headers = {**self.headers, **call.headers}
        if call.authorize and self.auth.token and "Authorization" not in call.headers:
            headers["Authorization"] = self.auth.token
        return headers

    def prepare(
        self, http: httpx.Client | httpx.AsyncClient, call: Call, positions: dict[int, int]
    ) -> tuple[httpx.Request, OpenedFiles | None]:
        """The ``httpx.Request`` for one attempt at ``call``, and the files it opened (to close after)."""
        url = self.build_url(call.path)
        params = _query(call.params)
        headers = self.request_headers(call)
        if call.files:
            opened = OpenedFiles(list(call.files), positions)
            form = {key: value for key, value in (call.form or {}).items()}
            request = http.build_request(
                call.method, url, params=params, headers=headers, data=form, files=opened.entries,
                timeout=self.timeout,
            )  # fmt: skip
            return request, opened
        if call.form is not None:
            request = http.build_request(call.method, url, params=params, headers=headers, data=dict(call.form),
                                         timeout=self.timeout)  # fmt: skip
            return request, None
        content = None if call.json is None else json.dumps(call.json, default=_json_default).encode()
        if content is not None:
            headers["Content-Type"] = "application/json"
        request = http.build_request(call.method, url, params=params, headers=headers, content=content,
                                     timeout=self.timeout)  # fmt: skip
        return request, None

    def decode(self, response: httpx.Response) -> Any:
        """The JSON body of a 2xx answer (``None`` when empty); raises for any other status."""
        if not response.is_success:
            raise error_for_response(response)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    @staticmethod
    def network_error(call: Call, url: str, error: httpx.TransportError) -> NetworkError:
        cls = TimeoutError if isinstance(error, httpx.TimeoutException) else NetworkError
        return cls(f"{call.method} request failed: {error!r}", url)

    # ----- auth refresh -----------------------------------------------------------------------

    def needs_refresh(self, call: Call) -> bool:
        """Whether to renew the stored token before sending ``call`` (it expires soon)."""
        if not (call.authorize and call.refresh_first and self.auth.token and self.auth.refreshable):
            return False
        expires = self.auth.expires_at
        if expires is None or self.auth.collection is None:
            return False
        now = time.time()
        return now < expires < now + self.refresh_threshold

    def refresh_flow(self) -> Flow[None]:
        """Renew the stored token; a token the server no longer accepts is dropped."""
        from ._exceptions import ForbiddenError, UnauthorizedError

        collection = self.auth.collection or ""
        try:
            body = yield Call("POST", f"/api/collections/{collection}/auth-refresh", refresh_first=False)
        except (UnauthorizedError, ForbiddenError):
            self.auth.clear()
            return
        self.auth.save(body["token"], body.get("record"))


def _query(params: Mapping[str, Any]) -> list[tuple[str, str | int | float | bool | None]]:
    items: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in params.items():
        if value is None:
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:
            items.append((key, _text(item)))
    return items


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_default(value: Any) -> Any:
    import datetime as dt

    from ._filter import format_datetime

    if isinstance(value, (dt.datetime, dt.date)):
        return format_datetime(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


