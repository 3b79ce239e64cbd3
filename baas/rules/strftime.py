"""SQLite's ``strftime(format, time-value, modifiers...)`` translated to PostgreSQL.

Times are handled as UTC ``timestamp without time zone`` so no session time zone can interfere.
Supported: the time-value forms ``YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z|±HH:MM]``, ``HH:MM[:SS]``,
``now`` and numbers (Julian day, or Unix time with ``unixepoch``/``auto``); the modifiers
``±N days|hours|minutes|seconds|months|years``, ``±HH:MM[:SS]``, ``start of day|month|year``,
``weekday N``, ``unixepoch``, ``julianday``, ``auto`` and the no-ops ``utc``, ``localtime`` (the
server runs in UTC), ``subsec``; and the format specifiers listed in ``_TO_CHAR``/``_SPECIAL``.
Anything else is an error. A time value that does not parse gives NULL, as in SQLite.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from baas.rules.errors import RuleError
from baas.rules.values import Sql

__all__ = ["apply_modifier", "format_sql", "julian_sql", "parse_time_text", "text_time_sql", "unix_sql"]

_EPOCH = datetime(1970, 1, 1)
_JULIAN_EPOCH = 2440587.5
_TIME_RE = re.compile(
    r"\s*(?:(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"|(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)\s*(Z|[+-]\d{2}:\d{2})?\s*\Z",
    re.IGNORECASE,
)
_SQL_TIME_PATTERN = (
    r"^\s*(?!0000)(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"(?:[T ]([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9](?:\.[0-9]+)?))?)?\s*(Z|[+-][0-9]{2}:[0-9]{2})?\s*$"
)
_SHIFT_RE = re.compile(r"\s*([+-]?\d+(?:\.\d*)?)\s+(day|hour|minute|second|month|year)s?\s*\Z", re.IGNORECASE)
_CLOCK_RE = re.compile(r"\s*([+-])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*\Z")
_NUMBER_RE = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*\Z")


def parse_time_text(text: str, now: datetime) -> datetime | None:
    """A SQLite time-value string as a naive UTC datetime; ``None`` when it does not parse."""
    if text.strip().lower() == "now":
        return now
    if _NUMBER_RE.match(text):
        return julian_to_datetime(float(text))
    match = _TIME_RE.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, frac, thour, tminute, tsecond, tfrac, zone = match.groups()
    if year is None:
        year, month, day, hour, minute, second, frac = "2000", "01", "01", thour, tminute, tsecond, tfrac
    try:
        moment = datetime(int(year), int(month), 1, int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    if not 1 <= int(day) <= 31:
        return None
    # like SQLite, a day past the month's end rolls over ("2024-02-30" is March 1st)
    moment += timedelta(days=int(day) - 1, microseconds=int((frac or "0")[:6].ljust(6, "0")))
    if zone and zone.upper() != "Z":
        sign = 1 if zone[0] == "+" else -1
        moment -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return moment


def julian_to_datetime(day: float) -> datetime | None:
    """A Julian day number as a naive UTC datetime (``None`` outside SQLite's range)."""
    if not 0 <= day <= 5373484.4999:
        return None
    try:
        return _EPOCH + timedelta(days=day - _JULIAN_EPOCH)
    except OverflowError:
        return None


def julian_sql(number: Sql) -> Sql:
    """A Julian day number column as a timestamp (NULL outside SQLite's range)."""
    shifted = sa.literal(_EPOCH, sa.DateTime()) + sa.func.make_interval(
        0, 0, 0, 0, 0, 0, (number - _JULIAN_EPOCH) * 86400
    )
    return sa.case((sa.between(number, 0, 5373484.4999), shifted))


def unix_sql(number: Sql) -> Sql:
    """A Unix time column as a timestamp (NULL outside SQLite's range)."""
    shifted = sa.literal(_EPOCH, sa.DateTime()) + sa.func.make_interval(0, 0, 0, 0, 0, 0, number)
    return sa.case((sa.between(number, -210866760000, 253402300799), shifted))


def text_time_sql(text: Sql) -> Sql:
    """Text as a timestamp, NULL when it is not a date (never an error)."""
    parts = sa.func.regexp_match(text, _SQL_TIME_PATTERN, type_=ARRAY(sa.Text()))

    def part(i: int, default: str | None = None) -> Sql:
        item = parts[i]
        return item if default is None else sa.func.coalesce(item, default)

    start = sa.func.make_timestamp(
        sa.cast(part(1), sa.Integer()),
        sa.cast(part(2), sa.Integer()),
        1,
        sa.cast(part(4, "0"), sa.Integer()),
        sa.cast(part(5, "0"), sa.Integer()),
        sa.cast(part(6, "0"), sa.Double()),
    )
    days = sa.func.make_interval(0, 0, 0, sa.cast(part(3), sa.Integer()) - 1)
    zone = sa.case(
        (sa.func.coalesce(part(7), "Z") == "Z", sa.text("interval '0'")), else_=sa.cast(part(7), sa.Interval())
    )
    return start + days - zone


def apply_modifier(moment: Sql, modifier: str) -> Sql:
    """Apply one SQLite date modifier to a timestamp expression."""
    text = modifier.strip().lower()
    if text in ("utc", "localtime", "subsec", "subsecond"):
        return moment
    if text in ("start of day", "start of month", "start of year"):
        return sa.func.date_trunc(text.rsplit(" ", 1)[1], moment)
    if text.startswith("weekday "):
        day = text[8:].strip()
        if not day.isdigit() or int(day) > 6:
            raise RuleError(f'[strftime] unsupported modifier "{modifier}"')
        dow = sa.cast(sa.extract("dow", moment), sa.Integer())
        return moment + sa.func.make_interval(0, 0, 0, (int(day) - dow + 7) % 7)
    shift = _SHIFT_RE.match(modifier)
    if shift:
        return _shift(moment, float(shift.group(1)), shift.group(2).lower(), modifier)
    clock = _CLOCK_RE.match(modifier)
    if clock:
        sign, hours, minutes, seconds, frac = clock.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes), seconds=float(f"{seconds or 0}.{frac or 0}"))
        return moment + sa.literal(delta if sign == "+" else -delta, sa.Interval())
    raise RuleError(f'[strftime] unsupported modifier "{modifier}"')


