"""Streaming ``multipart/form-data`` reader: form values in memory, file parts spooled to disk.

The body is parsed as it arrives (``multipart.PushMultipartParser``, as Litestar itself does), with
the request's byte limit enforced on what actually arrives, whatever ``Content-Length`` claims. A
body that is cut short, malformed, or too large closes every spooled file before the error leaves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio.to_thread
from multipart import MultipartSegment, ParserError, ParserLimitReached, PushMultipartParser

from baas.files.sniff import HEAD_SIZE
from baas.files.uploads import Upload, new_spool

__all__ = ["FormData", "FormTooLargeError", "MalformedFormError", "read_multipart"]

MAX_PARTS = 1000
# File data is handed to the (possibly on-disk) spool in blocks this big, one thread hop each.
_WRITE_BLOCK = 1024 * 1024


class MalformedFormError(ValueError):
    """The body is not a complete, well-formed multipart body."""


class FormTooLargeError(ValueError):
    """More bytes arrived than the request may carry."""


@dataclass
class FormData:
    values: list[tuple[str, str]] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)

    def close(self) -> None:
        for upload in self.uploads:
            upload.close()


class _FilePart:
    def __init__(self, segment: MultipartSegment) -> None:
        self.key = segment.name or ""
        self.filename = segment.filename or ""
        self.spool = new_spool()
        self.head = bytearray()
        self.pending = bytearray()
        self.size = 0

    async def write(self, data: bytes | bytearray) -> None:
        self.size += len(data)
        if len(self.head) < HEAD_SIZE:
            self.head += data[: HEAD_SIZE - len(self.head)]
        self.pending += data
        if len(self.pending) >= _WRITE_BLOCK:
            await self.flush()

    async def flush(self) -> None:
        if self.pending:
            block, self.pending = bytes(self.pending), bytearray()
            await anyio.to_thread.run_sync(self.spool.write, block)

    async def finish(self) -> Upload:
        await self.flush()
        await anyio.to_thread.run_sync(self.spool.seek, 0)
        return Upload(key=self.key, filename=self.filename, size=self.size, head=bytes(self.head), file=self.spool)


async def read_multipart(
    chunks: AsyncIterator[bytes], boundary: str, *, limit: int, max_parts: int = MAX_PARTS
) -> FormData:
    """Parse the whole body; ``limit`` caps the bytes received (FormTooLargeError beyond)."""
    form = FormData()
    current: _FilePart | None = None
    value = bytearray()
    segment: MultipartSegment | None = None
    received = 0
    try:
        with PushMultipartParser(boundary, max_segment_count=max_parts) as parser:
            async for chunk in chunks:
                received += len(chunk)
                if received > limit:
                    raise FormTooLargeError()
                for event in parser.parse(chunk):
                    if isinstance(event, MultipartSegment):
                        segment = event
                        current = _FilePart(event) if event.filename else None
                        value = bytearray()
                    elif event:
                        if current is not None:
                            await current.write(event)
                        else:
                            value += event
                    else:  # the end of a part
                        if segment is None:
                            raise MalformedFormError("part without headers")
                        if current is not None:
                            form.uploads.append(await current.finish())
                            current = None
                        else:
                            form.values.append((segment.name or "", value.decode(segment.charset or "utf-8")))
                        segment = None
                if parser.closed:
                    break
            if not parser.closed:
                raise MalformedFormError("the body ended before the closing boundary")
    except (ParserError, UnicodeDecodeError) as exc:
        form.close()
        if current is not None:
            current.spool.close()
        raise MalformedFormError(str(exc)) from None
    except ParserLimitReached:
        form.close()
        if current is not None:
            current.spool.close()
        raise FormTooLargeError() from None
    except BaseException:
        form.close()
        if current is not None:
            current.spool.close()
        raise
    return form
