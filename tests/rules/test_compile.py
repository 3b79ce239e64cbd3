"""Compiled SQL for each operator, field type and modifier (PostgreSQL dialect, no database).

The SQL is normalised: every bound parameter becomes ``?`` so expectations read like SQL.
What a comparison selects was checked against PocketBase 0.40.6; here we pin the SQL shape.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from baas.rules import RequestInfo, RuleError, RuleForbiddenError
from tests.rules.schema_fixture import NOW, compile_sql

_TYPES = "VARCHAR|TEXT|INTEGER|BIGINT|FLOAT|DOUBLE PRECISION|TIMESTAMP WITH TIME ZONE|TIMESTAMP WITHOUT TIME ZONE"
_PARAM = re.compile(rf"%\([^)]+\)s(::({_TYPES}|BOOLEAN|INTERVAL|NUMERIC|JSONB)(\[\])?)?")


def norm(sql: str) -> str:
    return " ".join(_PARAM.sub("?", sql).split())


def where(text: str, **kwargs: Any) -> tuple[str, list[Any]]:
    sql, params = compile_sql(text, **kwargs)
    _, _, clause = norm(sql).partition(" WHERE ")
    return clause, list(params.values())


P = 'data."posts"'


@pytest.mark.parametrize(
    ("text", "expected", "values"),
    [
        # text columns: plain comparisons stay sargable
        ("title = 'x'", f'{P}."title" = ?', ["x"]),
        ("'x' = title", f'{P}."title" = ?', ["x"]),
        ("title != 'x'", f'{P}."title" IS DISTINCT FROM ?', ["x"]),
        ("title = ''", f'{P}."title" = ?', [""]),
        ("title = null", f'{P}."title" = ?', [""]),
        ("title != ''", f'{P}."title" IS DISTINCT FROM ?', [""]),
        ("title > 'b'", f'({P}."title" COLLATE "C") > (? COLLATE "C")', ["b"]),
        ("title <= 'b'", f'({P}."title" COLLATE "C") <= (? COLLATE "C")', ["b"]),
        # a number against a text column is compared as SQLite's text rendering of a REAL
        ("title = 123", f'{P}."title" = ?', ["123.0"]),
        ("title = true", f'{P}."title" = ?', ["1"]),
        # single relations store NULL for empty, which PocketBase stores as ''
        ("author = 'abc'", f'{P}."author" = ?', ["abc"]),
        ("author = ''", f'{P}."author" = ? OR {P}."author" IS NULL', [""]),
        ("author = null", f'{P}."author" = ? OR {P}."author" IS NULL', [""]),
        ("author != ''", f'coalesce({P}."author", ?) != ?', ["", ""]),
        ("author.id = 'abc'", f'{P}."author" = ?', ["abc"]),
        # numbers
        ("views > 5", f'{P}."views" > ?', [5.0]),
        ("views >= -1.5", f'{P}."views" >= ?', [-1.5]),
        ("views = '10'", f'{P}."views" = ?', [10]),
        ("views = ' 1e1 '", f'{P}."views" = ?', [10.0]),
        ("views = 'abc'", "false", []),
        ("views < 'abc'", "true", []),
        ("views != 'abc'", "true", []),
        ("views = ''", "false", []),
        ("views != null", "true", []),
        ("views = 0", f'{P}."views" = ?', [0.0]),
        # bools are SQLite's 0/1
        ("published = true", f'{P}."published"', []),
        ("published = false", f'NOT {P}."published"', []),
        ("published = 1", f'{P}."published"', []),
        ("published = '1'", f'{P}."published"', []),
        ("published = 'true'", "false", []),
        ("published > 0", f'{P}."published"', []),
        ("published != true", f'NOT {P}."published"', []),
        # literals only: folded while compiling
        ("'' = null", "true", []),
        ("null = null", "true", []),
        ("null != ''", "false", []),
        ("1 = '1'", "false", []),
        ("'abc' > 5", "true", []),
        ("0 = ''", "false", []),
        ("true = 1", "true", []),
        ("TRUE = 1 && False = 0", "true", []),
        ("@second >= 0 && @weekday < 7", "true", []),
        ("@year = 2026", "true", []),
        # LIKE: literals are wrapped in % with \, %, _ escaped unless they have their own %
        ("title ~ 'abc'", f"{P}.\"title\" ILIKE ? ESCAPE '\\'", ["%abc%"]),
        ("title !~ 'a_b'", f"{P}.\"title\" NOT ILIKE ? ESCAPE '\\'", ["%a\\_b%"]),
        ("title ~ 'a%'", f"{P}.\"title\" ILIKE ? ESCAPE '\\'", ["a%"]),
        ("title ~ '50\\%'", f"{P}.\"title\" ILIKE ? ESCAPE '\\'", ["%50\\%%"]),
        ("title ~ ''", f"{P}.\"title\" ILIKE ? ESCAPE '\\'", ["%%"]),
        ("title ~ 12", f"{P}.\"title\" ILIKE ? ESCAPE '\\'", ["%12%"]),
        ("title ?~ 'x'", f"{P}.\"title\" ILIKE ? ESCAPE '\\'", ["%x%"]),
        ("'abc' ~ title", f"? ILIKE (? || {P}.\"title\" || ?) ESCAPE '\\'", ["abc", "%", "%"]),
        # dates: timestamp comparisons when the text is a prefix of PocketBase's format
        ("publishAt > '2024-01-02'", f'{P}."publishAt" >= ?', [datetime(2024, 1, 2, tzinfo=UTC)]),
        (
            "publishAt > '2024-01-02 10:00:00.000Z'",
            f'{P}."publishAt" > ?',
            [datetime(2024, 1, 2, 10, tzinfo=UTC)],
        ),
        ("publishAt < '2025'", f'{P}."publishAt" < ? OR {P}."publishAt" IS NULL', [datetime(2025, 1, 1, tzinfo=UTC)]),
        ("publishAt = '2024-01-02'", "false", []),
        ("publishAt = ''", f'{P}."publishAt" IS NULL', []),
        ("publishAt != ''", f'{P}."publishAt" IS NOT NULL', []),
        ("created < @now", f'{P}."created" < ? OR {P}."created" IS NULL', [NOW]),
    ],
)
def test_comparisons(text: str, expected: str, values: list[Any]) -> None:
    clause, params = where(text)
    assert clause == expected
    for value in values:
        assert value in params


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("publishAt > 'garbage'", ["to_char(timezone(?, " + P + '."publishAt"), ?)', 'COLLATE "C"']),
        ("publishAt ~ '2024'", ["ILIKE", "to_char"]),
        ("tags = '[\"a\"]'", ["CAST(array_to_json(" + P + '."tags") AS TEXT) = ?']),
        ("tags = ''", ["CAST(array_to_json(" + P + '."tags") AS TEXT) = ?']),
        ("tags:length = 2", ["coalesce(cardinality(" + P + '."tags"), ?) = ?']),
        ("cat:length = 0", ["CASE WHEN (" + P + '."cat" IS NULL OR ' + P + '."cat" = ?) THEN ? ELSE ? END = ?']),
        ("title:lower = 'abc'", ["lower(" + P + '."title") = ?']),
        ("loc ~ 'lon'", ["->>", "ILIKE"]),
        ("loc.lon > 1", ["jsonb_typeof(" + P + '."loc" #> ?)', "AS DOUBLE PRECISION)", "END > ?"]),
        ("meta.a.b = 1", [P + '."meta" #> ?', "coalesce("]),
        ("meta = 'x'", ["jsonb_typeof(" + P + '."meta")', "#>> '{}'"]),
        ("meta = null", ["jsonb_typeof(" + P + '."meta")', "IS NULL"]),
        ("title ~ views", ["ILIKE (? || CASE WHEN", "AS BIGINT) AS TEXT)"]),
        # COALESCE drops affinity in SQLite: text never equals a number here (PocketBase: no rows)
        ("title = views", ["false"]),
        ("strftime('%Y-%m', created) = '2024-01'", ["((to_char(timezone(?, " + P + '."created"), ?) || ?) || to_char']),
        ("geoDistance(loc.lon, loc.lat, 1, 2) < 10", ["asin(least(?, sqrt(power(sin(radians("]),
    ],
)
def test_sql_fragments(text: str, fragments: list[str]) -> None:
    clause, _ = where(text)
    for fragment in fragments:
        assert fragment in clause


def test_title_isset_compares_title_with_one() -> None:
    # PocketBase ignores :isset/:changed on stored fields: "title:isset = true" is "title = 1"
    assert where("title:isset = true") == (f'{P}."title" = ?', ["1"])
    assert where("published:isset = true") == (f'{P}."published"', [])


def test_relation_paths_use_exists_over_left_joins() -> None:
    clause, params = where("author.name = 'Bob'")
    head = 'EXISTS (SELECT 1 FROM (SELECT 1 AS one) AS anon_1 LEFT OUTER JOIN data."users" AS users_1'
    assert clause.startswith(head)
    assert f'ON users_1."id" = {P}."author"' in clause
    assert "Bob" in params


def test_any_operator_has_no_every_value_subquery() -> None:
    any_clause, _ = where("members.name ?= 'Bob'")
    all_clause, _ = where("members.name = 'Bob'")
    assert "unnest(" + P + '."members") WITH ORDINALITY' in any_clause
    assert "NOT (EXISTS" not in any_clause
    assert all_clause.count("EXISTS") == 2
    assert "AND NOT (EXISTS (SELECT 1 FROM (SELECT 1 AS one) AS anon_3 LEFT OUTER JOIN LATERAL unnest" in all_clause
    assert 'WHERE users_2."name" != ?' in all_clause


def test_same_path_shares_one_joined_row() -> None:
    # PocketBase joins members once: both conditions must hold for the same member
    clause, _ = where("members.name ?= 'Bob' && members.email ?~ 'bob@'")
    assert clause.count("EXISTS") == 1
    assert 'users_1."name" = ? AND users_1."email" ILIKE ?' in clause


def test_independent_paths_get_separate_exists_and_plain_parts_are_hoisted() -> None:
    clause, _ = where("title = 'x' && author.name = 'a' && tags:each ?= 'b'")
    assert clause.startswith(f'{P}."title" = ? AND (EXISTS')
    assert clause.count("EXISTS") == 2


def test_or_keeps_conditions_in_one_exists() -> None:
    clause, _ = where("title = 'x' || author.name = 'a'")
    assert clause.startswith("EXISTS")
    assert f'WHERE {P}."title" = ? OR users_1."name" = ?' in clause


def test_back_relation_and_collection_join() -> None:
    back, _ = where("comments_via_post.score ?> 5")
    assert f'LEFT OUTER JOIN data."comments" AS comments_1 ON comments_1."post" = {P}."id"' in back
    collection, _ = where("@collection.comments.post ?= id && @collection.comments.title ?= 'c'")
    assert 'LEFT OUTER JOIN data."comments" AS comments_1 ON true' in collection
    # the comparison with the row id stays sargable (an index on comments.post can serve it)
    assert f'WHERE comments_1."post" = {P}."id" AND comments_1."title" = ?' in collection
    aliased, _ = where("@collection.comments:a.title ?= 'x' && @collection.comments:b.title ?= 'y'")
    assert aliased.count("EXISTS") == 2


def test_each_and_multi_relations_correlate_to_the_filtered_row() -> None:
    clause, _ = where("members.id = author")
    # the "every value" subquery nests inside the EXISTS and still refers to data.posts
    assert clause.count('FROM data."posts"') == 0
    assert f'coalesce({P}."author", ?)' in clause


def test_relation_hop_limit() -> None:
    six = "author.team.lead.team.lead.team.name = 'x'"
    where(six)
    with pytest.raises(RuleError, match="max nested relations"):
        where("author.team.lead.team.lead.team.lead.name = 'x'")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("nope = 1", 'invalid left operand "nope" - unknown field "nope"'),
        ("1 = nope", 'invalid right operand "nope" - unknown field "nope"'),
        ("author.nope = 1", 'unknown field "nope"'),
        ("title.x = 1", 'field "title" is not a valid relation'),
        ("nope_via_x.y = 1", 'failed to load back relation field "nope_via_x" collection'),
        ("comments_via_title.x = 1", 'invalid back relation field "title"'),
        ("comments_via_nope.x = 1", 'missing back relation field "nope"'),
        ("title:foo = 1", 'unknown modifier in "title:foo"'),
        ("title:lower:each = 1", 'unknown field "title:lower:each"'),
        ("#x = 1", 'failed to resolve field "#x"'),
        ("@foo = 1", 'failed to resolve field "@foo"'),
        ("@collection.nope.x = 1", 'failed to load collection "nope"'),
        ("@collection.posts = 1", "invalid @collection field path"),
        ("@collection.posts:a.title = 1 && @collection.comments:a.title = 1", "already used"),
        ("@request.nope = 1", 'failed to resolve field "@request.nope"'),
        ("@request.method:lower = 'get'", 'failed to resolve field "@request.method:lower"'),
        ("@request.query.x:each = 1", "invalid modifier sequence x:each"),
        ("@request.body.title:each = 'a'", "doesn't support multivalue operations"),
        ("foo(1) = 1", 'unknown function "foo"'),
        ("geoDistance(1, 2, 3) < 1", "[geoDistance] expected 4 arguments, got 3"),
        ("geoDistance(1, 2, 3, 'a') < 1", "[geoDistance] argument 3 must be an identifier or number"),
        ("strftime() = 1", "[strftime] expected at least 1 arguments"),
        ("strftime(title) = ''", "[strftime] expects the first argument to be a format string"),
        ("strftime('%Y', f()) = ''", "[strftime] expects the second argument"),
        ("strftime('%Y', created, 5) = ''", "[strftime] invalid modifier argument 0"),
        ("strftime('%Q', created) = ''", '[strftime] unsupported format specifier "%Q"'),
        ("strftime('%Y', created, '+1 fortnight') = ''", '[strftime] unsupported modifier "+1 fortnight"'),
        ("strftime('%Y', created, '+1.5 months') = ''", "unsupported modifier"),
        ("strftime('1','2','3','4','5','6','7','8','9','10','11') = ''", "too many arguments"),
    ],
)
def test_resolution_errors(text: str, fragment: str) -> None:
    with pytest.raises(RuleError) as caught:
        where(text)
    assert fragment in caught.value.detail
    assert caught.value.status == 400
    assert caught.value.message == "Something went wrong while processing your request."


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("@request.auth.id != ''", "@request."),
        ("@collection.comments.title ?= 'x'", "@collection."),
        ("title = '@request.auth.id'", "@request."),  # PocketBase checks the raw text
        ("title = 'x' || @collection.posts.title ?= @request.auth.id", "@collection."),
    ],
)
def test_non_superuser_filters_cannot_use_request_or_collection(text: str, prefix: str) -> None:
    with pytest.raises(RuleForbiddenError) as caught:
        where(text, client=True)
    assert caught.value.status == 403
    assert caught.value.message == f"Only superusers can filter by {prefix}"
    # superusers and rules may
    where(text.replace("'@request.auth.id'", "'x'"), client=True, request=RequestInfo(is_superuser=True))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("secret = 'x'", 'non-filterable field "secret"'),
        ("author.tokenKey != ''", 'non-filterable field "tokenKey"'),
        ("author.password != ''", 'non-filterable field "password"'),
        ("pv.title = 'x'", '"priv" fields can be accessed only'),
    ],
)
def test_client_filter_restrictions(text: str, fragment: str) -> None:
    with pytest.raises(RuleError) as caught:
        where(text, client=True)
    assert fragment in caught.value.detail
    # the same text is fine in a rule or for a superuser
    where(text)
    where(text, client=True, request=RequestInfo(is_superuser=True))


def test_client_filter_applies_email_visibility_and_list_rules() -> None:
    clause, _ = where("author.email ~ 'bob'", client=True)
    assert 'users_1."emailVisibility" = true' in clause
    # users.listRule "id = @request.auth.id" for a guest, or no related user at all
    assert 'users_1."id" IS NULL OR users_1."id" = ? OR users_1."id" IS NULL' in clause
    superuser, _ = where("author.email ~ 'bob'", client=True, request=RequestInfo(is_superuser=True))
    assert "emailVisibility" not in superuser


def test_list_rule_also_applies_to_back_relations() -> None:
    clause, _ = where("comments_via_post.title ?= 'x'", client=True)
    assert clause.count("EXISTS") == 1  # comments.listRule is "" (public): nothing added


def test_rule_and_filter_share_joins() -> None:
    clause, _ = where("members.name ?= 'x'", rule="members.id ?= 'u1'")
    assert clause.count("EXISTS") == 1


@pytest.mark.parametrize(
    "value",
    [
        "x' OR 1=1 --",
        "'; DROP TABLE users; --",
        '"; drop table posts',
        "\\'); DELETE FROM data.posts; --",
        "%' OR '1'='1",
        "$1 $$ ::text",
    ],
)
def test_user_values_are_always_bound(value: str) -> None:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    for text in (
        f'title = "{escaped}"',
        f'title ~ "{escaped}"',
        f'"{escaped}" = title',
        f'meta.a = "{escaped}"',
        f'members.name ?= "{escaped}"',
        f"strftime('%Y', \"{escaped}\") = '1'",
    ):
        sql, params = compile_sql(text)
        assert value not in sql
        assert "drop" not in sql.lower()
        if not text.startswith("strftime"):  # a time value that is not a date folds to NULL
            assert any(value in str(p) for p in params.values()), text


def test_request_values_are_bound() -> None:
    request = RequestInfo(query={"q": "x' OR 1=1 --"}, headers={"x_evil": "'; drop table x"})
    sql, params = compile_sql("title = @request.query.q || title = @request.headers.x_evil", request=request)
    assert "OR 1=1" not in sql
    assert "drop table" not in sql
    assert "x' OR 1=1 --" in params.values()


@pytest.mark.parametrize(
    "text",
    [
        "title; drop table posts = 1",
        'title" = 1',
        "title = 1; drop table posts",
        "title = 1 -- comment",
        "title = 1 /* c */",
    ],
)
def test_injection_through_identifiers_does_not_parse(text: str) -> None:
    with pytest.raises(RuleError):
        where(text)
