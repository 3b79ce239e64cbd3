import pytest

from baas.collections.fields import FIELD_TYPES, GeoPointField, InvalidOptionsError, field_from_json
from baas.errors import FieldError

LON = {"code": "validation_invalid_longitude", "message": "Longitude must be between -180 and 180 degrees."}
LAT = {"code": "validation_invalid_latitude", "message": "Latitude must be between -90 and 90 degrees."}
REQUIRED = {"code": "validation_required", "message": "Cannot be blank."}


def test_registered_under_its_wire_name(context):
    assert FIELD_TYPES["geoPoint"] is GeoPointField
    field = field_from_json({"type": "geoPoint", "name": "g", "required": True})
    assert field.to_json()["type"] == "geoPoint"
    assert field.check_settings(context) == {}
    assert field_from_json(field.to_json()).to_json() == field.to_json()


@pytest.mark.parametrize("options", [{"required": "1"}, {"presentable": None, "hidden": 0}])
def test_options_of_the_wrong_json_type(options):
    with pytest.raises(InvalidOptionsError):
        field_from_json({"type": "geoPoint", "name": "g", **options})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"lon": 1, "lat": 2}, {"lon": 1.0, "lat": 2.0}),
        ({"lat": 1}, {"lon": 0.0, "lat": 1.0}),
        ({}, {"lon": 0.0, "lat": 0.0}),
        ({"lon": None, "lat": 2}, {"lon": 0.0, "lat": 2.0}),
        ({"lon": 1, "lat": 2, "x": 3}, {"lon": 1.0, "lat": 2.0}),
        ('{"lon":1.5,"lat":-2}', {"lon": 1.5, "lat": -2.0}),
        (None, {"lon": 0.0, "lat": 0.0}),
        ("", {"lon": 0.0, "lat": 0.0}),
        ({"lon": 200, "lat": 0}, {"lon": 200.0, "lat": 0.0}),  # out of range is a validate error
    ],
)
def test_prepare(raw, expected):
    assert GeoPointField(name="g").prepare(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "garbage",
        "[1,2]",
        [1, 2],
        5,
        True,
        {"lon": "5", "lat": 1},
        {"lon": True, "lat": 2},
        {"lon": [1], "lat": 2},
        {"lon": 10**400, "lat": 0},
        '{"lon":NaN,"lat":0}',
    ],
)
def test_prepare_rejects(raw):
    with pytest.raises(FieldError) as caught:
        GeoPointField(name="g").prepare(raw)
    assert caught.value.code == "validation_invalid_geo_point"


@pytest.mark.parametrize(
    ("required", "value", "expected"),
    [
        (False, {"lon": 0.0, "lat": 0.0}, None),
        (True, {"lon": 0.0, "lat": 0.0}, REQUIRED),
        (True, {"lon": 0.0001, "lat": 0.0}, None),
        (False, {"lon": 200.0, "lat": 0.0}, LON),
        (False, {"lon": 0.0, "lat": 91.0}, LAT),
        (False, {"lon": 500.0, "lat": 91.0}, LAT),  # latitude first, like PocketBase
        (False, {"lon": -180.0, "lat": -90.0}, None),
        (False, {"lon": 180.0, "lat": 90.0}, None),
        (
            False,
            {"lon": "1", "lat": 0.0},
            {"code": "validation_invalid_geo_point", "message": 'Must be an object like {"lon":0,"lat":0}.'},
        ),
        (
            False,
            None,
            {"code": "validation_invalid_geo_point", "message": 'Must be an object like {"lon":0,"lat":0}.'},
        ),
    ],
)
def test_validate(required, value, expected, error_of):
    assert error_of(GeoPointField(name="g", required=required).validate, value) == expected


def test_values():
    field = GeoPointField(name="g")
    assert field.column_sql() == """jsonb NOT NULL DEFAULT '{"lon":0,"lat":0}'"""
    assert field.zero() == {"lon": 0.0, "lat": 0.0}
    out = field.to_json_value({"lon": -180.0, "lat": 1.5})
    assert out == {"lon": -180, "lat": 1.5}
    assert type(out["lon"]) is int
    assert field.to_json_value(None) == {"lon": 0, "lat": 0}
    assert field.is_empty({"lon": 0.0, "lat": 0.0})
    assert not field.is_empty({"lon": 0.0, "lat": 1.0})
