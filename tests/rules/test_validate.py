"""``validate_rule``: what a collection save accepts, with PocketBase's message style."""

from __future__ import annotations

import pytest

from baas.rules import InvalidRuleError, validate_rule
from tests.rules.schema_fixture import SCHEMA


@pytest.mark.parametrize(
    "rule",
    [
        None,
        "",
        "title = 'x'",
        "@request.auth.id != ''",
        "@request.auth.id != '' && author = @request.auth.id",
        "@request.auth.anything.at.all = 1",  # like PocketBase: not checked against the auth collection
        "@request.body.title:changed = false",
        "@request.body.anything.nested:isset = true",
        "@request.query.x = 'y' || @request.headers.x_token = 'z'",
        "@collection.comments.post ?= id && @collection.comments:c.title ?= 'x'",
        "secret = 'x'",  # rules may read hidden fields
        "author.tokenKey != ''",
        "pv.title != ''",  # rules ignore the related collection's listRule
        "members.name:lower ?~ 'x' && tags:length > 1 && meta.a.b = 1",
        "title:changed = true",  # accepted (PocketBase ignores the modifier on stored fields)
        "strftime('%Y', created) = '2024' && geoDistance(loc.lon, loc.lat, 1, 2) < 5",
        "a = 1 || " * 0 + "title = '" + "x" * 5000 + "'",  # no length limit for stored rules
    ],
)
def test_valid_rules(rule: str | None) -> None:
    validate_rule(rule, SCHEMA["posts"], SCHEMA)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("title = ", "Invalid rule. Raw error: invalid or incomplete filter expression."),
        ("   ", "Invalid rule. Raw error: empty filter expression."),
        ("nope = 1", 'Invalid rule. Raw error: invalid left operand "nope" - unknown field "nope".'),
        ("author.nope = 1", 'Invalid rule. Raw error: invalid left operand "author.nope" - unknown field "nope".'),
        (
            "@request.body.x:changed = true",
            'Invalid rule. Raw error: invalid left operand "@request.body.x:changed"'
            " - invalid modifier sequence x:changed.",
        ),
        (
            "@request.nope = 1",
            'Invalid rule. Raw error: invalid left operand "@request.nope" - failed to resolve field',
        ),
        ("@collection.zz.a = 1", 'failed to load collection "zz"'),
        ("foo(1) = 1", 'Invalid rule. Raw error: invalid left operand "foo" - unknown function "foo".'),
        ("comments_via_title.x = 1", 'invalid back relation field "title"'),
        ("(title = 'a'", "Invalid rule. Raw error: invalid formatted group - missing 1 closing bracket(s)."),
        ("title = 'a' AND views = 1", "unexpected token 'AND' at 12: expected && or ||"),
        ("title == 'a'", 'invalid sign operator "=="'),
        ("title='a\\'", "invalid quoted text at 6"),
        ("strftime('%Q', title) = ''", 'unsupported format specifier "%Q"'),
    ],
)
def test_invalid_rules(rule: str, message: str) -> None:
    with pytest.raises(InvalidRuleError) as caught:
        validate_rule(rule, SCHEMA["posts"], SCHEMA)
    assert message in caught.value.detail
    error = caught.value.field_error()
    assert error.code == "validation_invalid_rule"
    assert error.message == caught.value.detail
