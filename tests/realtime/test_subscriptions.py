"""Topic parsing (no server): collection, record, options as PocketBase reads them."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from baas.realtime.subscriptions import WILDCARD, parse_topic


@pytest.mark.parametrize(
    ("topic", "collection", "record_id", "rule"),
    [
        ("posts/*", "posts", WILDCARD, "listRule"),
        ("posts", "posts", WILDCARD, "listRule"),
        ("posts/abc123", "posts", "abc123", "viewRule"),
        ("pbc_123/*?options=%7B%7D", "pbc_123", WILDCARD, "listRule"),
        ("@oauth2", "@oauth2", WILDCARD, "listRule"),
        ("posts/a/b", "posts", "a/b", "viewRule"),
    ],
)
def test_topic_shapes(topic: str, collection: str, record_id: str, rule: str) -> None:
    sub = parse_topic(topic)
    assert (sub.topic, sub.collection, sub.record_id, sub.rule_name) == (topic, collection, record_id, rule)


def test_options_query_and_headers() -> None:
    options = {
        "query": {
            "expand": "owner",
            "fields": "id",
            "filter": " a = 1 ",
            "n": 5,
            "f": 1.5,
            "b": True,
            "x": None,
            "l": [1],
        },
        "headers": {"X-Token": "t", "Accept-Language": "en"},
    }
    sub = parse_topic(f"posts/*?options={quote(json.dumps(options))}")
    assert sub.query == {
        "expand": "owner",
        "fields": "id",
        "filter": " a = 1 ",
        "n": "5",
        "f": "1.5",
        "b": "true",
        "x": "",
        "l": "",
    }
    assert sub.filter == "a = 1"
    assert sub.headers == {"x_token": "t", "accept_language": "en"}
    assert sub.options == (tuple(sorted(sub.query.items())), tuple(sorted(sub.headers.items())))


@pytest.mark.parametrize("raw", ['{"query":', "[1,2]", '{"query": "x", "headers": 3}', ""])
def test_unusable_options_are_ignored(raw: str) -> None:
    sub = parse_topic(f"posts/*?options={quote(raw)}")
    assert (sub.query, sub.headers) == ({}, {})


def test_unencoded_json_options_work_as_in_pocketbase() -> None:
    sub = parse_topic('posts?options={"query":{"fields":"id,title"}}')
    assert sub.query == {"fields": "id,title"}
