"""Identifiers in PocketBase's formats: record ids, collection/field ids, pattern-generated strings."""

from __future__ import annotations

import secrets
import string
import zlib

__all__ = [
    "ALPHANUMERIC",
    "ALPHANUMERIC_LOWER",
    "PatternError",
    "collection_id",
    "field_id",
    "generate_from_pattern",
    "new_record_id",
    "new_token_key",
    "random_string",
]

ALPHANUMERIC_LOWER = string.ascii_lowercase + string.digits
ALPHANUMERIC = string.ascii_letters + string.digits
RECORD_ID_LENGTH = 15
_MAX_PATTERN_OUTPUT = 4096


def random_string(length: int, alphabet: str = ALPHANUMERIC_LOWER) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_record_id() -> str:
    return random_string(RECORD_ID_LENGTH)


def new_token_key() -> str:
    """A fresh ``tokenKey`` for an auth record; changing it signs out every token issued before."""
    return random_string(50, ALPHANUMERIC)


def collection_id(collection_type: str, name: str) -> str:
    """PocketBase's deterministic id for a new collection: ``pbc_`` + crc32(type + name)."""
    return f"pbc_{zlib.crc32((collection_type + name).encode())}"


def field_id(field_type: str, name: str) -> str:
    """PocketBase's deterministic id for a new field: type + crc32(name)."""
    return f"{field_type}{zlib.crc32(name.encode())}"


class PatternError(ValueError):
    """The autogenerate pattern uses regex syntax we cannot generate from."""


def generate_from_pattern(pattern: str) -> str:
    """Generate a random string matching a simple regex.

    Supports what ``autogeneratePattern`` values use in practice: literal characters, ``\\`` escapes,
    character classes with ranges (``[a-z0-9_]``), ``\\d``/``\\w`` and the quantifiers ``{n}``,
    ``{n,m}``, ``?``. Anything else raises :class:`PatternError` so an unusable pattern is rejected when
    the collection is saved, not when a record is created.
    """
    atoms = _parse_pattern(pattern)
    out: list[str] = []
    for alphabet, low, high in atoms:
        count = low if low == high else low + secrets.randbelow(high - low + 1)
        out.append(random_string(count, alphabet))
    result = "".join(out)
    if len(result) > _MAX_PATTERN_OUTPUT:
        raise PatternError("the pattern generates too long values")
    return result


_CLASS_ESCAPES = {"d": string.digits, "w": string.ascii_letters + string.digits + "_"}


def _parse_pattern(pattern: str) -> list[tuple[str, int, int]]:
    body = pattern
    if body.startswith("^"):
        body = body[1:]
    if body.endswith("$") and not body.endswith("\\$"):
        body = body[:-1]
    atoms: list[tuple[str, int, int]] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "[":
            end = body.find("]", i + 1)
            if end == -1:
                raise PatternError("unterminated character class")
            alphabet = _expand_class(body[i + 1 : end])
            i = end + 1
        elif char == "\\":
            if i + 1 >= len(body):
                raise PatternError("dangling escape")
            escaped = body[i + 1]
            alphabet = _CLASS_ESCAPES.get(escaped, escaped)
            i += 2
        elif char in "(){}*+?|.":
            raise PatternError(f"unsupported pattern syntax {char!r}")
        else:
            alphabet = char
            i += 1
        low, high, i = _parse_quantifier(body, i)
        atoms.append((alphabet, low, high))
    return atoms


def _expand_class(spec: str) -> str:
    if not spec or spec.startswith("^"):
        raise PatternError("negated or empty character classes are not supported")
    chars: list[str] = []
    i = 0
    while i < len(spec):
        if spec[i] == "\\" and i + 1 < len(spec):
            chars.extend(_CLASS_ESCAPES.get(spec[i + 1], spec[i + 1]))
            i += 2
        elif i + 2 < len(spec) and spec[i + 1] == "-":
            start, stop = ord(spec[i]), ord(spec[i + 2])
            if stop < start or stop - start > 0x3FF:
                raise PatternError("invalid character range")
            chars.extend(chr(c) for c in range(start, stop + 1))
            i += 3
        else:
            chars.append(spec[i])
            i += 1
    return "".join(dict.fromkeys(chars))


def _parse_quantifier(body: str, i: int) -> tuple[int, int, int]:
    if i < len(body) and body[i] == "?":
        return 0, 1, i + 1
    if i < len(body) and body[i] == "{":
        end = body.find("}", i)
        if end == -1:
            raise PatternError("unterminated quantifier")
        parts = body[i + 1 : end].split(",")
        try:
            low = int(parts[0])
            high = int(parts[1]) if len(parts) == 2 else low
        except ValueError as exc:
            raise PatternError("invalid quantifier") from exc
        if len(parts) > 2 or low < 0 or high < low or high > _MAX_PATTERN_OUTPUT:
            raise PatternError("invalid quantifier")
        return low, high, end + 1
    return 1, 1, i
