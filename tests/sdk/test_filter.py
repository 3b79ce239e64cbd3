"""``client.filter``: bound values can never change the expression, on either server."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from baas_sdk import filter_expression, format_datetime

from tests.sdk.conftest import make_collection

HOSTILE = [
    "plain",
    "it's",
    'say "hi"',
    "back\\slash",
    "trailing backslash\\",
    "\\' || 1=1 || '",
    "\" || true || \"",
    "') || (id != '",
    "x' OR 'a'='a",
    "%_wild%",
    "{:other}",
    "line\nbreak\ttab",
    "// comment",
    "ünïcødé ✓",
    "",
]


@pytest.mark.parametrize(
    ("raw", "params", "expected"),
    [
        ("a = {:a}", {"a": "it's"}, "a = \"it's\""),
        ("a = {:a}", {"a": 'q"uote\\'}, 'a = "q\\"uote\\\\"'),
        ("a = {:a} && b = {:b}", {"a": 1, "b": 2.5}, "a = 1 && b = 2.5"),
        ("a = {:a} || b = {:b}", {"a": True, "b": False}, "a = true || b = false"),
        ("a = {:a}", {"a": None}, "a = null"),
        ("a = {:a}", {"a": 1e-7}, "a = 0.0000001"),
        ("a > {:a}", {"a": dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)},
         'a > "2024-01-02 03:04:05.678Z"'),
        ("a > {:a}", {"a": dt.datetime(2024, 1, 2, 5, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))},
         'a > "2024-01-02 03:00:00.000Z"'),
        ("a > {:a}", {"a": dt.date(2024, 1, 2)}, 'a > "2024-01-02 00:00:00.000Z"'),
        ("a = {:a}", {"a": [1, "x"]}, 'a = "[1,\\"x\\"]"'),
        ("a = {:a} && b = {:b}", {"a": "{:b}", "b": "x"}, 'a = "{:b}" && b = "x"'),  # one pass only
        ("a = {:a} && {:missing}", {"a": 1}, "a = 1 && {:missing}"),
    ],
)
def test_literals(raw: str, params: dict[str, Any], expected: str) -> None:
    assert filter_expression(raw, **params) == expected


def test_unsupported_values_are_refused() -> None:
    with pytest.raises(ValueError, match="nan"):
        filter_expression("a = {:a}", a=float("nan"))
    with pytest.raises(TypeError):
        filter_expression("a = {:a}", a=object())


def test_naive_datetimes_are_utc() -> None:
    assert format_datetime(dt.datetime(2024, 5, 6, 7, 8, 9)) == "2024-05-06 07:08:09.000Z"


async def test_hostile_values_match_only_themselves(api: Any) -> None:
    name = await make_collection(api, [{"name": "title", "type": "text"}, {"name": "n", "type": "number"}])
    posts = api.collection(name)
    ids = {}
    for i, title in enumerate(HOSTILE):
        ids[title] = (await posts.create({"title": title, "n": i}))["id"]
    for title in HOSTILE:
        found = await posts.get_full_list(filter=api.filter("title = {:t} && n >= {:zero}", t=title, zero=0))
        assert [r["id"] for r in found] == [ids[title]], repr(title)
    # `~` with user input: wildcards in the value are literal characters
    found = await posts.get_full_list(filter=api.filter("title ~ {:t}", t="%_wild%"))
    assert [r["title"] for r in found] == ["%_wild%"]
