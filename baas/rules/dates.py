"""PocketBase datetime text (``YYYY-MM-DD HH:MM:SS.mmmZ``) and how it relates to timestamps.

PocketBase compares dates as text. Stored values always have the canonical 24-character form, so
a comparison with text that is a *prefix* of that form at a field boundary (``2024``,
``2024-01-02``, ``2024-01-02 10:00`` ... or the full form) can be answered with a timestamp
comparison against the earliest moment starting with that prefix.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

__all__ = ["canonical_prefix", "format_pb", "to_pb_text"]

_PREFIX_RE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?: (\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,3})(Z)?)?)?)?)?)?)?\Z"
)


def format_pb(moment: datetime) -> str:
    """A datetime in PocketBase's text form (UTC, milliseconds)."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_pb_text(value: Any) -> Any:
    """Datetimes become PocketBase text; anything else is returned unchanged."""
    return format_pb(value) if isinstance(value, datetime) else value


def canonical_prefix(text: str) -> tuple[datetime, bool] | None:
    """The earliest moment whose canonical text starts with ``text``, and whether ``text`` is complete.

    ``None`` when ``text`` is not such a prefix (other formats fall back to text comparison).
    """
    match = _PREFIX_RE.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, millis, zulu = match.groups()
    if zulu and len(millis) != 3:
        return None
    try:
        moment = datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((millis or "0").ljust(3, "0")) * 1000,
            UTC,
        )
    except ValueError:
        return None
    return moment, zulu is not None
