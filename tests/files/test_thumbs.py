"""Thumb sizes and rendering (unit table), with PocketBase's measured sizes, and the bomb guard."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from PIL import Image

from baas.files.thumbs import ThumbError, ThumbSize, parse_size, probe, render
from tests.files.conftest import png


def _image(width: int, height: int, fmt: str, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), "red").save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20x20", ThumbSize(20, 20, "")),
        ("30x0", ThumbSize(30, 0, "")),
        ("0x10", ThumbSize(0, 10, "")),
        ("20x20f", ThumbSize(20, 20, "f")),
        ("20x20t", ThumbSize(20, 20, "t")),
        ("20x20b", ThumbSize(20, 20, "b")),
        ("0x0", None),
        ("bogus", None),
        ("20x20x", None),
        ("-1x2", None),
    ],
)
def test_parse_size(text: str, expected: ThumbSize | None) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [  # a 64x48 source, as measured on PocketBase 0.40.6
        ("20x20", (20, 20)),
        ("30x0", (30, 23)),
        ("0x10", (13, 10)),
        ("20x20f", (20, 15)),
        ("20x20t", (20, 20)),
        ("20x20b", (20, 20)),
        ("100x100f", (64, 48)),  # fit never enlarges
        ("100x100", (100, 100)),  # fill does
    ],
)
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_render_sizes(size: str, expected: tuple[int, int], fmt: str) -> None:
    parsed = parse_size(size)
    assert parsed is not None
    data = render(io.BytesIO(_image(64, 48, fmt)), parsed, fmt)
    with Image.open(io.BytesIO(data)) as thumb:
        assert thumb.size == expected
        assert thumb.format == fmt


def test_crop_anchors() -> None:
    # Top half white, bottom half black: a top crop is white, a bottom crop black.
    image = Image.new("RGB", (10, 40), "white")
    image.paste("black", (0, 20, 10, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    for mode, color in (("t", (255, 255, 255)), ("b", (0, 0, 0))):
        data = render(io.BytesIO(buffer.getvalue()), ThumbSize(10, 10, mode), "PNG")
        with Image.open(io.BytesIO(data)) as thumb:
            assert thumb.convert("RGB").getpixel((5, 5)) == color


def test_modes_are_converted() -> None:
    for mode, fmt in (("RGBA", "JPEG"), ("P", "PNG"), ("LA", "WEBP"), ("CMYK", "JPEG"), ("I;16", "PNG")):
        source = _image(8, 8, "PNG" if mode not in ("CMYK",) else "JPEG", mode)
        assert render(io.BytesIO(source), ThumbSize(4, 4, ""), fmt)


def _bomb(width: int, height: int) -> bytes:
    """A PNG that declares width x height pixels in a few kilobytes of (compressed) zeros."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    body = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_without_decoding() -> None:
    bomb = _bomb(20000, 20000)
    assert len(bomb) < 100_000
    assert probe(bomb[:4096]) >= 20000 * 20000  # type: ignore[operator]
    started = time.monotonic()
    with pytest.raises(ThumbError, match="too large"):
        render(io.BytesIO(bomb), ThumbSize(100, 100, ""), "PNG")
    assert time.monotonic() - started < 2


def test_not_an_image() -> None:
    with pytest.raises(ThumbError):
        render(io.BytesIO(b"<html>hello</html>"), ThumbSize(10, 10, ""), "PNG")
    with pytest.raises(ThumbError):
        render(io.BytesIO(png(4, 4)[:40]), ThumbSize(10, 10, ""), "PNG")  # truncated
    assert probe(b"not an image") is None
