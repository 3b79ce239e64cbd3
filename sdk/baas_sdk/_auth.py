"""Where the client keeps its auth token and record: in memory, or in a JSON file.

The client reads ``store.token`` for the ``Authorization`` header of every request and refreshes it
(``auth-refresh``) shortly before it expires. The token is a JWT; its claims are decoded here without
verification, which only the server can do.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

__all__ = ["AuthStore", "FileAuthStore", "token_claims"]

Record = dict[str, Any]
Listener = Callable[[str, Optional[Record]], None]


def token_claims(token: str) -> dict[str, Any]:
    """The (unverified) payload of a JWT, or ``{}`` when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, UnicodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


class AuthStore:
    """An in-memory auth state: ``token`` and the authenticated ``record``.

    Thread-safe; ``on_change`` listeners run after every ``save``/``clear``.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._token = ""
        self._record: Record | None = None
        self._listeners: list[Listener] = []

    @property
    def token(self) -> str:
        return self._token

    @property
    def record(self) -> Record | None:
        """The authenticated record (as the auth response returned it), or ``None``."""
        return self._record

    @property
    def claims(self) -> dict[str, Any]:
        return token_claims(self._token)

    @property
    def expires_at(self) -> float | None:
        """The token's ``exp`` as a UNIX timestamp."""
        exp = self.claims.get("exp")
        return float(exp) if isinstance(exp, (int, float)) else None

    @property
    def is_valid(self) -> bool:
        """A token is present and not expired (by its own ``exp`` claim)."""
        expires = self.expires_at
        return bool(self._token) and expires is not None and expires > time.time()

    @property
    def is_superuser(self) -> bool:
        record = self._record or {}
        return record.get("collectionName") == "_superusers" or self.claims.get("collectionId") == "pbc_3142635823"

    @property
    def refreshable(self) -> bool:
        """False for impersonation tokens, which ``auth-refresh`` cannot renew."""
        return self.claims.get("refreshable", True) is not False

    @property
    def collection(self) -> str | None:
        """The auth collection (name or id) of the stored record."""
        record = self._record or {}
        name = record.get("collectionName") or record.get("collectionId") or self.claims.get("collectionId")
        return str(name) if name else None

    def save(self, token: str, record: Record | None = None) -> None:
        with self._lock:
            self._token = token
            self._record = record
            self._persist()
        self._notify()

    def clear(self) -> None:
        with self._lock:
            self._token = ""
            self._record = None
            self._persist()
        self._notify()

    def on_change(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(token, record)`` after each change; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _persist(self) -> None:
        """Subclasses write the state somewhere durable."""

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener(self._token, self._record)


class FileAuthStore(AuthStore):
    """An auth store kept in a JSON file (mode 0600), so scripts stay logged in across runs."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.path = Path(path)
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        if isinstance(saved, dict) and isinstance(saved.get("token"), str):
            self._token = saved["token"]
            record = saved.get("record")
            self._record = record if isinstance(record, dict) else None

    def _persist(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"token": self._token, "record": self._record})
        # write-then-rename: a crash never leaves a half-written file behind
        fd, tmp = tempfile.mkstemp(dir=str(self.path.parent), prefix=".auth-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
