import math

import pytest

from baas.collections.fields import InvalidOptionsError, JSONField, field_from_json
from baas.collections.fields.base import MAX_SAFE_INT
from baas.errors import FieldError

REQUIRED = {"code": "validation_required", "message": "Cannot be blank."}
INVALID = {"code": "validation_invalid_json", "message": "Must be a valid json value."}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {}),
        ({"maxSize": MAX_SAFE_INT}, {}),
        (
            {"maxSize": -1},
            {
                "maxSize": {
                    "code": "validation_min_greater_equal_than_required",
                    "message": "Must be no less than 0.",
                    "params": {"threshold": 0},
                }
            },
        ),
    ],
)
def test_settings(options, expected, context, rendered):
    assert rendered(JSONField.from_json({"name": "j", **options}).check_settings(context)) == expected


@pytest.mark.parametrize("options", [{"maxSize": "1"}, {"maxSize": True}, {"maxSize": 0.5}])
def test_options_of_the_wrong_json_type(options):
    with pytest.raises(InvalidOptionsError):
        field_from_json({"type": "json", "name": "j", **options})


def test_options_round_trip():
    field = field_from_json({"type": "json", "name": "j", "maxSize": 20})
    assert field.to_json()["maxSize"] == 20
    assert field_from_json(field.to_json()).to_json() == field.to_json()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", ""),
        ("null", None),
        ("true", True),
        ("false", False),
        ("[1,2]", [1, 2]),
        ('{"a":1}', {"a": 1}),
        ("12", 12),
        ("-1", -1),
        ("1e5", 100000.0),
        ('"str"', "str"),
        ("abc", "abc"),
        ("[1,2", "[1,2"),
        (" [1]", " [1]"),
        ("0x10", "0x10"),
        ("12abc", "12abc"),
        ("NaN", "NaN"),
        ("-Infinity", "-Infinity"),
        ("[NaN]", "[NaN]"),
        ({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]}),
        ([1, 2], [1, 2]),
        (1.5, 1.5),
        (10**30, 10**30),
        (True, True),
        ("[" * 5000 + "]" * 5000, "[" * 5000 + "]" * 5000),
    ],
)
def test_prepare(raw, expected):
    assert JSONField(name="j").prepare(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [math.nan, [math.inf], {"a": "\x00"}, "a\x00", {1: "a"}, {"\ud800": 1}, object(), (1, 2), {"a": {1, 2}}],
)
def test_prepare_rejects(raw):
    with pytest.raises(FieldError) as caught:
        JSONField(name="j").prepare(raw)
    assert caught.value.to_json() == INVALID


def test_prepare_rejects_deep_nesting():
    value: list = []
    for _ in range(2000):
        value = [value]
    with pytest.raises(FieldError):
        JSONField(name="j").prepare(value)


def _size_error(limit):
    return {
        "code": "validation_json_size_limit",
        "message": f"The maximum allowed JSON size is {limit} bytes.",
        "params": {"maxSize": limit},
    }


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        ({"maxSize": 20}, "x" * 18, None),
        ({"maxSize": 20}, "x" * 19, _size_error(20)),  # the quotes count
        ({"maxSize": 20}, {"a": "b" * 30}, _size_error(20)),
        ({"maxSize": 20}, 10**20, _size_error(20)),
        ({"maxSize": 7}, {"a": 1}, None),
        ({}, "x" * ((1 << 20) - 2), None),
        ({}, "x" * ((1 << 20) - 1), _size_error(1048576)),
        ({"required": True}, None, REQUIRED),
        ({"required": True}, "", REQUIRED),
        ({"required": True}, [], REQUIRED),
        ({"required": True}, {}, REQUIRED),
        ({"required": True}, 0, None),
        ({"required": True}, False, None),
        ({"required": True}, " ", None),
        ({}, None, None),
        ({}, math.nan, INVALID),
    ],
)
def test_validate(options, value, expected, error_of):
    assert error_of(JSONField.from_json({"name": "j", **options}).validate, value) == expected


def test_storage():
    field = JSONField(name="j")
    assert field.column_sql() == "jsonb NULL"
    assert field.sql_type().none_as_null is True
    assert field.zero() is None
    assert field.to_json_value({"a": 1}) == {"a": 1}
    assert field.to_json_value(None) is None
    assert field.is_empty({})
    assert not field.is_empty(0)
    assert not field.is_empty(False)
