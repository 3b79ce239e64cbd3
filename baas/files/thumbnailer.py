"""Making thumbs on demand: once per key, a bounded number at a time, never on the event loop.

Concurrent requests for the same thumb in this process wait for one generation (a lock per key);
other processes may generate it too, which is harmless because a thumb is written whole under its
final key. A thumb written after its original was deleted (a delete racing a generation) is
removed again at once.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
from tempfile import SpooledTemporaryFile

import anyio.to_thread

from baas.files.storage import Storage, StorageError
from baas.files.thumbs import MAX_PIXELS, ThumbError, ThumbSize, probe, render

__all__ = ["Thumbnailer"]

logger = logging.getLogger("baas.files")
# Originals up to this size are read into memory for Pillow; larger ones go through a temporary file.
_IN_MEMORY = 8 * 1024 * 1024
# Larger originals get no thumbs; the declared pixel size is read from this many first bytes.
MAX_SOURCE_BYTES = 64 * 1024 * 1024
_PROBE_BYTES = 256 * 1024


class Thumbnailer:
    def __init__(self, *, workers: int | None = None, max_pixels: int = MAX_PIXELS, max_wait: float = 60.0) -> None:
        self.max_pixels = max_pixels
        self.max_wait = max_wait
        self._slots = asyncio.Semaphore(workers or (os.cpu_count() or 1) + 2)
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def ensure(
        self, storage: Storage, original: str, thumb: str, size: ThumbSize, fmt: str, content_type: str
    ) -> bool:
        """Make sure the thumb exists; False when it cannot be made (serve the original instead)."""
        lock, users = self._locks.get(thumb, (asyncio.Lock(), 0))
        self._locks[thumb] = (lock, users + 1)
        try:
            async with lock:
                if await storage.stat(thumb) is not None:
                    return True
                return await self._generate(storage, original, thumb, size, fmt, content_type)
        finally:
            lock, users = self._locks[thumb]
            if users <= 1:
                del self._locks[thumb]
            else:
                self._locks[thumb] = (lock, users - 1)

    async def _generate(
        self, storage: Storage, original: str, thumb: str, size: ThumbSize, fmt: str, content_type: str
    ) -> bool:
        try:
            async with asyncio.timeout(self.max_wait):
                await self._slots.acquire()
        except TimeoutError:
            logger.warning("files: no thumb worker free for %s; serving the original", thumb)
            return False
        try:
            if not await self._worth_it(storage, original):
                return False
            with SpooledTemporaryFile(max_size=_IN_MEMORY) as source:
                await storage.download(original, source)
                await anyio.to_thread.run_sync(source.seek, 0)
                data = await anyio.to_thread.run_sync(render, source, size, fmt, self.max_pixels)
            await storage.put(thumb, io.BytesIO(data), len(data), content_type)
        except (ThumbError, StorageError, OSError) as exc:
            logger.info("files: no thumb %s (%s); serving the original", thumb, exc)
            return False
        finally:
            self._slots.release()
        if await storage.stat(original) is None:
            await storage.delete(thumb)
            return False
        return True

    async def _worth_it(self, storage: Storage, original: str) -> bool:
        """Refuse huge files and images that declare too many pixels, before reading them whole."""
        info = await storage.stat(original)
        if info is None or info.size > MAX_SOURCE_BYTES:
            return False
        head = b"".join([chunk async for chunk in storage.read(original, 0, min(info.size, _PROBE_BYTES))])
        declared = await anyio.to_thread.run_sync(probe, head)
        if declared is not None and declared > self.max_pixels:
            logger.info("files: %s declares %d pixels; no thumb", original, declared)
            return False
        return True
