import pytest

from baas.collections.fields import InvalidOptionsError, RelationField, field_from_json
from baas.collections.fields.base import APPEND, PREPEND, REMOVE
from baas.collections.fields.relation import missing_records_error
from baas.errors import FieldError

REQUIRED = {"code": "validation_required", "message": "Cannot be blank."}
MISSING = {
    "code": "validation_field_relation_missing_collection",
    "message": "The relation collection doesn't exist.",
}


def at_least(threshold):
    return {
        "code": "validation_min_greater_equal_than_required",
        "message": f"Must be no less than {threshold}.",
        "params": {"threshold": threshold},
    }


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"collectionId": "_pb_users_auth_"}, {}),
        ({"collectionId": "_pb_users_auth_", "minSelect": 0, "maxSelect": 1, "cascadeDelete": True}, {}),
        ({"collectionId": "pbc_self"}, {}),  # the collection being saved
        ({}, {"collectionId": REQUIRED}),
        ({"collectionId": "nope"}, {"collectionId": MISSING}),
        ({"collectionId": "users"}, {"collectionId": MISSING}),  # a name is not an id
        (
            {"collectionId": "pbc_view"},
            {
                "collectionId": {
                    "code": "validation_relation_field_non_view_base_collection",
                    "message": "Only view collections are allowed to have relations to other views.",
                }
            },
        ),
        ({"collectionId": "pbc_posts", "minSelect": 2, "maxSelect": 0}, {"maxSelect": REQUIRED}),
        ({"collectionId": "pbc_posts", "minSelect": 2, "maxSelect": 1}, {"maxSelect": at_least(2)}),
        ({"collectionId": "pbc_posts", "minSelect": 5, "maxSelect": 5}, {}),
        (
            {"collectionId": "pbc_posts", "minSelect": -1, "maxSelect": -2},
            {"minSelect": at_least(0), "maxSelect": at_least(-1)},
        ),
        ({"collectionId": "pbc_posts", "maxSelect": -1}, {"maxSelect": at_least(0)}),
    ],
)
def test_settings(options, expected, context, rendered):
    assert rendered(RelationField.from_json({"name": "r", **options}).check_settings(context)) == expected


def test_views_may_relate_to_views(make_context):
    field = RelationField(name="r", collectionId="pbc_view")
    assert field.check_settings(make_context("view")) == {}


@pytest.mark.parametrize(
    "options", [{"collectionId": 5}, {"cascadeDelete": "true"}, {"minSelect": "1"}, {"maxSelect": 2.5}]
)
def test_options_of_the_wrong_json_type(options):
    with pytest.raises(InvalidOptionsError):
        field_from_json({"type": "relation", "name": "r", **options})


def test_options_round_trip():
    data = {
        "type": "relation",
        "name": "r",
        "collectionId": "pbc_posts",
        "cascadeDelete": True,
        "minSelect": 1,
        "maxSelect": 3,
    }
    field = field_from_json(data)
    assert {key: field.to_json()[key] for key in data} == data
    assert field_from_json(field.to_json()).to_json() == field.to_json()
    assert field.relation_collection_id == "pbc_posts"
    assert RelationField(name="r").relation_collection_id is None


def single(**options):
    return RelationField(name="r", collectionId="pbc_posts", **options)


def multi(**options):
    return RelationField(name="r", collectionId="pbc_posts", maxSelect=3, **options)


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        (single(), "id1", "id1"),
        (single(), ["id1", "id2"], "id2"),
        (single(), None, None),
        (single(), "", None),
        (single(), [], None),
        (multi(), ["id1", "id2", "id1"], ["id1", "id2"]),
        (multi(), "id1", ["id1"]),
        (multi(), None, []),
        (multi(), '["id1","id2"]', ["id1", "id2"]),
    ],
)
def test_prepare(field, raw, expected):
    assert field.prepare(raw) == expected


@pytest.mark.parametrize("raw", [{"id": "x"}, [["id1"]], [{"id": "x"}]])
def test_prepare_rejects(raw):
    with pytest.raises(FieldError):
        multi().prepare(raw)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (single(), None, None),
        (single(), "id1", None),
        (single(required=True), None, REQUIRED),
        (multi(required=True), [], REQUIRED),
        (
            RelationField(name="r", collectionId="c", minSelect=2, maxSelect=3),
            ["id1"],
            {
                "code": "validation_not_enough_values",
                "message": "Select at least 2.",
                "params": {"minSelect": 2},
            },
        ),
        (RelationField(name="r", collectionId="c", minSelect=2, maxSelect=3), [], None),
        (
            RelationField(name="r", collectionId="c", minSelect=2, maxSelect=3),
            ["a", "b", "c", "d"],
            {
                "code": "validation_too_many_values",
                "message": "Select no more than 3.",
                "params": {"maxSelect": 3},
            },
        ),
        (
            single(),
            ["a", "b"],
            {
                "code": "validation_too_many_values",
                "message": "Select no more than 1.",
                "params": {"maxSelect": 1},
            },
        ),
    ],
)
def test_validate(field, value, expected, error_of):
    assert error_of(field.validate, value) == expected


@pytest.mark.parametrize(
    ("field", "modifier", "current", "raw", "expected"),
    [
        (multi(), APPEND, ["a", "b"], "c", ["a", "b", "c"]),
        (multi(), PREPEND, ["a", "b"], ["d"], ["d", "a", "b"]),
        (multi(), REMOVE, ["a", "b"], "a", ["b"]),
        (single(), APPEND, "a", "b", "b"),
        (single(), PREPEND, "a", "b", "a"),
        (single(), REMOVE, "a", "a", None),
        (single(), REMOVE, "a", "zz", "a"),
        (single(), APPEND, None, "b", "b"),
    ],
)
def test_modifiers(field, modifier, current, raw, expected):
    assert field.apply_modifier(modifier, current, raw) == expected


def test_values():
    assert single().column_sql() == 'text COLLATE "C" NULL'
    assert multi().column_sql() == "text[] COLLATE \"C\" NOT NULL DEFAULT '{}'"
    assert single().zero() is None
    assert multi().zero() == []
    assert single().to_json_value(None) == ""
    assert single().to_json_value("id1") == "id1"
    assert multi().to_json_value(["a"]) == ["a"]
    assert single().ids(None) == []
    assert single().ids("a") == ["a"]
    assert multi().ids(["a", "b"]) == ["a", "b"]
    assert single().is_empty(None)
    assert multi().is_empty([])
    assert not multi().is_empty(["a"])
    assert missing_records_error().to_json() == {
        "code": "validation_missing_rel_records",
        "message": "Failed to find all relation records with the provided ids.",
    }
