"""PocketBase's rate limits (settings ``rateLimits``): labelled rules per client IP, fixed windows.

A request is matched against ``<collection>:<action>``, ``*:<action>`` (for records and auth routes,
which declare their actions in the handler's ``opt["rate_limit"]``), ``<METHOD> <path>`` and
``<path>``, in that order; rules whose label ends with ``/`` match paths by prefix. The first rule
that matches (and whose audience — everyone, ``@guest`` or ``@auth`` — fits) applies. Superusers and
excluded IPs are never limited.

Counters live in this process: with N server processes behind a load balancer a client can make
at most N times the configured requests per window (documented in docs/rate-limits.md).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

from baas.api.client_ip import client_ip
from baas.auth.identity import Identity, identify, token_from_header

__all__ = ["RateLimitMiddleware", "find_rule"]

_MAX_CLIENTS_PER_RULE = 100_000


def find_rule(
    rules: Sequence[Mapping[str, Any]], labels: Sequence[str], audiences: Sequence[str]
) -> Mapping[str, Any] | None:
    prefix_rules = [rule for rule in rules if rule["label"].endswith("/")]
    for label in labels:
        for rule in rules:
            if rule["label"] == label and rule["audience"] in audiences:
                return rule
        for rule in prefix_rules:
            if (label + "/").startswith(rule["label"]) and rule["audience"] in audiences:
                return rule
    return None


class _Window:
    __slots__ = ("available", "started")

    def __init__(self) -> None:
        self.available = 0
        self.started = 0.0


class _Limiter:
    def __init__(self) -> None:
        self.windows: dict[str, _Window] = {}

    def consume(self, client: str, max_requests: int, duration: float) -> float | None:
        """None if allowed; otherwise the seconds until the window resets."""
        now = time.monotonic()
        window = self.windows.get(client)
        if window is None:
            if len(self.windows) >= _MAX_CLIENTS_PER_RULE:
                self._evict(now, duration)
            window = self.windows[client] = _Window()
        if now - window.started >= duration:
            window.started = now
            window.available = max_requests
        if window.available > 0:
            window.available -= 1
            return None
        return max(duration - (now - window.started), 0.0)

    def _evict(self, now: float, duration: float) -> None:
        for key in [k for k, w in self.windows.items() if now - w.started >= duration]:
            del self.windows[key]


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._limiters: dict[str, _Limiter] = {}
        self._settings_seen: object = None
        self._rules_seen: object = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        runtime = getattr(scope["app"].state, "runtime", None)
        if runtime is None:
            await self.app(scope, receive, send)
            return
        config = runtime.app_settings.current["rateLimits"]
        client = client_ip(scope)
        if not config["enabled"] or not client or client in config["excludedIPs"]:
            await self.app(scope, receive, send)
            return
        if self._settings_seen is not config:
            # Settings are reloaded often (the mail worker reloads them for every mail it sends): only
            # changed rules start the counting afresh, or each mailed request would reset its own limit.
            if config != self._rules_seen:
                self._limiters.clear()
                self._rules_seen = copy.deepcopy(config)
            self._settings_seen = config
        identity = await self._identity(scope, runtime)
        if identity is not None and identity.is_superuser:
            await self.app(scope, receive, send)
            return
        labels, limiter_id = self._labels(scope)
        audiences = ("", "@auth") if identity is not None else ("", "@guest")
        rule = find_rule(config["rules"], labels, audiences)
        if rule is not None:
            key = f"{limiter_id or rule['label']}|{rule['audience']}"
            wait = self._limiters.setdefault(key, _Limiter()).consume(client, rule["maxRequests"], rule["duration"])
            if wait is not None:
                await _too_many(send, wait, for_people=scope["path"].startswith("/_/"))
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _labels(scope: Scope) -> tuple[list[str], str]:
        path = scope["path"]
        method = scope.get("method", "GET")
        tail = [f"{method} {path}", path]
        handler = scope.get("route_handler")
        actions: Sequence[str] = handler.opt.get("rate_limit", ()) if handler is not None else ()
        # Routes without a {collection} (the dashboard's sign-in) name theirs in the options.
        fixed = handler.opt.get("rate_limit_collection", "") if handler is not None else ""
        collection = str(scope.get("path_params", {}).get("collection", "") or fixed)
        if not actions or not collection:
            return tail, ""
        runtime = scope["app"].state.runtime
        found = runtime.registry.schema.find(collection)
        name = found.name if found is not None else collection
        labels = [f"{name}:{action}" for action in actions] + [f"*:{action}" for action in actions]
        limiter_id = f"{found.id if found else collection}|{handler.paths}|{','.join(actions)}"
        return labels + tail, limiter_id

    @staticmethod
    async def _identity(scope: Scope, runtime: Any) -> Identity | None:
        headers = dict(scope.get("headers", []))
        token = token_from_header(headers.get(b"authorization", b"").decode("latin-1"))
        if not token:
            return None
        state = scope.setdefault("state", {})
        if "baas_identity" not in state:
            state["baas_identity"] = await identify(runtime.engine, runtime.registry.schema, token)
        return state["baas_identity"]  # type: ignore[no-any-return]


async def _too_many(send: Send, wait: float, *, for_people: bool = False) -> None:
    """The 429: PocketBase's envelope for the API, a sentence for the dashboard's forms."""
    seconds = max(1, math.ceil(wait))
    if for_people:
        body = f"Too many attempts. Try again in {seconds} seconds.".encode()
        content_type = b"text/plain; charset=utf-8"
    else:
        body = b'{"data":{},"message":"Too Many Requests.","status":429}'
        content_type = b"application/json"
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 429,
        "headers": [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(seconds).encode()),
        ],
    }
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(end)
