from datetime import UTC, datetime

import pytest

from baas.collections.fields import AutodateField, InvalidOptionsError, field_from_json
from baas.errors import FieldError

EITHER = {"code": "validation_required", "message": "Either onCreate or onUpdate must be enabled."}
EARLIER = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"onCreate": True}, {}),
        ({"onUpdate": True}, {}),
        ({"onCreate": True, "onUpdate": True}, {}),
        ({}, {"onCreate": EITHER, "onUpdate": EITHER}),
    ],
)
def test_settings(options, expected, context, rendered):
    assert rendered(AutodateField.from_json({"name": "a", **options}).check_settings(context)) == expected


def test_has_no_required_or_help():
    field = field_from_json({"type": "autodate", "name": "a", "onCreate": True, "required": True, "help": "x"})
    assert field.to_json() == {
        "id": "",
        "name": "a",
        "system": False,
        "hidden": False,
        "presentable": False,
        "onCreate": True,
        "onUpdate": False,
        "type": "autodate",
    }
    assert field_from_json(field.to_json()).to_json() == field.to_json()


@pytest.mark.parametrize("options", [{"onCreate": "true"}, {"onUpdate": 1}])
def test_options_of_the_wrong_json_type(options):
    with pytest.raises(InvalidOptionsError):
        field_from_json({"type": "autodate", "name": "a", **options})


@pytest.mark.parametrize(
    ("options", "existing", "is_create", "stamped"),
    [
        ({"onCreate": True}, None, True, True),
        ({"onCreate": True}, EARLIER, False, False),
        ({"onUpdate": True}, None, True, False),  # stays empty until the first update, like PocketBase
        ({"onUpdate": True}, EARLIER, False, True),
        ({"onCreate": True, "onUpdate": True}, EARLIER, False, True),
    ],
)
def test_stamp(options, existing, is_create, stamped):
    before = datetime.now(UTC)
    value = AutodateField.from_json({"name": "a", **options}).stamp(existing, is_create)
    if stamped:
        assert value is not None
        assert value >= before.replace(microsecond=before.microsecond // 1000 * 1000)
        assert value.microsecond % 1000 == 0
    else:
        assert value == existing


def test_prepare_is_for_trusted_values():
    field = AutodateField(name="a", onCreate=True)
    assert field.prepare("2024-01-01 10:00:00.000Z") == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert field.prepare(None) is None
    with pytest.raises(FieldError):
        field.prepare("garbage")


def test_values():
    field = AutodateField(name="a", onCreate=True)
    assert field.column_sql() == "timestamptz NULL"
    assert field.zero() is None
    assert field.to_json_value(None) == ""
    assert field.to_json_value(datetime(2024, 1, 1, tzinfo=UTC)) == "2024-01-01 00:00:00.000Z"
    field.validate(None)
    field.validate(datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(FieldError):
        field.validate("2024-01-01")
