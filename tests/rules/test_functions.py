"""Macros, ``strftime`` and ``geoDistance``, and the SQLite conversions behind comparisons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from baas.rules.compare import wrap_like
from baas.rules.dates import canonical_prefix, format_pb
from baas.rules.functions import _haversine
from baas.rules.literals import py_numeric, py_text
from baas.rules.macros import MACROS, macro_value
from baas.rules.request_fields import go_string
from baas.rules.sqlite import _py_like
from baas.rules.strftime import format_sql, parse_time_text
from tests.rules.schema_fixture import NOW
from tests.rules.test_compile import norm, where


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("@now", "2026-11-21 12:30:45.123Z"),
        ("@yesterday", "2026-11-20 12:30:45.123Z"),
        ("@tomorrow", "2026-11-22 12:30:45.123Z"),
        ("@todayStart", "2026-11-21 00:00:00.000Z"),
        ("@todayEnd", "2026-11-21 23:59:59.999Z"),
        ("@monthStart", "2026-11-01 00:00:00.000Z"),
        ("@monthEnd", "2026-11-30 23:59:59.999Z"),
        ("@yearStart", "2026-01-01 00:00:00.000Z"),
        ("@yearEnd", "2026-12-31 23:59:59.999Z"),
        ("@second", 45),
        ("@minute", 30),
        ("@hour", 12),
        ("@day", 21),
        ("@month", 11),
        ("@weekday", 6),  # a Saturday; 0 = Sunday
        ("@year", 2026),
    ],
)
def test_macros(name: str, value: object) -> None:
    assert name in MACROS
    assert macro_value(name, NOW) == value


def _sql(expr: sa.ColumnElement[str]) -> str:
    compiled = sa.select(expr).compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    return " ".join(str(compiled).split())


@pytest.mark.parametrize(
    ("fmt", "fragments"),
    [
        ("%Y", ["to_char(t, 'YYYY')"]),
        ("%Y-%m-%d %H:%M:%S", ["to_char(t, 'YYYY')", "'-'", "to_char(t, 'MM')", "to_char(t, 'SS')"]),
        ("%f", ["to_char(t, 'SS.MS')"]),
        ("%j %u %G %V", ["'DDD'", "'ID'", "'IYYY'", "'IW'"]),
        ("%s", ["floor(EXTRACT(epoch FROM t))"]),
        ("%w", ["EXTRACT(dow FROM t)"]),
        ("%W", ["EXTRACT(doy FROM t)", "lpad("]),
        ("%e", ["lpad(CAST(CAST(EXTRACT(day FROM t) AS INTEGER) AS TEXT), 2, ' ')"]),
        ("100%%", ["CASE WHEN (t IS NOT NULL) THEN '100%%' END"]),
    ],
)
def test_strftime_format_translation(fmt: str, fragments: list[str]) -> None:
    sql = _sql(format_sql(sa.column("t", sa.DateTime()), fmt))
    for fragment in fragments:
        assert fragment in sql


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02", datetime(2024, 1, 2)),
        ("2024-01-02 10:20", datetime(2024, 1, 2, 10, 20)),
        ("2024-01-02T10:20:30.5Z", datetime(2024, 1, 2, 10, 20, 30, 500000)),
        ("2024-01-02 10:00:00.000Z", datetime(2024, 1, 2, 10)),
        ("2024-01-02 10:00:00+02:00", datetime(2024, 1, 2, 8)),
        ("2024-02-30", datetime(2024, 3, 1)),  # SQLite rolls the day over
        ("10:30", datetime(2000, 1, 1, 10, 30)),
        ("now", datetime(2026, 11, 21, 12, 30, 45, 123000)),
        ("2460000.5", datetime(2023, 2, 25, 0, 0)),  # a Julian day number
        ("garbage", None),
        ("2024-13-01", None),
        ("2024-01-32", None),
        ("", None),
    ],
)
def test_time_values(text: str, expected: datetime | None) -> None:
    assert parse_time_text(text, NOW.replace(tzinfo=None)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("strftime('%Y', 'garbage') = ''", "true"),  # NULL compares as '' (NullFallbackEnforced)
        ("strftime('%Y', 'garbage') = null", "true"),
        ("geoDistance(0, 0, 0, 0) = 0", "true"),
        ("geoDistance(1, 2, 1, 2) < 0.001", "true"),
        ("geoDistance(0, 0, 0, 1) > 111", "true"),
        ("geoDistance(0, 0, 0, 1) < 112", "true"),
    ],
)
def test_constant_functions_fold(text: str, expected: str) -> None:
    assert where(text)[0] == expected


def test_strftime_sql() -> None:
    clause, params = where("strftime('%Y', created, '+1 month', 'start of month') = '2024'")
    assert 'date_trunc(?, date_trunc(?, timezone(?, data."posts"."created"))' in clause
    assert "make_interval(?, ?)" in clause
    assert "2024" in params
    unix, _ = where("strftime('%H', views, 'unixepoch') = '10'")
    assert "BETWEEN ? AND ?" in unix
    text, _ = where("strftime('%Y', title) = '2024'")
    assert 'regexp_match(data."posts"."title", ?)' in norm(text)


def test_haversine() -> None:
    assert _haversine(0, 0, 0, 0) == 0
    assert round(_haversine(13.405, 52.52, 2.3522, 48.8566)) == 877  # Berlin - Paris


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), ("x", "x"), (1, "1"), (10.0, "10.0"), (1.5, "1.5"), (1e20, "1.0e+20"), (-0.25, "-0.25")],
)
def test_sqlite_real_rendering(value: object, text: str) -> None:
    assert py_text(value) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("10", 10),
        (" 10 ", 10),
        ("1e1", 10.0),
        ("+5", 5),
        (".5", 0.5),
        ("5.", 5.0),
        ("-3.25", -3.25),
        ("abc", None),
        ("", None),
        ("0x10", None),
        ("1e999", None),
        ("1 2", None),
        ("9" * 30, float("9" * 30)),
    ],
)
def test_numeric_affinity(text: str, number: float | None) -> None:
    assert py_numeric(text) == number


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("abc", "%abc%"),
        ("Bob_p", "%Bob\\_p%"),
        ("100%", "100%"),
        ("r%", "r%"),
        ("%1", "%1"),
        ("50\\%", "%50\\%%"),
        ("a\\", "%a\\\\%"),
        ("\\\\", "%\\\\%"),
        ("", "%%"),
        ("a%b\\", "a%b\\\\"),  # an explicit pattern must not end with a lone escape in PostgreSQL
    ],
)
def test_like_wrapping(value: str, pattern: str) -> None:
    assert wrap_like(value) == pattern


@pytest.mark.parametrize(
    ("text", "pattern", "matches"),
    [
        ("Hello", "%ell%", True),
        ("HELLO", "%ell%", True),
        ("Bob_p%", "%b\\_p%", True),
        ("Bob public", "%b\\_p%", False),
        ("abc", "a_c", True),
        ("ÄB", "äb", False),  # SQLite folds ASCII letters only
    ],
)
def test_constant_like(text: str, pattern: str, matches: bool) -> None:
    assert _py_like(text, pattern) is matches


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024", (datetime(2024, 1, 1, tzinfo=UTC), False)),
        ("2024-01-02 10:00:00.123Z", (datetime(2024, 1, 2, 10, 0, 0, 123000, tzinfo=UTC), True)),
        ("2024-01-02T10:00", None),
        ("2024-02-30", None),
        ("2024-01-02 10:00:00.12Z", None),
    ],
)
def test_canonical_prefix(text: str, expected: object) -> None:
    assert canonical_prefix(text) == expected


def test_go_strings_and_pb_dates() -> None:
    assert [go_string(v) for v in (None, True, 12.0, 1.5, 1e21, "x", [1])] == [
        "",
        "true",
        "12",
        "1.5",
        "1000000000000000000000",
        "x",
        "",
    ]
    assert format_pb(datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)) == "2024-01-02 03:04:05.678Z"
