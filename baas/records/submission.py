"""A record submission: the submitted values (keys keep their modifiers) and uploaded files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar.datastructures import UploadFile

__all__ = ["Submission", "Upload"]


@dataclass(frozen=True)
class Upload:
    """One uploaded file part (its content stays in the spooled temporary file)."""

    key: str
    filename: str
    content_type: str
    file: UploadFile


@dataclass
class Submission:
    values: dict[str, Any] = field(default_factory=dict)
    uploads: dict[str, list[Upload]] = field(default_factory=dict)
