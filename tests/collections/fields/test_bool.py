import math

import pytest

from baas.collections.fields import BoolField, InvalidOptionsError, field_from_json
from baas.errors import FieldError

REQUIRED = {"code": "validation_required", "message": "Cannot be blank."}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        (None, False),
        (1, True),
        (0, False),
        (2, True),
        (-1, True),
        (0.5, True),
        (0.0, False),
        ("true", True),
        ("TRUE", True),
        ("True", True),
        ("t", True),
        ("T", True),
        ("1", True),
        ("false", False),
        ("FALSE", False),
        ("False", False),
        ("f", False),
        ("F", False),
        ("0", False),
        ("", False),
    ],
)
def test_prepare(raw, expected):
    assert BoolField(name="b").prepare(raw) is expected


@pytest.mark.parametrize("raw", ["yes", "on", "abc", " true", "truE", "10", [True], {"a": 1}, [], math.nan])
def test_prepare_rejects(raw):
    with pytest.raises(FieldError) as caught:
        BoolField(name="b").prepare(raw)
    assert caught.value.to_json() == {
        "code": "validation_invalid_bool",
        "message": "Must be a valid boolean.",
    }


@pytest.mark.parametrize(
    ("required", "value", "expected"),
    [
        (False, False, None),
        (False, True, None),
        (True, True, None),
        (True, False, REQUIRED),
        (False, "true", {"code": "validation_invalid_bool", "message": "Must be a valid boolean."}),
    ],
)
def test_validate(required, value, expected, error_of):
    assert error_of(BoolField(name="b", required=required).validate, value) == expected


def test_settings_and_round_trip(context):
    data = {"type": "bool", "name": "b", "id": "bool1", "required": True, "presentable": True}
    field = field_from_json(data)
    assert field.check_settings(context) == {}
    assert field_from_json(field.to_json()).to_json() == field.to_json()
    assert field.to_json()["required"] is True


@pytest.mark.parametrize("options", [{"required": 1}, {"hidden": "false"}, {"name": 5}, {"help": ["x"]}])
def test_options_of_the_wrong_json_type(options):
    with pytest.raises(InvalidOptionsError):
        field_from_json({"type": "bool", "name": "b", **options})


def test_storage():
    field = BoolField(name="b")
    assert field.column_sql() == "boolean NOT NULL DEFAULT false"
    assert field.sql_type().__class__.__name__ == "Boolean"
    assert field.zero() is False
    assert field.to_json_value(True) is True
    assert field.is_empty(False)
    assert not field.is_empty(True)
