"""Stored file names and storage keys, never derived from user input beyond a sanitised base name.

A stored name is ``<base>_<10 random [a-z0-9]><.ext>``: the uploaded name's base in snake_case ASCII
(at most 100 characters, with 10 more random characters when shorter than 3), and its extension
reduced to ``[A-Za-z0-9]`` (only ``.tar.*`` keeps a second one; ``x.php.jpg`` becomes
``x_php_<random>.jpg``). An upload without a usable extension gets the one of its sniffed type.

Keys follow PocketBase's layout: ``{collectionId}/{recordId}/{name}`` for a file and
``{collectionId}/{recordId}/thumbs_{name}/{size}_{name}`` for its thumbs.
"""

from __future__ import annotations

import re
import secrets

__all__ = [
    "RANDOM_ALPHABET",
    "file_key",
    "is_safe_segment",
    "record_prefix",
    "split_key",
    "stored_name",
    "thumb_key",
    "thumbs_prefix",
]

RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
MAX_BASE = 100
MAX_EXTENSION = 20
_WORD_SPLIT = re.compile(r"[^0-9A-Za-z]+")
_EXTENSION_CHARS = re.compile(r"[^0-9A-Za-z]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_SEGMENT = 255


def _random(length: int) -> str:
    return "".join(secrets.choice(RANDOM_ALPHABET) for _ in range(length))


def _snake_case(text: str) -> str:
    """PocketBase's inflector: split at non-ASCII-word characters, ``_`` before an inner capital."""
    words = []
    for word in _WORD_SPLIT.split(text):
        if not word:
            continue
        out = []
        for index, char in enumerate(word):
            if char.isupper() and index > 0 and not word[index - 1].isupper():
                out.append("_")
            out.append(char)
        words.append("".join(out))
    return "_".join(words).lower()


def _split_extension(name: str) -> tuple[str, str]:
    """(base, extension without the dot); ``archive.tar.gz`` keeps ``tar.gz``."""
    base, dot, extension = name.rpartition(".")
    if not dot:
        return name, ""
    inner_base, inner_dot, inner = base.rpartition(".")
    if inner_dot and inner.lower() == "tar":
        return inner_base, f"{inner}.{extension}"
    return base, extension


def _clean_extension(extension: str) -> str:
    parts = [_EXTENSION_CHARS.sub("", part) for part in extension.split(".")]
    cleaned = ".".join(part for part in parts if part)
    return cleaned[-MAX_EXTENSION:].strip(".")


def stored_name(original: str, sniffed_extension: str = "") -> str:
    """A fresh stored name for an upload called ``original`` (any string, hostile or not)."""
    # Browsers and hostile clients may send a path; only its last component is a name.
    original = re.split(r"[/\\]", original)[-1]
    base, extension = _split_extension(original)
    extension = _clean_extension(extension) or sniffed_extension.lstrip(".")
    clean = _snake_case(base)
    if len(clean) < 3:
        clean += _random(10)
    clean = clean[:MAX_BASE]
    suffix = f".{extension}" if extension else ""
    return f"{clean}_{_random(10)}{suffix}"


def is_safe_segment(value: str) -> bool:
    """Whether ``value`` can be one path segment of a key (ids and names from the database or URL)."""
    return (
        0 < len(value) <= _MAX_SEGMENT
        and value not in {".", ".."}
        and "/" not in value
        and "\\" not in value
        and not _CONTROL.search(value)
    )


def _checked(*segments: str) -> None:
    for segment in segments:
        if not is_safe_segment(segment):
            raise ValueError(f"unsafe storage key segment: {segment[:40]!r}")


def record_prefix(collection_id: str, record_id: str) -> str:
    _checked(collection_id, record_id)
    return f"{collection_id}/{record_id}/"


def file_key(collection_id: str, record_id: str, name: str) -> str:
    _checked(collection_id, record_id, name)
    return f"{collection_id}/{record_id}/{name}"


def thumbs_prefix(key: str) -> str:
    """Where the thumbs of the file at ``key`` live."""
    collection_id, record_id, name = split_key(key)
    return f"{collection_id}/{record_id}/thumbs_{name}/"


def thumb_key(key: str, size: str) -> str:
    name = split_key(key)[2]
    return f"{thumbs_prefix(key)}{size}_{name}"


def split_key(key: str) -> tuple[str, str, str]:
    """(collection id, record id, name) of a file key."""
    parts = key.split("/")
    if len(parts) != 3:
        raise ValueError(f"not a file key: {key[:80]!r}")
    _checked(*parts)
    return parts[0], parts[1], parts[2]
