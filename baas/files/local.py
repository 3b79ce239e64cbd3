"""The local backend: one file per key under ``<data dir>/storage``.

Writes go to a temporary file beside the target (``.<name>.<random>.tmp``), are fsynced and then
renamed into place, so a reader or a crash never sees half a file; a crash leaves at worst that
temporary file, which ``baas files gc`` removes. Keys come from :mod:`baas.files.names` only, and
every path is checked to stay inside the root.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import anyio.to_thread

from baas.files.sniff import HEAD_SIZE, sniff
from baas.files.storage import CHUNK_SIZE, ObjectInfo, StorageError

__all__ = ["LocalStorage", "is_temporary"]

_TMP_SUFFIX = ".tmp"
_LIST_BATCH = 1000


def is_temporary(key: str) -> bool:
    """Whether ``key`` is an unfinished write (only a crash leaves one behind)."""
    name = key.rsplit("/", 1)[-1]
    return name.startswith(".") and name.endswith(_TMP_SUFFIX)


class LocalStorage:
    """Files in a directory (created on first write)."""

    def __init__(self, root: Path) -> None:
        self.root = root.absolute()

    @property
    def name(self) -> str:
        return "local"

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()) or not key or key.startswith("/"):
            raise StorageError("invalid storage key")
        return path

    # ----- writing -------------------------------------------------------------------------------

    def _put(self, key: str, source: IO[bytes], size: int) -> None:
        path = self._path(key)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}{_TMP_SUFFIX}")
        for attempt in itertools.count():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                handle = open(temporary, "xb")  # noqa: SIM115 - closed below, after fsync
                break
            except FileNotFoundError:
                # A concurrent delete removed the (empty) directory between mkdir and open.
                if attempt >= 3:
                    raise
        try:
            with handle:
                copied = _copy(source, handle, size)
                handle.flush()
                os.fsync(handle.fileno())
            if copied != size:
                raise StorageError(f"short upload: {copied} of {size} bytes")
            os.replace(temporary, path)
            _fsync_directory(path.parent)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    async def put(self, key: str, source: IO[bytes], size: int, content_type: str) -> None:
        await anyio.to_thread.run_sync(self._put, key, source, size)

    # ----- reading -------------------------------------------------------------------------------

    def _stat(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        try:
            status = path.stat()
            with path.open("rb") as handle:
                head = handle.read(HEAD_SIZE)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        modified = datetime.fromtimestamp(status.st_mtime, UTC)
        return ObjectInfo(
            key=key,
            size=status.st_size,
            modified=modified,
            content_type=sniff(head),
            etag=f"{status.st_size:x}-{status.st_mtime_ns:x}",
        )

    async def stat(self, key: str) -> ObjectInfo | None:
        return await anyio.to_thread.run_sync(self._stat, key)

    async def read(self, key: str, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        handle = await anyio.to_thread.run_sync(self._path(key).open, "rb")
        try:
            await anyio.to_thread.run_sync(handle.seek, start)
            remaining = length
            while remaining is None or remaining > 0:
                size = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                chunk = await anyio.to_thread.run_sync(handle.read, size)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            await anyio.to_thread.run_sync(handle.close)

    async def download(self, key: str, target: IO[bytes]) -> None:
        def copy() -> None:
            with self._path(key).open("rb") as handle:
                shutil.copyfileobj(handle, target, CHUNK_SIZE)

        await anyio.to_thread.run_sync(copy)

    # ----- deleting and listing ------------------------------------------------------------------

    def _delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        # Unfinished writes of this key that a crash left behind.
        for leftover in path.parent.glob(f".{_glob_escape(path.name)}.*{_TMP_SUFFIX}"):
            leftover.unlink(missing_ok=True)
        _remove_empty(path.parent, self.root)

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(self._delete, key)

    def _delete_prefix(self, prefix: str) -> None:
        if not prefix.endswith("/"):
            raise StorageError("a prefix must end with /")
        directory = self._path(prefix.rstrip("/"))
        if directory == self.root.resolve():
            raise StorageError("refusing to delete the whole storage")
        shutil.rmtree(directory, ignore_errors=True)
        _remove_empty(directory.parent, self.root)

    async def delete_prefix(self, prefix: str) -> None:
        await anyio.to_thread.run_sync(self._delete_prefix, prefix)

    def _walk(self, prefix: str) -> Iterator[ObjectInfo]:
        base = self.root if not prefix else self._path(prefix.rstrip("/"))
        root = self.root.resolve()
        for directory, _dirs, files in os.walk(base):
            for file_name in files:
                path = Path(directory, file_name)
                with contextlib.suppress(FileNotFoundError):
                    status = path.stat()
                    key = path.relative_to(root).as_posix()
                    yield ObjectInfo(
                        key=key, size=status.st_size, modified=datetime.fromtimestamp(status.st_mtime, UTC)
                    )

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        walker = self._walk(prefix)
        while batch := await anyio.to_thread.run_sync(lambda: list(itertools.islice(walker, _LIST_BATCH))):
            for item in batch:
                yield item


def _copy(source: IO[bytes], target: IO[bytes], size: int) -> int:
    copied = 0
    while copied < size:
        chunk = source.read(min(CHUNK_SIZE * 4, size - copied))
        if not chunk:
            break
        target.write(chunk)
        copied += len(chunk)
    return copied


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_empty(directory: Path, root: Path) -> None:
    """Remove ``directory`` and its parents while they are empty (never the root)."""
    root = root.resolve()
    while directory != root and directory.is_relative_to(root):
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


def _glob_escape(text: str) -> str:
    return "".join(f"[{char}]" if char in "*?[" else char for char in text)
