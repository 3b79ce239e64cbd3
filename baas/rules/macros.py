"""Datetime macros (``@now``, ``@todayStart``, ``@month``...), computed in Python in UTC.

Date macros are PocketBase datetime text (compared as text, like stored dates); the others are
integers. ``@weekday`` counts from 0 = Sunday.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

from baas.rules.dates import format_pb

__all__ = ["MACROS", "macro_value"]

MACROS = frozenset(
    {
        "@now",
        "@yesterday",
        "@tomorrow",
        "@todayStart",
        "@todayEnd",
        "@monthStart",
        "@monthEnd",
        "@yearStart",
        "@yearEnd",
        "@second",
        "@minute",
        "@hour",
        "@day",
        "@month",
        "@weekday",
        "@year",
    }
)


def _end_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=23, minute=59, second=59, microsecond=999_000)


def macro_value(name: str, now: datetime) -> str | int:
    """The value of macro ``name`` at ``now``.

    Raises:
        KeyError: when ``name`` is not a macro.
    """
    now = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    last_day = calendar.monthrange(now.year, now.month)[1]
    dates = {
        "@now": now,
        "@yesterday": now - timedelta(days=1),
        "@tomorrow": now + timedelta(days=1),
        "@todayStart": midnight,
        "@todayEnd": _end_of_day(now),
        "@monthStart": midnight.replace(day=1),
        "@monthEnd": _end_of_day(now.replace(day=last_day)),
        "@yearStart": midnight.replace(month=1, day=1),
        "@yearEnd": _end_of_day(now.replace(month=12, day=31)),
    }
    if name in dates:
        return format_pb(dates[name])
    numbers = {
        "@second": now.second,
        "@minute": now.minute,
        "@hour": now.hour,
        "@day": now.day,
        "@month": now.month,
        "@weekday": (now.weekday() + 1) % 7,
        "@year": now.year,
    }
    return numbers[name]
