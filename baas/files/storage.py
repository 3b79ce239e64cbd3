"""The storage interface every backend implements (local directory, S3), and what it returns.

Objects are immutable once written: a key is written once (uploads get fresh random names; a thumb
is written whole under its final key), so readers never see a partial object. All methods are
coroutines; backends run their blocking calls in worker threads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Protocol

__all__ = ["CHUNK_SIZE", "ObjectInfo", "Storage", "StorageError"]

CHUNK_SIZE = 256 * 1024


class StorageError(Exception):
    """The backend failed (unreachable, misconfigured, denied); the message never carries secrets."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified: datetime
    # The sniffed MIME type recorded at upload ("" in listings).
    content_type: str = ""
    # An opaque version tag, without quotes.
    etag: str = ""


class Storage(Protocol):
    """A flat namespace of keys (``a/b/c``) holding immutable objects."""

    @property
    def name(self) -> str:
        """``local`` or ``s3``."""
        ...

    async def put(self, key: str, source: IO[bytes], size: int, content_type: str) -> None:
        """Store ``size`` bytes read from ``source`` (at its current position) under ``key``."""
        ...

    async def stat(self, key: str) -> ObjectInfo | None:
        """The object's metadata, or None when it does not exist."""
        ...

    def read(self, key: str, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        """The object's bytes from ``start``, ``length`` of them (all when None), in chunks."""
        ...

    async def download(self, key: str, target: IO[bytes]) -> None:
        """Copy the whole object into ``target``."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing one is fine."""
        ...

    async def delete_prefix(self, prefix: str) -> None:
        """Remove every object whose key starts with ``prefix`` (which must end with ``/``)."""
        ...

    def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        """Every object under ``prefix``, including unfinished temporary ones a crash left behind."""
        ...
