"""The file store: the current storage backend plus the journal protocol (:mod:`baas.files.journal`).

Record writes use ``stage`` (before their transaction), ``discard`` (after a failed one) and
``purge`` (after a committed one); the server's periodic task and ``baas files gc`` use ``sweep``.
Nothing here fails a request that already committed: storage errors after the commit are logged
and the journal keeps the keys for the next sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from baas.files import journal
from baas.files.backends import StorageSelector
from baas.files.names import thumbs_prefix
from baas.files.storage import Storage, StorageError
from baas.files.thumbnailer import Thumbnailer
from baas.files.uploads import Upload

__all__ = ["FileStore", "SweepReport"]

logger = logging.getLogger("baas.files")


@dataclass
class SweepReport:
    expired: int = 0  # pending uploads older than the grace period, now doomed
    deleted: int = 0  # doomed objects deleted (with their thumbs)
    failed: int = 0  # doomed objects the storage refused to delete (kept for the next sweep)


class FileStore:
    def __init__(self, engine: AsyncEngine, selector: StorageSelector, thumbnailer: Thumbnailer | None = None) -> None:
        self.engine = engine
        self.selector = selector
        self.thumbnailer = thumbnailer or Thumbnailer()

    @property
    def storage(self) -> Storage:
        return self.selector.current()

    async def stage(self, key: str, upload: Upload) -> None:
        """Write an upload that a record is about to reference (journal first, then storage)."""
        await journal.reserve(self.engine, [key])
        await self.storage.put(key, upload.file, upload.size, upload.content_type)

    async def discard(self, keys: Iterable[str]) -> None:
        """Remove staged uploads whose record was not committed (claimed ones are kept)."""
        keys = list(keys)
        try:
            doomed = await journal.doom_pending(self.engine, keys)
        except Exception:  # the sweep dooms them after the grace period
            logger.warning("files: could not doom %d staged upload(s); the sweep will", len(keys), exc_info=True)
            return
        await self.purge(doomed)

    async def purge(self, keys: Iterable[str]) -> int:
        """Delete doomed objects and their thumbs, then their journal rows; returns how many went."""
        storage = self.storage
        gone: list[str] = []
        for key in keys:
            try:
                await storage.delete(key)
                await storage.delete_prefix(thumbs_prefix(key))
            except (StorageError, OSError, ValueError) as exc:
                logger.warning("files: could not delete %s: %s", key, exc)
                continue
            gone.append(key)
        try:
            await journal.forget(self.engine, gone)
        except Exception:
            logger.warning("files: could not clear %d journal row(s)", len(gone), exc_info=True)
        return len(gone)

    async def sweep(self, grace_seconds: float) -> SweepReport:
        """Doom expired pending uploads, then delete every doomed object."""
        report = SweepReport(expired=await journal.doom_expired(self.engine, grace_seconds))
        after = ""
        while keys := await journal.doomed_keys(self.engine, after=after):
            deleted = await self.purge(keys)
            report.deleted += deleted
            report.failed += len(keys) - deleted
            after = keys[-1]
        return report
