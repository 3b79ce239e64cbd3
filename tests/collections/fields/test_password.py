import pytest

from baas.collections.fields import InvalidOptionsError, PasswordField, field_from_json
from baas.errors import FieldError


def at_least(threshold):
    return {
        "code": "validation_min_greater_equal_than_required",
        "message": f"Must be no less than {threshold}.",
        "params": {"threshold": threshold},
    }


def at_most(threshold):
    return {
        "code": "validation_max_less_equal_than_required",
        "message": f"Must be no greater than {threshold}.",
        "params": {"threshold": threshold},
    }


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {}),
        ({"min": 0, "max": 0, "cost": 0}, {}),
        ({"min": 8, "max": 71, "cost": 10, "pattern": "^[a-z]+$"}, {}),
        ({"min": 5, "max": 0}, {}),  # a zero max means the default
        (
            {"min": 80, "max": 90, "cost": 3, "pattern": "("},
            {
                "min": at_most(71),
                "max": at_most(71),
                "cost": at_least(4),
                "pattern": {
                    "code": "validation_invalid_regex",
                    "message": "Invalid regular expression format.",
                },
            },
        ),
        ({"min": 5, "max": 3}, {"max": at_least(5)}),
        ({"min": -1, "max": -1, "cost": 4}, {"min": at_least(1)}),
        ({"cost": 32}, {"cost": at_most(31)}),
    ],
)
def test_settings(options, expected, context, rendered):
    assert rendered(PasswordField.from_json({"name": "p", **options}).check_settings(context)) == expected


@pytest.mark.parametrize("options", [{"min": "1"}, {"pattern": 5}, {"cost": 10.5}, {"max": None, "min": [1]}])
def test_options_of_the_wrong_json_type(options):
    with pytest.raises(InvalidOptionsError):
        field_from_json({"type": "password", "name": "p", **options})


def test_options_round_trip():
    data = {
        "type": "password",
        "name": "p",
        "min": 8,
        "max": 20,
        "pattern": "[0-9]",
        "cost": 12,
        "hidden": True,
    }
    field = field_from_json(data)
    assert {key: field.to_json()[key] for key in data} == data
    assert field_from_json(field.to_json()).to_json() == field.to_json()


@pytest.mark.parametrize(("raw", "expected"), [("secret", "secret"), (None, ""), (12345, "12345")])
def test_prepare_keeps_the_plain_text(raw, expected):
    assert PasswordField(name="p").prepare(raw) == expected


@pytest.mark.parametrize("raw", [["a"], {"a": 1}, "a\x00b"])
def test_prepare_rejects(raw):
    with pytest.raises(FieldError):
        PasswordField(name="p").prepare(raw)


@pytest.mark.parametrize(
    ("options", "plain", "expected"),
    [
        ({"min": 3, "max": 5, "pattern": "^[a-z]+$"}, "abc", None),
        ({"min": 3, "max": 5}, "", None),
        (
            {"min": 3},
            "ab",
            {"code": "validation_min_text_constraint", "message": "Must be at least 3 character(s)."},
        ),
        (
            {"max": 5},
            "abcdef",
            {"code": "validation_max_text_constraint", "message": "Must be less than 5 character(s)."},
        ),
        ({"max": 5}, "ÿÿÿÿÿ", None),  # characters, not bytes
        ({}, "x" * 71, None),
        (
            {},
            "x" * 72,
            {"code": "validation_max_text_constraint", "message": "Must be less than 71 character(s)."},
        ),
        (
            {"pattern": "^[a-z]+$"},
            "abc1",
            {"code": "validation_invalid_format", "message": "Invalid value format."},
        ),
        ({"pattern": "[0-9]"}, "abc1", None),
    ],
)
def test_validate_plain(options, plain, expected, error_of):
    assert error_of(PasswordField.from_json({"name": "p", **options}).validate_plain, plain) == expected


@pytest.mark.parametrize(
    ("required", "stored", "expected"),
    [
        (False, "", None),
        (True, "", {"code": "validation_required", "message": "Cannot be blank."}),
        (True, "$argon2id$v=19$m=65536,t=3,p=4$abc$def", None),
        (False, None, {"code": "validation_invalid_value", "message": "Invalid value."}),
    ],
)
def test_validate_checks_the_hash(required, stored, expected, error_of):
    assert error_of(PasswordField(name="p", required=required).validate, stored) == expected


def test_the_hash_is_never_output():
    field = PasswordField(name="p")
    assert field.to_json_value("$argon2id$v=19$...") == ""
    assert field.column_sql() == "text COLLATE \"C\" NOT NULL DEFAULT ''"
    assert field.zero() == ""
