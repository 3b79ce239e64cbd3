"""When to try a request again, and how long to wait first.

Idempotent requests (GET, HEAD, PUT, DELETE) are retried after a transport error or a 502/503/504
answer, with exponential backoff and jitter. Any request is retried after a connection that never
opened (nothing reached the server) and after 429, which tells that the server did not act on it;
a 429 waits for ``Retry-After`` when the server sends one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

from ._calls import Call
from ._exceptions import retry_after_seconds

__all__ = ["Retry"]


@dataclass(frozen=True)
class Retry:
    """Retry policy. ``Retry(attempts=0)`` turns retries off.

    Attributes:
        attempts: retries after the first try.
        backoff: the first wait in seconds; doubled for each further retry (plus up to 25% jitter).
        max_backoff: the longest computed wait.
        max_retry_after: a ``Retry-After`` longer than this is not waited for: the 429 is raised.
        statuses: answers that are retried for idempotent requests.
    """

    attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    statuses: frozenset[int] = frozenset({502, 503, 504})

    def _wait(self, attempt: int) -> float:
        base = min(self.max_backoff, self.backoff * (2**attempt))
        return float(base + random.uniform(0, base / 4))  # noqa: S311 - jitter, not cryptography

    def after_response(self, call: Call, attempt: int, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying ``call`` after ``response``, or ``None`` to not retry."""
        if attempt >= self.attempts:
            return None
        if response.status_code == 429:
            retry_after = retry_after_seconds(response)
            if retry_after is None:
                return self._wait(attempt)
            return retry_after if retry_after <= self.max_retry_after else None
        if response.status_code in self.statuses and call.retry_safe:
            return self._wait(attempt)
        return None

    def after_error(self, call: Call, attempt: int, error: httpx.TransportError) -> float | None:
        """Seconds to wait before retrying ``call`` after a transport error, or ``None``."""
        if attempt >= self.attempts:
            return None
        never_sent = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))
        if never_sent or (call.retry_safe and not isinstance(error, httpx.UnsupportedProtocol)):
            return self._wait(attempt)
        return None
