from datetime import UTC, datetime, timedelta, timezone

import pytest

from baas.collections.fields import DateField, InvalidOptionsError, field_from_json
from baas.errors import FieldError

INVALID_DATE = {"code": "validation_invalid_date", "message": "Must be a valid date."}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {}),
        ({"min": "2024-01-01", "max": "2024-12-31 10:00:00.000Z"}, {}),
        ({"min": "2025-01-01", "max": "2024-01-01"}, {}),  # PocketBase does not compare them either
        ({"min": "garbage"}, {"min": INVALID_DATE}),
        ({"max": "2024-13-01"}, {"max": INVALID_DATE}),
    ],
)
def test_settings(options, expected, context, rendered):
    assert rendered(DateField.from_json({"name": "d", **options}).check_settings(context)) == expected


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2024-01-01", "2024-01-01 00:00:00.000Z"),
        ("2024-01-01T05:00:00+02:00", "2024-01-01 03:00:00.000Z"),
        ("", ""),
        ("garbage", "garbage"),  # kept so that check_settings can report it
    ],
)
def test_options_are_answered_in_pocketbase_format(given, stored):
    field = field_from_json({"type": "date", "name": "d", "min": given})
    assert field.to_json()["min"] == stored
    assert field_from_json(field.to_json()).to_json() == field.to_json()


@pytest.mark.parametrize("options", [{"min": 5}, {"max": ["2024-01-01"]}, {"required": "true"}])
def test_options_of_the_wrong_json_type(options):
    with pytest.raises(InvalidOptionsError):
        field_from_json({"type": "date", "name": "d", **options})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("2024-05-05 10:11:12.123456Z", utc(2024, 5, 5, 10, 11, 12, 123000)),
        ("2024-06-01T10:00:00+02:00", utc(2024, 6, 1, 8)),
        ("2024-06-01 10:00:00.5Z", utc(2024, 6, 1, 10, 0, 0, 500000)),
        ("2024-06-01", utc(2024, 6, 1)),
        (
            datetime(2024, 6, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
            utc(2024, 6, 1, 10, 0, 0, 123000),
        ),
    ],
)
def test_prepare(raw, expected):
    assert DateField(name="d").prepare(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "garbage",
        "2024-06-01 10:00",
        "2024-13-01",
        1700000000,
        True,
        ["2024-06-01"],
        {"a": 1},
        datetime(2024, 1, 1),
    ],
)
def test_prepare_rejects(raw):
    with pytest.raises(FieldError) as caught:
        DateField(name="d").prepare(raw)
    assert caught.value.to_json() == INVALID_DATE


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        ({}, None, None),
        ({"required": True}, None, {"code": "validation_required", "message": "Cannot be blank."}),
        (
            {"min": "2024-01-01 00:00:00.000Z"},
            utc(2023, 6, 1),
            {
                "code": "validation_min_greater_equal_than_required",
                "message": "Must be no less than 2024-01-01 00:00:00 +0000 UTC.",
                "params": {"threshold": "2024-01-01T00:00:00Z"},
            },
        ),
        (
            {"max": "2024-12-31 00:00:00.500Z"},
            utc(2025, 1, 1),
            {
                "code": "validation_max_less_equal_than_required",
                "message": "Must be no greater than 2024-12-31 00:00:00.5 +0000 UTC.",
                "params": {"threshold": "2024-12-31T00:00:00.5Z"},
            },
        ),
        ({"min": "2024-01-01", "max": "2024-12-31"}, utc(2024, 6, 1), None),
        ({"min": "2024-01-01"}, utc(2024, 1, 1), None),
        ({}, "2024-01-01", INVALID_DATE),
        ({}, datetime(2024, 1, 1), INVALID_DATE),
    ],
)
def test_validate(options, value, expected, error_of):
    assert error_of(DateField.from_json({"name": "d", **options}).validate, value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (utc(2026, 11, 21, 12, 47, 22, 406000), "2026-11-21 12:47:22.406Z"),
        (utc(2024, 1, 1), "2024-01-01 00:00:00.000Z"),
    ],
)
def test_to_json_value(value, expected):
    assert DateField(name="d").to_json_value(value) == expected


def test_storage():
    field = DateField(name="d")
    assert field.column_sql() == "timestamptz NULL"
    assert field.sql_type().timezone is True
    assert field.zero() is None
    assert field.is_empty(None)
