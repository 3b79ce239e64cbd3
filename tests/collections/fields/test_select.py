import pytest

from baas.collections.fields import InvalidOptionsError, SelectField, field_from_json
from baas.collections.fields.base import APPEND, PREPEND, REMOVE
from baas.errors import FieldError

VALUES = ["a", "b", "c"]


def single(**options):
    return SelectField(name="s", values=VALUES, **options)


def multi(**options):
    return SelectField(name="m", values=VALUES, maxSelect=3, **options)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"values": ["a", "b"]}, {}),
        ({"values": ["a", "b"], "maxSelect": 2}, {}),
        ({"values": []}, {"values": {"code": "validation_required", "message": "Cannot be blank."}}),
        ({}, {"values": {"code": "validation_required", "message": "Cannot be blank."}}),
        (
            {"values": ["a", "b"], "maxSelect": 3},
            {
                "maxSelect": {
                    "code": "validation_max_less_equal_than_required",
                    "message": "Must be no greater than 2.",
                    "params": {"threshold": 2},
                }
            },
        ),
        (
            {"values": [], "maxSelect": 3},
            {
                "values": {"code": "validation_required", "message": "Cannot be blank."},
                "maxSelect": {
                    "code": "validation_max_less_equal_than_required",
                    "message": "Must be no greater than 1.",
                    "params": {"threshold": 1},
                },
            },
        ),
        (
            {"values": ["a", "b"], "maxSelect": -1},
            {
                "maxSelect": {
                    "code": "validation_min_greater_equal_than_required",
                    "message": "Must be no less than 0.",
                    "params": {"threshold": 0},
                }
            },
        ),
        (
            {"values": ["x", "y", "x"]},  # deliberate difference: PocketBase accepts repeats
            {"values": {"2": {"code": "validation_not_unique", "message": "Value must be unique."}}},
        ),
    ],
)
def test_settings(options, expected, context, rendered):
    assert rendered(SelectField.from_json({"name": "s", **options}).check_settings(context)) == expected


@pytest.mark.parametrize("options", [{"values": "a,b"}, {"values": ["a", 1]}, {"maxSelect": "2"}, {"maxSelect": 1.5}])
def test_options_of_the_wrong_json_type(options):
    with pytest.raises(InvalidOptionsError):
        field_from_json({"type": "select", "name": "s", **options})


def test_options_round_trip():
    field = field_from_json({"type": "select", "name": "s", "values": ["a", "b"], "maxSelect": 2})
    assert field.to_json()["values"] == ["a", "b"]
    assert field_from_json(field.to_json()).to_json() == field.to_json()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a", "a"),
        (["a", "b"], "b"),  # a single select keeps the last item
        ("", ""),
        (None, ""),
        (["", ""], ""),
        ([], ""),
        (5, "5"),
        (True, "true"),
        ('["a","b"]', "b"),
        ("[oops", "[oops"),
    ],
)
def test_prepare_single(raw, expected):
    assert single().prepare(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["b", "a", "b"], ["b", "a"]),
        ("a", ["a"]),
        ('["c","a"]', ["c", "a"]),
        ("a,b", ["a,b"]),
        ([1, 2], ["1", "2"]),
        ([None, "a"], ["a"]),
        ("", []),
        (None, []),
        ([], []),
    ],
)
def test_prepare_multiple(raw, expected):
    assert multi().prepare(raw) == expected


@pytest.mark.parametrize("raw", [{"x": 1}, [["a"]], [{"x": 1}, "a"], '[["a"]]'])
def test_prepare_rejects(raw):
    for field in (single(), multi()):
        with pytest.raises(FieldError) as caught:
            field.prepare(raw)
        assert caught.value.code == "validation_invalid_value"


def test_prepare_huge_list_is_linear():
    items = [str(i) for i in range(200_000)]
    assert multi().prepare(items + items) == items


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (single(), "a", None),
        (single(), "", None),
        (single(required=True), "", {"code": "validation_required", "message": "Cannot be blank."}),
        (
            single(),
            "z",
            {"code": "validation_invalid_value", "message": "Invalid value z.", "params": {"value": "z"}},
        ),
        (multi(), ["a", "b"], None),
        (multi(required=True), [], {"code": "validation_required", "message": "Cannot be blank."}),
        (
            SelectField(name="m", values=VALUES, maxSelect=2),
            ["a", "b", "c"],
            {
                "code": "validation_too_many_values",
                "message": "Select no more than 2.",
                "params": {"maxSelect": 2},
            },
        ),
        (
            SelectField(name="m", values=VALUES, maxSelect=2),
            ["z", "y", "x"],  # the count is checked first, like PocketBase
            {
                "code": "validation_too_many_values",
                "message": "Select no more than 2.",
                "params": {"maxSelect": 2},
            },
        ),
        (
            multi(),
            ["a", "z"],
            {"code": "validation_invalid_value", "message": "Invalid value z.", "params": {"value": "z"}},
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
    ("modifier", "current", "raw", "expected"),
    [
        (APPEND, ["a", "b"], "c", ["a", "b", "c"]),
        (PREPEND, ["a", "b"], ["c"], ["c", "a", "b"]),
        (PREPEND, ["c", "b"], "b", ["b", "c"]),
        (APPEND, ["c", "b"], ["b"], ["c", "b"]),
        (REMOVE, ["c", "a", "b"], ["a", "zzz"], ["c", "b"]),
        (REMOVE, ["a"], "a", []),
        (APPEND, [], ["a", "a"], ["a"]),
        (APPEND, ["a"], None, ["a"]),
    ],
)
def test_modifiers_multiple(modifier, current, raw, expected):
    assert multi().apply_modifier(modifier, current, raw) == expected


@pytest.mark.parametrize(
    ("modifier", "current", "raw", "expected"),
    [
        (APPEND, "a", "b", "b"),  # [a, b] -> the last one
        (PREPEND, "b", "c", "b"),  # [c, b] -> the current one stays
        (REMOVE, "b", "b", ""),
        (REMOVE, "b", "zz", "b"),
        (APPEND, "", "a", "a"),
    ],
)
def test_modifiers_single(modifier, current, raw, expected):
    assert single().apply_modifier(modifier, current, raw) == expected


def test_modifier_with_garbage_is_an_error():
    with pytest.raises(FieldError):
        multi().apply_modifier(APPEND, ["a"], {"x": 1})
    with pytest.raises(NotImplementedError):
        multi().apply_modifier(":autogenerate", ["a"], "b")


def test_storage():
    assert single().column_sql() == "text COLLATE \"C\" NOT NULL DEFAULT ''"
    assert multi().column_sql() == "text[] COLLATE \"C\" NOT NULL DEFAULT '{}'"
    assert single().sql_type().__class__.__name__ == "Text"
    assert multi().sql_type().__class__.__name__ == "ARRAY"
    assert single().zero() == ""
    assert multi().zero() == []
    assert not single().is_multiple
    assert multi().is_multiple
    assert single().to_json_value("a") == "a"
    assert multi().to_json_value(["a", "b"]) == ["a", "b"]
    assert multi().to_json_value(None) == []
