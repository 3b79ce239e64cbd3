import pytest

from baas.collections.fields import FileField, InvalidOptionsError, field_from_json
from baas.collections.fields.base import APPEND, MAX_SAFE_INT, PREPEND, REMOVE
from baas.errors import FieldError

NOT_IN = {"code": "validation_not_in_invalid", "message": "Must not be in list."}
BAD_FORMAT = {"code": "validation_match_invalid", "message": "Must be in a valid format."}


def at_least_zero():
    return {
        "code": "validation_min_greater_equal_than_required",
        "message": "Must be no less than 0.",
        "params": {"threshold": 0},
    }


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {}),
        ({"maxSelect": 1, "maxSize": MAX_SAFE_INT, "mimeTypes": ["image/png"], "thumbs": ["100x100"]}, {}),
        ({"maxSelect": -1}, {"maxSelect": at_least_zero()}),
        ({"maxSize": -1}, {"maxSize": at_least_zero()}),
        (
            {"maxSelect": MAX_SAFE_INT + 1},
            {
                "maxSelect": {
                    "code": "validation_max_less_equal_than_required",
                    "message": "Must be no greater than 9007199254740991.",
                    "params": {"threshold": MAX_SAFE_INT},
                }
            },
        ),
        (
            {
                "thumbs": [
                    "100x100",
                    "0x0",
                    "10x10t",
                    "0x0f",
                    "abc",
                    "100x",
                    "0x100",
                    "100x0b",
                    "10X10",
                    "01x01",
                    "",
                    "1x1 ",
                    "99999999999999999999x1",
                    "1x1\n",
                    "١x١",
                ]
            },
            {
                "thumbs": {
                    "1": NOT_IN,
                    "3": NOT_IN,
                    "4": BAD_FORMAT,
                    "5": BAD_FORMAT,
                    "8": BAD_FORMAT,
                    "11": BAD_FORMAT,
                    "13": BAD_FORMAT,
                    "14": BAD_FORMAT,
                }
            },
        ),
    ],
)
def test_settings(options, expected, context, rendered):
    assert rendered(FileField.from_json({"name": "f", **options}).check_settings(context)) == expected


@pytest.mark.parametrize(
    "options",
    [{"thumbs": "100x100"}, {"mimeTypes": [1]}, {"maxSize": "5"}, {"protected": 0}, {"maxSelect": [2]}],
)
def test_options_of_the_wrong_json_type(options):
    with pytest.raises(InvalidOptionsError):
        field_from_json({"type": "file", "name": "f", **options})


def test_options_round_trip():
    data = {
        "type": "file",
        "name": "f",
        "maxSelect": 3,
        "maxSize": 100,
        "mimeTypes": ["image/png"],
        "thumbs": ["10x10"],
        "protected": True,
    }
    field = field_from_json(data)
    assert {key: field.to_json()[key] for key in data} == data
    assert field_from_json(field.to_json()).to_json() == field.to_json()


def single(**options):
    return FileField(name="f", **options)


def multi(**options):
    return FileField(name="f", maxSelect=3, **options)


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        (single(), "a.txt", "a.txt"),
        (single(), ["a.txt", "b.txt"], "b.txt"),
        (single(), None, ""),
        (single(), [], ""),
        (multi(), ["a.txt", "b.txt", "a.txt"], ["a.txt", "b.txt"]),
        (multi(), "a.txt", ["a.txt"]),
        (multi(), '["a.txt","b.txt"]', ["a.txt", "b.txt"]),
        (multi(), "", []),
    ],
)
def test_prepare(field, raw, expected):
    assert field.prepare(raw) == expected


