"""Files for multipart uploads: paths, bytes or open file objects, streamed by httpx.

A path is opened only while its request is sent (and again for a retry); an open file object is
rewound to where it was for a retry when it can seek.
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any, Union

__all__ = ["File", "FileInput", "OpenedFiles", "is_file_input"]


@dataclass(frozen=True)
class File:
    """A file part with an explicit name and content type.

    ``content`` is a path, bytes, or a binary file object.
    """

    content: str | os.PathLike[str] | bytes | IO[bytes]
    filename: str | None = None
    content_type: str | None = None


FileInput = Union[File, bytes, "os.PathLike[str]", IO[bytes]]
"""What create/update accept for a file field: ``File``, a path (``pathlib.Path``), bytes or a binary
file object. Plain ``str`` values are form values, never paths."""


def is_file_input(value: Any) -> bool:
    """Whether a record field value should go out as a multipart file part."""
    return isinstance(value, (File, bytes, bytearray, memoryview, PurePath)) or (
        hasattr(value, "read") and not isinstance(value, (str, dict, list))
    )


def _guess_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


class OpenedFiles:
    """httpx ``files=`` entries for one attempt; ``close()`` closes what this attempt opened."""

    def __init__(self, parts: list[tuple[str, FileInput]], positions: dict[int, int]) -> None:
        # ``positions`` lives as long as the call (all its attempts): where each file object started
        self._positions = positions
        self._opened: list[IO[bytes]] = []
        self.entries: list[tuple[str, tuple[str, Any, str]]] = [
            (name, self._entry(value)) for name, value in parts
        ]

    def _entry(self, value: FileInput) -> tuple[str, Any, str]:
        spec = value if isinstance(value, File) else File(value)
        content = spec.content
        if isinstance(content, (str, os.PathLike)):
            path = os.fspath(content)
            handle = open(path, "rb")  # noqa: SIM115 - closed by close() after the request
            self._opened.append(handle)
            name = spec.filename or os.path.basename(path)
            return name, handle, spec.content_type or _guess_type(name)
        if isinstance(content, (bytes, bytearray, memoryview)):
            name = spec.filename or "file"
            return name, bytes(content), spec.content_type or _guess_type(name)
        raw_name = getattr(content, "name", None)
        name = spec.filename or (os.path.basename(raw_name) if isinstance(raw_name, str) else "file")
        self._rewind(content)
        return name, content, spec.content_type or _guess_type(name)

    def _rewind(self, handle: IO[bytes]) -> None:
        """Remember where a file object started; on a later attempt (a retry) seek back there."""
        try:
            if not handle.seekable():
                return
            key = id(handle)
            if key in self._positions:
                handle.seek(self._positions[key])
            else:
                self._positions[key] = handle.tell()
        except (AttributeError, OSError, ValueError):
            return

    def close(self) -> None:
        for handle in self._opened:
            handle.close()
        self._opened.clear()
