"""``?sort=``: parsing, limits and the ORDER BY terms (SQLite's order: NULLs first, bytewise text)."""

from __future__ import annotations

import pytest

from baas.rules import (
    MAX_SORT_FIELD_LENGTH,
    MAX_SORT_FIELDS,
    RequestInfo,
    RuleError,
    RuleForbiddenError,
    RuleLimitError,
    RuleSyntaxError,
    SortItem,
    compile_sort,
    parse_sort,
)
from tests.rules.schema_fixture import SCHEMA, compile_sql
from tests.rules.test_compile import P, norm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("title", [SortItem("title", False, 0)]),
        ("-created,title", [SortItem("created", True, 0), SortItem("title", False, 9)]),
        (" -title , +views", [SortItem("title", True, 1), SortItem("views", False, 10)]),
        ("@random,-@rowid", [SortItem("@random", False, 0), SortItem("@rowid", True, 8)]),
        ("author.name:lower", [SortItem("author.name:lower", False, 0)]),
    ],
)
def test_parse_sort(text: str, expected: list[SortItem]) -> None:
    assert parse_sort(text) == expected


@pytest.mark.parametrize(
    ("text", "error", "position"),
    [
        ("title,", RuleSyntaxError, 6),
        (",title", RuleSyntaxError, 0),
        ("++title", RuleSyntaxError, 0),
        ("-+title", RuleSyntaxError, 0),
        ("ti tle", RuleSyntaxError, 0),
        ("title;drop table x", RuleSyntaxError, 0),
        ("strftime('%Y',created)", RuleSyntaxError, 0),
        (",".join(["a"] * (MAX_SORT_FIELDS + 1)), RuleLimitError, 16),
        ("x" * (MAX_SORT_FIELD_LENGTH + 1), RuleLimitError, 0),
    ],
)
def test_parse_sort_errors(text: str, error: type[Exception], position: int) -> None:
    with pytest.raises(error) as caught:
        parse_sort(text)
    assert caught.value.position == position  # type: ignore[attr-defined]


def order(sort: str, **kwargs: object) -> str:
    sql, _ = compile_sql(None, sort=sort, **kwargs)  # type: ignore[arg-type]
    return norm(sql).partition(" ORDER BY ")[2]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", f'{P}."title" COLLATE "C" ASC'),
        ("-title", f'{P}."title" COLLATE "C" DESC'),
        ("views,-published", f'{P}."views" ASC, {P}."published" DESC'),
        ("created", f'{P}."created" ASC NULLS FIRST'),
        ("-created", f'{P}."created" DESC NULLS LAST'),
        ("author", f'{P}."author" COLLATE "C" ASC NULLS FIRST'),
        ("@rowid", f'{P}."_rowid" ASC'),
        ("-@rowid", f'{P}."_rowid" DESC'),
        ("@random", "random()"),
        ("title:lower", f'lower({P}."title") COLLATE "C" ASC'),
        ("title:isset", f'{P}."title" COLLATE "C" ASC'),
        ("tags", f'CAST(array_to_json({P}."tags") AS TEXT) COLLATE "C" ASC'),
        ("tags:length", f'coalesce(cardinality({P}."tags"), ?) ASC'),
    ],
)
def test_order_by(sort: str, expected: str) -> None:
    assert order(sort) == expected


def test_relation_sort_uses_the_first_related_value() -> None:
    single = order("author.name")
    assert single.startswith('(SELECT users_1."name" COLLATE "C" AS anon_1 FROM (SELECT 1 AS one)')
    assert single.endswith("LIMIT ?) ASC NULLS FIRST")
    multi = order("-members.name")
    assert "ORDER BY anon_3.ord LIMIT ?) DESC NULLS LAST" in multi


def test_json_sorts_by_class_number_then_text() -> None:
    terms = order("meta.a")
    assert terms.count("ASC NULLS FIRST") == 3
    assert terms.startswith("CASE WHEN (jsonb_typeof(")


def test_view_rowid_sorts_by_id() -> None:
    terms = compile_sort("@rowid", SCHEMA["post_stats"], SCHEMA, RequestInfo())
    assert norm(str(terms[0])) == 'data."post_stats"."id" ASC'


@pytest.mark.parametrize(
    "sort",
    ["nope", "author.nope", "@now", "@request.auth.id", "@request.method", "title.x", "true", "null", "@foo"],
)
def test_invalid_sort_fields(sort: str) -> None:
    with pytest.raises(RuleError, match="invalid sort field"):
        order(sort)


def test_client_sort_restrictions() -> None:
    with pytest.raises(RuleError, match="non-filterable"):
        order("secret", client=True)
    with pytest.raises(RuleForbiddenError):
        order("@collection.comments.score", client=True)
    with pytest.raises(RuleError, match="can be accessed only"):
        order("pv.title", client=True)
    # PocketBase applies users.listRule to rows sorted through "author"
    sql, _ = compile_sql(None, sort="author.name", client=True)
    assert 'WHERE EXISTS (SELECT 1 FROM (SELECT 1 AS one) AS anon_1 LEFT OUTER JOIN data."users"' in norm(sql)
    superuser, _ = compile_sql(
        None, sort="secret,@collection.comments.score", client=True, request=RequestInfo(is_superuser=True)
    )
    assert "WHERE true ORDER BY" in superuser
