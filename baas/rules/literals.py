"""SQLite's conversions of constants between text and numbers, done in Python."""

from __future__ import annotations

import re

__all__ = ["NUMERIC_TEXT_PATTERN", "py_numeric", "py_text"]

# text that SQLite's NUMERIC affinity turns into a number (bounded so the cast cannot overflow)
NUMERIC_TEXT_PATTERN = r"^\s*[+-]?([0-9]{1,200}(\.[0-9]{0,200})?|\.[0-9]{1,200})([eE][+-]?[0-9]{1,2})?\s*$"
_NUMERIC_TEXT_RE = re.compile(NUMERIC_TEXT_PATTERN)


def py_text(value: int | float | str | None) -> str:
    """SQLite's text rendering of a constant (REAL values keep a ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int):
        return str(int(value))
    text = f"{value:.15g}"
    if "e" in text and "." not in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}.0e{exponent}"
    if "." not in text and "n" not in text:
        return text + ".0"
    return text


def py_numeric(text: str) -> int | float | None:
    """SQLite's NUMERIC affinity applied to text: the number it reads as, or ``None``."""
    if not _NUMERIC_TEXT_RE.match(text):
        return None
    stripped = text.strip()
    if re.fullmatch(r"[+-]?[0-9]+", stripped):
        number = int(stripped)
        if -(2**63) <= number < 2**63:
            return number
    return float(stripped)
