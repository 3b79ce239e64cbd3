"""PocketBase's datetime format: ``YYYY-MM-DD HH:MM:SS.mmmZ``, always UTC, millisecond precision."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

__all__ = ["format_datetime", "now", "parse_datetime"]

_LENIENT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def now() -> datetime:
    """The current UTC time, truncated to milliseconds (what is stored and compared)."""
    current = datetime.now(UTC)
    return current.replace(microsecond=current.microsecond // 1000 * 1000)


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_datetime(text: str) -> datetime | None:
    """Parse the forms PocketBase accepts; ``None`` when the text is not a datetime.

    Accepted: ``2024-01-02``, ``2024-01-02 10:00:00``, ``2024-01-02T10:00:00Z``, fractional seconds,
    and numeric offsets (converted to UTC). A missing offset means UTC.
    """
    match = _LENIENT.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        value = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, UTC
        )
    except ValueError:
        return None
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:])
        value = value - sign * timedelta(minutes=minutes)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)
