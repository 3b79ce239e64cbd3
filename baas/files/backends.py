"""Which backend serves now: the local directory, or S3 when settings ``s3.enabled`` is on.

Settings change at runtime (``PATCH /api/settings``, from any process), so the backend is looked up
on every use and rebuilt only when the S3 settings changed. Switching does not move files: objects
written before stay where they were (as in PocketBase).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from baas.files.local import LocalStorage
from baas.files.s3 import S3Config, S3Storage
from baas.files.storage import Storage

__all__ = ["StorageSelector", "check_s3"]


class StorageSelector:
    def __init__(self, local_root: Path, s3_settings: Callable[[], Mapping[str, Any]]) -> None:
        self.local = LocalStorage(local_root)
        self._s3_settings = s3_settings
        self._s3: tuple[S3Config, S3Storage] | None = None

    def current(self) -> Storage:
        settings = self._s3_settings()
        if not settings.get("enabled"):
            return self.local
        config = S3Config.from_settings(settings)
        if self._s3 is None or self._s3[0] != config:
            self._s3 = (config, S3Storage(config))
        return self._s3[1]


async def check_s3(settings: Mapping[str, Any]) -> None:
    """Write, list and delete a test object with these S3 settings (StorageError on failure)."""
    await S3Storage(S3Config.from_settings(settings)).check()
