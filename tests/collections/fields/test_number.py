import math

import pytest

from baas.collections.fields import InvalidOptionsError, NumberField, field_from_json
from baas.collections.fields.base import APPEND, REMOVE
from baas.errors import FieldError

ONLY_INT = {"code": "validation_only_int_constraint", "message": "Decimal numbers are not allowed."}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {}),
        ({"min": 1.2}, {}),
        ({"min": 1.2, "onlyInt": True}, {"min": ONLY_INT}),
        ({"max": 1.5, "onlyInt": True}, {"max": ONLY_INT}),
        ({"min": 1, "max": 1, "onlyInt": True}, {}),
        ({"min": 1e300, "max": 1e301, "onlyInt": True}, {"min": ONLY_INT, "max": ONLY_INT}),
        (
            {"min": 10, "max": 5},
            {
                "max": {
                    "code": "validation_min_number_constraint",
                    "message": "Must be greater or equal than 10.",
                    "params": {"min": 10},
                }
            },
        ),
        (
            {"min": 1.5, "max": 1, "onlyInt": True},
            {
                "min": ONLY_INT,
                "max": {
                    "code": "validation_min_number_constraint",
                    "message": "Must be greater or equal than 1.5.",
                    "params": {"min": 1.5},
                },
            },
        ),
    ],
)
def test_settings(options, expected, context, rendered):
    field = NumberField.from_json({"name": "n", **options})
    assert rendered(field.check_settings(context)) == expected


@pytest.mark.parametrize(
    "options", [{"min": "1"}, {"max": [1]}, {"onlyInt": 1}, {"onlyInt": "true"}, {"required": "yes"}]
)
def test_options_of_the_wrong_json_type(options):
    with pytest.raises(InvalidOptionsError):
        field_from_json({"type": "number", "name": "n", **options})


def test_options_round_trip():
    data = {
        "type": "number",
        "name": "n",
        "id": "number1",
        "min": 2,
        "max": 10.5,
        "onlyInt": True,
        "required": True,
    }
    field = field_from_json(data)
    assert field.to_json() == {**data, "system": False, "hidden": False, "presentable": False, "help": ""}
    assert field_from_json(field.to_json()).to_json() == field.to_json()
    assert NumberField.from_json({"name": "n", "min": None}).to_json()["min"] is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 0.0),
        ("", 0.0),
        (5, 5.0),
        (-2, -2.0),
        (123.456, 123.456),
        (True, 1.0),
        (False, 0.0),
        ("12.5", 12.5),
        ("1e3", 1000.0),
        ("-0.5", -0.5),
        (".5", 0.5),
        ("+7", 7.0),
        ("1_000", 1000.0),
        (10**20, 1e20),
    ],
)
def test_prepare(raw, expected):
    assert NumberField(name="n").prepare(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("abc", "validation_invalid_number"),
        (" 5", "validation_invalid_number"),
        ("5 ", "validation_invalid_number"),
        ("0x10", "validation_invalid_number"),
        ("1e", "validation_invalid_number"),
        (".", "validation_invalid_number"),
        ("٣", "validation_invalid_number"),
        ("1,5", "validation_invalid_number"),
        ([1], "validation_invalid_number"),
        ({"a": 1}, "validation_invalid_number"),
        ("NaN", "validation_not_a_number"),
        ("Inf", "validation_not_a_number"),
        ("-infinity", "validation_not_a_number"),
        ("1e400", "validation_not_a_number"),
        (10**400, "validation_not_a_number"),
        (math.inf, "validation_not_a_number"),
    ],
)
def test_prepare_rejects(raw, code):
    with pytest.raises(FieldError) as caught:
        NumberField(name="n").prepare(raw)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        ({}, 0.0, None),
        ({"required": True}, 0.0, {"code": "validation_required", "message": "Cannot be blank."}),
        ({"required": True}, 0.1, None),
        ({"min": 2}, 0.0, None),  # zero is "no value", like PocketBase
        (
            {"min": 2},
            1.0,
            {
                "code": "validation_min_number_constraint",
                "message": "Must be greater or equal than 2.",
                "params": {"min": 2},
            },
        ),
        ({"min": 2}, 2.0, None),
        (
            {"max": 10.5},
            11.0,
            {
                "code": "validation_max_number_constraint",
                "message": "Must be less or equal than 10.5.",
                "params": {"max": 10.5},
            },
        ),
        (
            {"min": 1000000},
            1.0,
            {
                "code": "validation_min_number_constraint",
                "message": "Must be greater or equal than 1e+06.",
                "params": {"min": 1000000},
            },
        ),
        (
            {"min": -0.000001},
            -1.0,
            {
                "code": "validation_min_number_constraint",
                "message": "Must be greater or equal than -1e-06.",
                "params": {"min": -0.000001},
            },
        ),
        ({"onlyInt": True}, 1.5, ONLY_INT),
        ({"onlyInt": True}, 1e300, ONLY_INT),
        ({"onlyInt": True}, 3.0, None),
        (
            {},
            math.nan,
            {"code": "validation_not_a_number", "message": "The submitted number is not properly formatted."},
        ),
        ({}, "5", {"code": "validation_invalid_number", "message": "Must be a valid number."}),
        ({}, True, {"code": "validation_invalid_number", "message": "Must be a valid number."}),
    ],
)
def test_validate(options, value, expected, error_of):
    field = NumberField.from_json({"name": "n", **options})
    assert error_of(field.validate, value) == expected


@pytest.mark.parametrize(
    ("modifier", "current", "raw", "expected"),
    [
        (APPEND, 5.0, 3, 8.0),
        (APPEND, 2.0, "1.5", 3.5),
        (REMOVE, 2.0, "1.5", 0.5),
        (REMOVE, 6.0, None, 6.0),
        (APPEND, None, 4, 4.0),
    ],
)
def test_modifiers(modifier, current, raw, expected):
    assert NumberField(name="n").apply_modifier(modifier, current, raw) == expected


def test_modifier_with_garbage_is_an_error():
    with pytest.raises(FieldError) as caught:
        NumberField(name="n").apply_modifier(APPEND, 1.0, "abc")
    assert caught.value.code == "validation_invalid_number"


def test_unknown_modifier():
    with pytest.raises(NotImplementedError):
        NumberField(name="n").apply_modifier("+prefix", 1.0, 1)


@pytest.mark.parametrize(
    ("value", "expected"), [(5.0, 5), (0.0, 0), (-3.0, -3), (10.5, 10.5), (1e21, 1e21), (2.0**60, 2**60)]
)
def test_to_json_value(value, expected):
    out = NumberField(name="n").to_json_value(value)
    assert out == expected
    assert type(out) is type(expected)


def test_storage():
    field = NumberField(name="n")
    assert field.column_sql() == "double precision NOT NULL DEFAULT 0"
    assert field.sql_type().__class__.__name__ == "Double"
    assert field.zero() == 0.0
    assert field.is_empty(0.0)
    assert not field.is_empty(1.0)
