"""The S3 backend (AWS S3, MinIO, R2, ... through the ``minio`` client), configured by settings ``s3``.

The client is blocking, so every call runs in a worker thread. Puts are single S3 requests or
multipart uploads, which S3 publishes atomically: a reader never sees a partial object. An upload
cut short by a crash can leave an incomplete multipart upload (invisible, but billed); a bucket
lifecycle rule ``AbortIncompleteMultipartUpload`` cleans those (see docs/files.md).
"""

from __future__ import annotations

import io
import itertools
import secrets
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit

import anyio.to_thread
import urllib3
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import MinioException, S3Error

from baas.files.storage import CHUNK_SIZE, ObjectInfo, StorageError

__all__ = ["S3Config", "S3Storage"]

T = TypeVar("T")
_MISSING = {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}
_LIST_BATCH = 1000
_PART_SIZE = 16 * 1024 * 1024


@dataclass(frozen=True)
class S3Config:
    bucket: str
    region: str
    endpoint: str
    access_key: str
    secret: str
    force_path_style: bool

    @classmethod
    def from_settings(cls, s3: Mapping[str, Any]) -> S3Config:
        return cls(
            bucket=str(s3.get("bucket", "")),
            region=str(s3.get("region", "")),
            endpoint=str(s3.get("endpoint", "")),
            access_key=str(s3.get("accessKey", "")),
            secret=str(s3.get("secret", "")),
            force_path_style=bool(s3.get("forcePathStyle")),
        )

    def __repr__(self) -> str:  # never print the secret
        return f"S3Config(bucket={self.bucket!r}, endpoint={self.endpoint!r}, region={self.region!r})"


def _client(config: S3Config) -> Minio:
    parts = urlsplit(config.endpoint if "://" in config.endpoint else f"https://{config.endpoint}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StorageError("invalid S3 endpoint")
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=10, read=120),
        maxsize=16,
        retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )
    try:
        client = Minio(
            host,
            access_key=config.access_key,
            secret_key=config.secret,
            secure=parts.scheme == "https",
            region=config.region or None,
            http_client=http,
        )
    except ValueError as exc:
        raise StorageError(f"invalid S3 settings: {exc}") from None
    if config.force_path_style:
        client.disable_virtual_style_endpoint()  # type: ignore[no-untyped-call]
    return client


def _error(exc: Exception) -> StorageError:
    if isinstance(exc, S3Error):
        return StorageError(f"S3 error {exc.code}: {exc.message}")
    return StorageError(f"S3 request failed: {type(exc).__name__}: {exc}")


class S3Storage:
    """Objects in one S3 bucket."""

    def __init__(self, config: S3Config) -> None:
        self.config = config
        self._client = _client(config)

    @property
    def name(self) -> str:
        return "s3"

    async def _call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        def run() -> T:
            try:
                return function(*args, **kwargs)
            except (MinioException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
                raise _error(exc) from None

        return await anyio.to_thread.run_sync(run)

    async def put(self, key: str, source: IO[bytes], size: int, content_type: str) -> None:
        await self._call(
            self._client.put_object,
            self.config.bucket,
            key,
            source,
            size,
            content_type=content_type or "application/octet-stream",
            part_size=_PART_SIZE,
        )

    def _stat(self, key: str) -> ObjectInfo | None:
        try:
            found = self._client.stat_object(self.config.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise
        modified = found.last_modified or datetime.now(UTC)
        return ObjectInfo(
            key=key,
            size=int(found.size or 0),
            modified=modified,
            content_type=found.content_type or "",
            etag=(found.etag or "").strip('"'),
        )

    async def stat(self, key: str) -> ObjectInfo | None:
        return await self._call(self._stat, key)

    async def read(self, key: str, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        response = await self._call(self._client.get_object, self.config.bucket, key, offset=start, length=length or 0)
        try:
            chunks = response.stream(CHUNK_SIZE)
            while chunk := await self._call(next, chunks, b""):
                yield chunk
        finally:
            response.close()
            response.release_conn()

    async def download(self, key: str, target: IO[bytes]) -> None:
        async for chunk in self.read(key):
            await anyio.to_thread.run_sync(target.write, chunk)

    async def delete(self, key: str) -> None:
        await self._call(self._client.remove_object, self.config.bucket, key)

    def _delete_prefix(self, prefix: str) -> None:
        listing = self._client.list_objects(self.config.bucket, prefix=prefix, recursive=True)
        victims = (DeleteObject(item.object_name) for item in listing if item.object_name)
        # remove_objects is lazy: iterating its error report is what sends the requests.
        for failure in self._client.remove_objects(self.config.bucket, victims):
            raise StorageError(f"S3 delete failed: {failure.code} {failure.name}")

    async def delete_prefix(self, prefix: str) -> None:
        if not prefix.endswith("/"):
            raise StorageError("a prefix must end with /")
        await self._call(self._delete_prefix, prefix)

    def _walk(self, prefix: str) -> Iterator[ObjectInfo]:
        for item in self._client.list_objects(self.config.bucket, prefix=prefix or None, recursive=True):
            if item.object_name and not item.is_dir:
                yield ObjectInfo(
                    key=item.object_name, size=int(item.size or 0), modified=item.last_modified or datetime.now(UTC)
                )

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        walker = self._walk(prefix)
        while batch := await self._call(lambda: list(itertools.islice(walker, _LIST_BATCH))):
            for item in batch:
                yield item

    async def check(self) -> None:
        """Write, list and delete a test object (``POST /api/settings/test/s3``)."""
        prefix = f"pb_settings_test_{secrets.token_hex(3)}/"
        await self.put(f"{prefix}test.txt", io.BytesIO(b"test"), 4, "text/plain; charset=utf-8")
        await self.delete_prefix(prefix)
