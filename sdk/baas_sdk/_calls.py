"""Requests as data: every operation is written once as a *flow* that both clients drive.

A flow is a generator that yields ``Call`` objects (one HTTP request each), receives the decoded
JSON body of each answer (``None`` for 204), and returns the operation's result. A failed call is
thrown into the flow as a ``ClientResponseError``, so a flow may catch it (the MFA flow does).
``Client`` drives flows with blocking I/O and ``AsyncClient`` with ``await``: the request building
and the response interpretation are shared, the façades are thin.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from ._files import FileInput

__all__ = ["Call", "Flow", "call", "compact"]

T = TypeVar("T")
R = TypeVar("R")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class Call:
    """One HTTP request, before it is bound to a client."""

    method: str
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    json: Any = None
    #: multipart: plain form values (sent next to ``files``); a ``None`` means "send JSON"
    form: Mapping[str, Any] | None = None
    files: Sequence[tuple[str, FileInput]] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    #: send the auth store's token
    authorize: bool = True
    #: may the client refresh an expiring token before sending (False for the refresh itself)
    refresh_first: bool = True
    #: a request body/query flag that makes a non-idempotent method safe to retry
    idempotent: bool | None = None

    @property
    def retry_safe(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method.upper() in IDEMPOTENT_METHODS


Flow = Generator[Call, Any, T]


def call(request: Call, parse: Callable[[Any], R] = lambda body: body) -> Flow[R]:
    """The flow of a single request whose body is turned into the result by ``parse``."""
    body = yield request
    return parse(body)


def compact(**values: Any) -> dict[str, Any]:
    """Query parameters without the ``None`` ones; booleans as PocketBase reads them."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        out[key] = ("1" if value else "0") if isinstance(value, bool) else value
    return out
