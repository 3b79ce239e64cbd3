"""Thumbnail sizes and rendering with Pillow (blocking: call ``render`` from a worker thread).

Sizes, as PocketBase: ``WxH`` crops to fill from the center, ``WxHt`` from the top, ``WxHb`` from the
bottom, ``WxHf`` fits inside without cropping (never enlarging), ``0xH`` and ``Wx0`` keep the aspect
ratio. Only png, jpeg, gif (first frame) and webp get thumbs, written in the original's format.
The pixel count is checked from the header before anything is decoded, so a decompression bomb
(a tiny file that claims 20000x20000 pixels) costs nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageOps

from baas.collections.fields.file import THUMB_SIZE

__all__ = ["DEFAULT_THUMB", "MAX_PIXELS", "THUMB_FORMATS", "ThumbError", "ThumbSize", "parse_size", "probe", "render"]

DEFAULT_THUMB = "100x100"
# Larger images are served without thumbs (50 megapixels: about 200 MB decoded as RGBA).
MAX_PIXELS = 50_000_000
MAX_PIXELS_EVER = 2**62
THUMB_FORMATS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/jpg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
_RESAMPLE = Image.Resampling.BILINEAR


class ThumbError(ValueError):
    """The image cannot be thumbnailed (not an image, broken, or too large)."""


@dataclass(frozen=True)
class ThumbSize:
    width: int
    height: int
    mode: str  # "", "t", "b" or "f"


def parse_size(text: str) -> ThumbSize | None:
    found = THUMB_SIZE.fullmatch(text)
    if found is None:
        return None
    width, height = int(found.group(1)), int(found.group(2))
    if width == 0 and height == 0:
        return None
    return ThumbSize(width, height, found.group(3) or "")


def _scaled(value: int, numerator: int, denominator: int) -> int:
    return max(1, int(value * numerator / denominator + 0.5))


def _resize(image: Image.Image, size: ThumbSize) -> Image.Image:
    width, height = image.size
    if size.width == 0:
        return image.resize((_scaled(size.height, width, height), size.height), _RESAMPLE)
    if size.height == 0:
        return image.resize((size.width, _scaled(size.width, height, width)), _RESAMPLE)
    if size.mode == "f":
        if width <= size.width and height <= size.height:
            return image.copy()
        if width * size.height > height * size.width:
            return image.resize((size.width, _scaled(size.width, height, width)), _RESAMPLE)
        return image.resize((_scaled(size.height, width, height), size.height), _RESAMPLE)
    centering = {"t": (0.5, 0.0), "b": (0.5, 1.0)}.get(size.mode, (0.5, 0.5))
    return ImageOps.fit(image, (size.width, size.height), _RESAMPLE, centering=centering)


def probe(head: bytes) -> int | None:
    """The pixel count an image header declares, when the first bytes are enough to tell."""
    try:
        with Image.open(io.BytesIO(head)) as image:
            return int(image.size[0]) * int(image.size[1])
    except Image.DecompressionBombError:
        return MAX_PIXELS_EVER  # Pillow's own guard: far beyond any limit of ours
    except (OSError, SyntaxError, ValueError):
        return None


def render(source: IO[bytes], size: ThumbSize, fmt: str, max_pixels: int = MAX_PIXELS) -> bytes:
    """The thumb of the image in ``source``, encoded as ``fmt`` (a Pillow format name)."""
    try:
        with Image.open(source) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise ThumbError(f"image too large for a thumb: {width}x{height}")
            if image.format == "JPEG":
                # Let libjpeg decode at a reduced scale when the thumb is much smaller.
                image.draft("RGB", (max(size.width, 1) * 2, max(size.height, 1) * 2))
            image.seek(0)
            frame = ImageOps.exif_transpose(image)
            if frame.mode not in ("RGB", "RGBA", "L", "LA"):
                frame = frame.convert("RGBA")
            thumb = _resize(frame, size)
    except Image.DecompressionBombError:
        raise ThumbError("image too large for a thumb") from None
    except ThumbError:
        raise
    except (OSError, SyntaxError, ValueError) as exc:
        raise ThumbError(f"cannot read the image: {exc}") from None
    return _encode(thumb, fmt)


def _encode(image: Image.Image, fmt: str) -> bytes:
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt == "WEBP" and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA")
    buffer = io.BytesIO()
    options = {"quality": 85} if fmt in ("JPEG", "WEBP") else {}
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()
