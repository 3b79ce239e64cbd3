import pytest

from baas.collections.fields import EditorField, InvalidOptionsError, field_from_json
from baas.collections.fields.base import MAX_SAFE_INT
from baas.errors import FieldError


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {}),
        ({"maxSize": MAX_SAFE_INT}, {}),
        (
            {"maxSize": -5},
            {
                "maxSize": {
                    "code": "validation_min_greater_equal_than_required",
                    "message": "Must be no less than 0.",
                    "params": {"threshold": 0},
                }
            },
        ),
        (
            {"maxSize": MAX_SAFE_INT + 1},
            {
                "maxSize": {
                    "code": "validation_max_less_equal_than_required",
                    "message": "Must be no greater than 9007199254740991.",
                    "params": {"threshold": MAX_SAFE_INT},
                }
            },
        ),
    ],
)
def test_settings(options, expected, context, rendered):
    assert rendered(EditorField.from_json({"name": "e", **options}).check_settings(context)) == expected


@pytest.mark.parametrize("options", [{"maxSize": "10"}, {"maxSize": 1.5}, {"convertURLs": "yes"}])
def test_options_of_the_wrong_json_type(options):
    with pytest.raises(InvalidOptionsError):
        field_from_json({"type": "editor", "name": "e", **options})


def test_options_round_trip():
    field = field_from_json({"type": "editor", "name": "e", "maxSize": 100, "convertURLs": True})
    assert field.to_json()["maxSize"] == 100
    assert field.to_json()["convertURLs"] is True
    assert field_from_json(field.to_json()).to_json() == field.to_json()


@pytest.mark.parametrize(("raw", "expected"), [("<p>x</p>", "<p>x</p>"), (None, ""), (5, "5"), (True, "true")])
def test_prepare(raw, expected):
    assert EditorField(name="e").prepare(raw) == expected


@pytest.mark.parametrize("raw", [["a"], {"a": 1}, "a\x00b"])
def test_prepare_rejects(raw):
    with pytest.raises(FieldError) as caught:
        EditorField(name="e").prepare(raw)
    assert caught.value.code == "validation_invalid_value"


def _size_error(limit):
    return {
        "code": "validation_content_size_limit",
        "message": f"The maximum allowed content size is {limit} bytes.",
        "params": {"maxSize": limit},
    }


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        ({"maxSize": 10}, "0123456789", None),
        ({"maxSize": 10}, "01234567890", _size_error(10)),
        ({"maxSize": 10}, "ééééé", None),
        ({"maxSize": 10}, "éééééé", _size_error(10)),  # bytes, not characters
        ({}, "x" * (5 << 20), None),
        ({}, "x" * ((5 << 20) + 1), _size_error(5242880)),
        ({"required": True}, "", {"code": "validation_required", "message": "Cannot be blank."}),
        ({}, "", None),
    ],
)
def test_validate(options, value, expected, error_of):
    assert error_of(EditorField.from_json({"name": "e", **options}).validate, value) == expected


def test_storage():
    field = EditorField(name="e")
    assert field.column_sql() == "text COLLATE \"C\" NOT NULL DEFAULT ''"
    assert field.zero() == ""
    assert field.max_size == 5 << 20
