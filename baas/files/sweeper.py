"""The server's periodic file sweep (``FileStore.sweep``), one background task per process.

Every process may sweep: dooming skips rows another transaction holds, and deleting an object
twice is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from baas.files.store import FileStore

__all__ = ["Sweeper"]

logger = logging.getLogger("baas.files")


class Sweeper:
    def __init__(self, store: FileStore, *, interval: float, grace: float) -> None:
        self.store = store
        self.interval = interval
        self.grace = grace
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="baas-files-sweep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                report = await self.store.sweep(self.grace)
            except Exception:
                logger.warning("files: the periodic sweep failed", exc_info=True)
                continue
            if report.expired or report.deleted or report.failed:
                logger.info(
                    "files: swept %d expired upload(s), deleted %d object(s), %d failed",
                    report.expired,
                    report.deleted,
                    report.failed,
                )
