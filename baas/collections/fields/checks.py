"""Errors shared by several field types, with PocketBase's codes, messages and params.

PocketBase renders numbers in messages with Go's ``%v`` (``1e+06``, ``0.1``) and date thresholds with
Go's ``time.Time`` formats; the helpers here reproduce both so the messages match byte for byte.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal

from baas.errors import FieldError

__all__ = [
    "at_least",
    "at_most",
    "go_number",
    "go_rfc3339",
    "go_time",
    "invalid_regex",
    "is_regex",
    "json_number",
    "limit_errors",
]


def go_number(value: float) -> str:
    """A float as Go's ``%v`` prints it: shortest digits, exponent form below 1e-4 and from 1e6."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    assert isinstance(exponent, int)
    decimal_exponent = exponent + len(digits) - 1
    prefix = "-" if sign else ""
    if decimal_exponent < -4 or decimal_exponent >= 6:
        mantissa = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
        exp_sign = "-" if decimal_exponent < 0 else "+"
        return f"{prefix}{mantissa}e{exp_sign}{abs(decimal_exponent):02d}"
    return prefix + format(Decimal(repr(abs(float(value)))).normalize(), "f")


def json_number(value: float) -> int | float:
    """A float as Go's JSON encoder prints it: integral values without a fraction."""
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def go_time(value: datetime) -> str:
    """Go's ``time.Time.String()`` for a UTC time, e.g. ``2024-01-01 00:00:00.5 +0000 UTC``."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S") + _fraction(value) + " +0000 UTC"


def go_rfc3339(value: datetime) -> str:
    """Go's ``time.RFC3339Nano`` for a UTC time (how a ``time.Time`` param is encoded)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S") + _fraction(value) + "Z"


def _fraction(value: datetime) -> str:
    return f".{value.microsecond:06d}".rstrip("0") if value.microsecond else ""


def at_least(threshold: int | str, shown: str | None = None) -> FieldError:
    return FieldError(
        "validation_min_greater_equal_than_required",
        f"Must be no less than {shown if shown is not None else threshold}.",
        {"threshold": threshold},
    )


def at_most(threshold: int | str, shown: str | None = None) -> FieldError:
    return FieldError(
        "validation_max_less_equal_than_required",
        f"Must be no greater than {shown if shown is not None else threshold}.",
        {"threshold": threshold},
    )


def limit_errors(value: int, low: int | None, high: int | None) -> FieldError | None:
    """PocketBase's ``Min(low), Max(high)`` option rules; like them, a zero value is never checked."""
    if value == 0:
        return None
    if low is not None and value < low:
        return at_least(low)
    if high is not None and value > high:
        return at_most(high)
    return None


def is_regex(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    return True


def invalid_regex() -> FieldError:
    return FieldError("validation_invalid_regex", "Invalid regular expression format.")
