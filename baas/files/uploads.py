"""An uploaded file part: spooled to a temporary file while the body streams in, never held whole.

The temporary file is anonymous (unlinked on creation where the OS allows), so even a killed
process leaves nothing behind; ``close`` frees it early.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from tempfile import SpooledTemporaryFile
from typing import IO

from baas.files.sniff import HEAD_SIZE, sniff

__all__ = ["SPOOL_IN_MEMORY", "Upload", "new_spool"]

# Parts up to this size stay in memory; larger ones roll over to a temporary file.
SPOOL_IN_MEMORY = 1024 * 1024


def new_spool() -> SpooledTemporaryFile[bytes]:
    return SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)


@dataclass(eq=False)
class Upload:
    """One file part: its form key as sent (``docs``, ``docs+``, ``requests.0.docs``), its name as sent."""

    key: str
    filename: str
    size: int
    head: bytes
    file: IO[bytes] = field(repr=False)

    @cached_property
    def content_type(self) -> str:
        """The sniffed MIME type (what the client declared is ignored)."""
        return sniff(self.head[:HEAD_SIZE])

    def close(self) -> None:
        self.file.close()
