"""``@request.*``: values are bound or folded while compiling; relation paths join."""

from __future__ import annotations

from typing import Any

import pytest

from baas.rules import RequestInfo, RuleError
from tests.rules.schema_fixture import BOB, bob_request
from tests.rules.test_compile import P, where

GUEST = RequestInfo()
BOB_REQ = bob_request(
    query={"page": "2", "q": "x"},
    headers={"x_token": "abc"},
    method="PATCH",
    body={"title": "new", "views": "10", "tags": ["a", "b"], "author": "u1", "meta": {"a": 1}, "extra": {"k": [1, 2]}},
)


@pytest.mark.parametrize(
    ("text", "request_info", "expected"),
    [
        ("@request.auth.id = ''", GUEST, "true"),
        ("@request.auth.id != ''", GUEST, "false"),
        ("@request.auth.name = null", GUEST, "true"),
        ("@request.auth.id != ''", BOB_REQ, "true"),
        ("@request.auth.id = 'bobbobbobbobbob'", BOB_REQ, "true"),
        ("@request.auth.collectionName = 'users'", BOB_REQ, "true"),
        ("@request.auth.collectionId = '_pb_users_auth_'", BOB_REQ, "true"),
        ("@request.auth.verified = true", BOB_REQ, "true"),
        ("@request.auth.emailVisibility = false", BOB_REQ, "true"),
        ("@request.auth.email = 'bob@example.com'", BOB_REQ, "true"),
        ("@request.auth.name = 'Bob'", BOB_REQ, "true"),
        ("@request.auth.name:lower = 'bob'", BOB_REQ, "true"),
        ("@request.auth.name ~ 'o'", BOB_REQ, "true"),
        ("@request.auth.tokenKey != ''", BOB_REQ, "true"),  # rules may read hidden fields
        ("@request.auth.roles:length = 2", BOB_REQ, "true"),
        ('@request.auth.roles = \'["admin","editor"]\'', BOB_REQ, "true"),
        ("@request.auth.roles ~ 'admin'", BOB_REQ, "true"),
        ("@request.auth.team.id = 'teamteamteam123'", BOB_REQ, "true"),
        ("@request.auth.created > '2024-05-06'", BOB_REQ, "true"),
        ("@request.auth.created = '2024-05-06 07:08:09.010Z'", BOB_REQ, "true"),
        ("@request.auth.nope = null", BOB_REQ, "true"),
        ("@request.auth.nope.x = null", BOB_REQ, "true"),
        ("@request.query.page = '2'", BOB_REQ, "true"),
        ("@request.query.page = 2", BOB_REQ, "false"),  # text vs number, no affinity
        ("@request.query.page > 1", BOB_REQ, "true"),  # text sorts after numbers
        ("@request.query.q:isset = true", BOB_REQ, "true"),
        ("@request.query.nope:isset = false", BOB_REQ, "true"),
        ("@request.query.nope = ''", BOB_REQ, "true"),
        ("@request.query.q:lower = 'x'", BOB_REQ, "true"),
        ("@request.headers.x_token = 'abc'", BOB_REQ, "true"),
        ("@request.method = 'PATCH'", BOB_REQ, "true"),
        ("@request.context = 'default'", BOB_REQ, "true"),
        ("@request.body.title = 'new'", BOB_REQ, "true"),
        ("@request.body.title:isset = true", BOB_REQ, "true"),
        ("@request.body.nope:isset = true", BOB_REQ, "false"),
        ("@request.body.views = 10", BOB_REQ, "true"),  # a numeric string for a number field
        ("@request.body.views > 9.5", BOB_REQ, "true"),
        ("@request.body.tags:length = 2", BOB_REQ, "true"),
        ('@request.body.tags = \'["a","b"]\'', BOB_REQ, "true"),
        ("@request.body.meta.a = 1", BOB_REQ, "true"),
        ("@request.body.extra.k.1 = 2", BOB_REQ, "true"),
        ("@request.body.extra.k.5 = null", BOB_REQ, "true"),
        ("@request.body.title:lower ~ 'NE'", BOB_REQ, "true"),
        ("@request.body.title:changed = true", RequestInfo(body={}), "false"),
    ],
)
def test_folded(text: str, request_info: RequestInfo, expected: str) -> None:
    assert where(text, request=request_info) == (expected, [])


@pytest.mark.parametrize(
    ("text", "expected", "values"),
    [
        ("author = @request.auth.id", f'{P}."author" = ?', [BOB["id"]]),
        ("@request.auth.id = author", f'{P}."author" = ?', [BOB["id"]]),
        ("title = @request.body.title", f'{P}."title" = ?', ["new"]),
        ("views = @request.body.views", f'{P}."views" = ?', [10.0]),
        ("title ~ @request.query.q", f"{P}.\"title\" ILIKE ? ESCAPE '\\'", ["%x%"]),
        ("@request.body.title:changed = true", f'{P}."title" IS DISTINCT FROM ?', ["new"]),
        ("@request.body.title:changed = false", f'{P}."title" IS NOT DISTINCT FROM ?', ["new"]),
    ],
)
def test_bound(text: str, expected: str, values: list[Any]) -> None:
    clause, params = where(text, request=BOB_REQ)
    assert clause == expected
    for value in values:
        assert value in params


def test_auth_relation_paths_join_from_the_record_values() -> None:
    clause, params = where("@request.auth.team.name = 'x'", request=BOB_REQ)
    assert 'LEFT OUTER JOIN data."teams" AS teams_1 ON teams_1."id" = ANY (?)' in clause
    assert ["teamteamteam123"] in params
    guest, _ = where("@request.auth.team.name = 'x'", request=GUEST)
    assert guest == "false"


def test_auth_each_and_back_relation() -> None:
    each, params = where("@request.auth.roles:each ?= 'admin'", request=BOB_REQ)
    assert "jsonb_array_elements(CAST(? AS JSONB))" in each
    assert '["admin","editor"]' in params
    back, params = where("@request.auth.posts_via_author.title ?= 'x'", request=BOB_REQ)
    assert f'JOIN {P} AS posts_1 ON posts_1."author" = ?' in back
    assert BOB["id"] in params


def test_body_each_and_relations() -> None:
    each, params = where("@request.body.tags:each ?= 'a'", request=BOB_REQ)
    assert "jsonb_array_elements" in each
    assert '["a","b"]' in params
    every, _ = where("@request.body.tags:each = 'a'", request=BOB_REQ)
    assert "NOT (EXISTS" in every
    relation, params = where("@request.body.author.name = 'Bob'", request=BOB_REQ)
    assert 'JOIN data."users" AS users_1 ON users_1."id" = ANY (?)' in relation
    assert ["u1"] in params
    assert where("@request.body.author.name = 'Bob'", request=GUEST) == ("false", [])


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("@request.query.q:each = 1", "invalid modifier sequence q:each"),
        ("@request.body.title:length = 1", "doesn't support multivalue operations"),
        ("@request.auth.name.x = 1", 'field "name" is not a valid relation'),
        ("@request.body.nope:changed = true", "invalid modifier sequence nope:changed"),
        ("@request = 1", 'failed to resolve field "@request"'),
        ("@request.body = 1", 'failed to resolve field "@request.body"'),
    ],
)
def test_errors(text: str, fragment: str) -> None:
    with pytest.raises(RuleError) as caught:
        where(text, request=BOB_REQ)
    assert fragment in caught.value.detail