def _shift(moment: Sql, amount: float, unit: str, modifier: str) -> Sql:
    if unit in ("month", "year"):
        if not amount.is_integer():
            raise RuleError(f'[strftime] unsupported modifier "{modifier}"')
        months = int(amount) * (12 if unit == "year" else 1)
        # SQLite keeps the day and lets it overflow (Jan 31 + 1 month = Mar 2/3); PostgreSQL's
        # month arithmetic would clamp to Feb 29, so add the offset within the month back
        month_start = sa.func.date_trunc("month", moment)
        return month_start + sa.func.make_interval(0, months) + (moment - month_start)
    delta = timedelta(**{f"{unit}s": amount})
    return moment + sa.literal(delta, sa.Interval())


def _lpad(number: Sql, pad: str) -> Sql:
    return sa.func.lpad(sa.cast(number, sa.Text()), 2, pad)


def _int(field: str, moment: Sql) -> Sql:
    return sa.cast(sa.extract(field, moment), sa.Integer())


_TO_CHAR = {
    "d": "DD",
    "f": "SS.MS",
    "F": "YYYY-MM-DD",
    "H": "HH24",
    "I": "HH12",
    "j": "DDD",
    "m": "MM",
    "M": "MI",
    "p": "AM",
    "P": "am",
    "R": "HH24:MI",
    "S": "SS",
    "T": "HH24:MI:SS",
    "u": "ID",
    "Y": "YYYY",
    "G": "IYYY",
    "g": "IY",
    "V": "IW",
}
_SPECIAL: dict[str, Callable[[Sql], Sql]] = {
    "e": lambda t: _lpad(_int("day", t), " "),
    "k": lambda t: _lpad(_int("hour", t), " "),
    "l": lambda t: _lpad((_int("hour", t) + 11) % 12 + 1, " "),
    "s": lambda t: sa.cast(sa.cast(sa.func.floor(sa.extract("epoch", t)), sa.BigInteger()), sa.Text()),
    "w": lambda t: sa.cast(_int("dow", t), sa.Text()),
    # week of the year, 00-53, weeks starting on Monday (%W) or Sunday (%U), as SQLite counts
    "W": lambda t: _lpad((_int("doy", t) - 1 + 7 - (_int("dow", t) + 6) % 7) // 7, "0"),
    "U": lambda t: _lpad((_int("doy", t) - 1 + 7 - _int("dow", t)) // 7, "0"),
    "J": lambda t: sa.cast(
        sa.func.round(sa.cast(sa.extract("epoch", t) / 86400 + _JULIAN_EPOCH, sa.Numeric()), 9), sa.Text()
    ),
}


def format_sql(moment: Sql, fmt: str) -> Sql:
    """``strftime(fmt, moment)`` as a text expression (NULL when ``moment`` is NULL)."""
    pieces: list[Sql] = []
    literal: list[str] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            literal.append(ch)
            i += 1
            continue
        spec = fmt[i + 1 : i + 2]
        i += 2
        if spec == "%":
            literal.append("%")
            continue
        if literal:
            pieces.append(sa.literal("".join(literal), sa.Text()))
            literal = []
        if spec in _TO_CHAR:
            pieces.append(sa.func.to_char(moment, _TO_CHAR[spec]))
        elif spec in _SPECIAL:
            pieces.append(_SPECIAL[spec](moment))
        else:
            raise RuleError(f'[strftime] unsupported format specifier "%{spec}"')
    if literal:
        pieces.append(sa.literal("".join(literal), sa.Text()))
    if not any(not isinstance(p, sa.sql.elements.BindParameter) for p in pieces):
        # only literal text: still NULL for a NULL time, as in SQLite
        text = "".join(str(p.value) for p in pieces)
        return sa.case((moment.is_not(None), sa.literal(text, sa.Text())))
    result = pieces[0]
    for piece in pieces[1:]:
        result = result.op("||")(piece)
    return result
