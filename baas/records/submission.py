"""A record submission: the submitted values (keys keep their modifiers) and uploaded files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from baas.files.uploads import Upload

__all__ = ["Submission", "Upload"]


@dataclass
class Submission:
    values: dict[str, Any] = field(default_factory=dict)
    # File parts by form key (``docs``, ``docs+``, ``requests.0.docs``); their content is spooled.
    uploads: dict[str, list[Upload]] = field(default_factory=dict)

    def all_uploads(self) -> list[Upload]:
        return [upload for uploads in self.uploads.values() for upload in uploads]

    def close(self) -> None:
        """Free the spooled uploads (safe to call more than once)."""
        for upload in self.all_uploads():
            upload.close()