@pytest.mark.parametrize("raw", [{"name": "a.txt"}, [["a.txt"]], [{"x": 1}]])
def test_prepare_rejects(raw):
    with pytest.raises(FieldError):
        multi().prepare(raw)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (single(), "a.txt", None),
        (single(), "", None),
        (single(required=True), "", {"code": "validation_required", "message": "Cannot be blank."}),
        (multi(required=True), [], {"code": "validation_required", "message": "Cannot be blank."}),
        (
            FileField(name="f", maxSelect=2),
            ["a", "b", "c"],
            {
                "code": "validation_too_many_files",
                "message": "The maximum allowed files is 2",
                "params": {"maxSelect": 2},
            },
        ),
        (
            single(),
            ["a", "b"],
            {
                "code": "validation_too_many_files",
                "message": "The maximum allowed files is 1",
                "params": {"maxSelect": 1},
            },
        ),
    ],
)
def test_validate(field, value, expected, error_of):
    assert error_of(field.validate, value) == expected


@pytest.mark.parametrize(
    ("value", "previous", "uploaded", "expected"),
    [
        (["a.txt"], ["a.txt", "b.txt"], [], None),
        (["a.txt", "n.txt"], ["a.txt"], ["n.txt"], None),
        (
            ["fake.txt"],
            [],
            [],
            {
                "code": "validation_invalid_file",
                "message": "Invalid new files: [fake.txt].",
                "params": {"invalidFiles": ["fake.txt"]},
            },
        ),
        (
            ["x", "a", "y"],
            "a",
            [],
            {
                "code": "validation_invalid_file",
                "message": "Invalid new files: [x y].",
                "params": {"invalidFiles": ["x", "y"]},
            },
        ),
    ],
)
def test_check_known(value, previous, uploaded, expected, error_of):
    assert error_of(multi().check_known, value, previous, uploaded) == expected


def test_check_known_truncates_long_names():
    with pytest.raises(FieldError) as caught:
        multi().check_known(["x" * 300], [], [])
    assert caught.value.params == {"invalidFiles": ["x" * 250]}


@pytest.mark.parametrize(
    ("options", "size", "mime", "expected"),
    [
        ({}, 5 << 20, "text/plain", None),
        (
            {},
            (5 << 20) + 1,
            "text/plain",
            {
                "code": "validation_file_size_limit",
                "message": "Failed to upload orig.txt - the maximum allowed file size is 5242880 bytes.",
                "params": {"file": "orig.txt", "maxSize": 5242880},
            },
        ),
        ({"maxSize": 10}, 10, "text/plain", None),
        ({"mimeTypes": ["image/png", "image/jpeg"]}, 1, "image/PNG", None),
        ({"mimeTypes": ["text/plain"]}, 1, "text/plain; charset=utf-8", None),
        (
            {"mimeTypes": ["image/png", "image/jpeg"]},
            1,
            "text/plain",
            {
                "code": "validation_invalid_mime_type",
                "message": '"a_x1.txt" mime type must be one of: image/png, image/jpeg.',
            },
        ),
    ],
)
def test_check_upload(options, size, mime, expected, error_of):
    field = FileField.from_json({"name": "f", **options})
    assert error_of(field.check_upload, "a_x1.txt", "orig.txt", size, mime) == expected


@pytest.mark.parametrize(
    ("field", "modifier", "current", "raw", "expected"),
    [
        (multi(), APPEND, ["a"], ["b", "c"], ["a", "b", "c"]),
        (multi(), PREPEND, ["a"], "b", ["b", "a"]),
        (multi(), REMOVE, ["a", "b"], ["a", "zzz"], ["b"]),
        (single(), APPEND, "a", "b", "b"),
        (single(), PREPEND, "a", "b", "a"),
        (single(), REMOVE, "a", "a", ""),
    ],
)
def test_modifiers(field, modifier, current, raw, expected):
    assert field.apply_modifier(modifier, current, raw) == expected


def test_storage():
    assert single().column_sql() == "text COLLATE \"C\" NOT NULL DEFAULT ''"
    assert multi().column_sql() == "text[] COLLATE \"C\" NOT NULL DEFAULT '{}'"
    assert single().zero() == ""
    assert multi().zero() == []
    assert single().max_size == 5242880
    assert FileField(name="f", maxSize=7).max_size == 7
    assert multi().max_files == 3
    assert single().max_files == 1
    assert single().to_json_value("a.txt") == "a.txt"
    assert multi().to_json_value(["a.txt"]) == ["a.txt"]
