import pytest

from baas.collections.fields import EmailField, InvalidOptionsError, field_from_json
from baas.errors import FieldError

BLANK = {"code": "validation_empty", "message": "Must be blank."}
NOT_DOMAIN = {"code": "validation_is_domain", "message": "Must be a valid domain."}
NOT_EMAIL = {"code": "validation_is_email", "message": "Must be a valid email address."}
NOT_ALLOWED = {"code": "validation_email_domain_not_allowed", "message": "Email domain is not allowed."}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {}),
        ({"onlyDomains": ["a.com", "b.org"]}, {}),
        (
            {"onlyDomains": ["a.com"], "exceptDomains": ["b.com"]},
            {"onlyDomains": BLANK, "exceptDomains": BLANK},
        ),
        (
            {
                "onlyDomains": [
                    "a.com",
                    "bad domain",
                    "x",
                    "a.b-",
                    "xn--p1ai",
                    "A.COM",
                    "a_b.com",
                    "a.c0m",
                    "",
                ]
            },
            {
                "onlyDomains": {
                    "1": NOT_DOMAIN,
                    "2": NOT_DOMAIN,
                    "3": NOT_DOMAIN,
                    "4": NOT_DOMAIN,
                    "6": NOT_DOMAIN,
                    "7": NOT_DOMAIN,
                }
            },
        ),
        ({"exceptDomains": ["localhost"]}, {"exceptDomains": {"0": NOT_DOMAIN}}),
        ({"exceptDomains": ["a" * 250 + ".com"]}, {"exceptDomains": {"0": NOT_DOMAIN}}),
    ],
)
def test_settings(options, expected, context, rendered):
    field = EmailField.from_json({"name": "e", **options})
    assert rendered(field.check_settings(context)) == expected


@pytest.mark.parametrize("options", [{"onlyDomains": "a.com"}, {"exceptDomains": [1]}, {"onlyDomains": {"a": 1}}])
def test_options_of_the_wrong_json_type(options):
    with pytest.raises(InvalidOptionsError):
        field_from_json({"type": "email", "name": "e", **options})


def test_options_round_trip():
    field = field_from_json({"type": "email", "name": "e", "onlyDomains": ["a.com"], "required": True})
    assert field.to_json()["onlyDomains"] == ["a.com"]
    assert field.to_json()["exceptDomains"] == []
    assert field_from_json(field.to_json()).to_json() == field.to_json()


@pytest.mark.parametrize(("raw", "expected"), [("a@b.c", "a@b.c"), (None, ""), (123, "123"), (True, "true")])
def test_prepare(raw, expected):
    assert EmailField(name="e").prepare(raw) == expected


@pytest.mark.parametrize("raw", [["a@b.c"], {"a": 1}, "a\x00@b.c", "\ud800@b.c"])
def test_prepare_rejects(raw):
    with pytest.raises(FieldError) as caught:
        EmailField(name="e").prepare(raw)
    assert caught.value.code == "validation_invalid_value"


# What the PocketBase 0.40.6 binary accepts and rejects.
VALID = [
    "a@b.c",
    "A@B.COM",
    "a.b@c.d",
    "ü@ü.de",
    "a+b@c.d",
    "a@b_c.d",
    "a@b.c-d",
    "a@b.c.",
    "a/b@c.d",
    "a=b@c.d",
    "a{b}@c.d",
    "a" * 65 + "@b.c",
    "a@" + "b" * 64 + ".c",
    "a@b.c_d",
    "a@1b.c",
    "a@xn--p1ai.ru",
    "a\u00a0b@c.d",
    "a@b\u00a0.cd",
    "a@b.c\u00e9",
    "a@b~c.d",
    "a@b.c~d",
    "a@b-c.d-e",
    "x@" + "a." * 130 + "com",
]
INVALID = [
    "a@b",
    "a..b@c.d",
    ".a@b.c",
    "a.@b.c",
    '"a b"@c.d',
    '"a@b"@c.d',
    "a@b..c",
    "a@-b.c",
    "a@b-.c",
    "a@1.2",
    "a@b.1",
    "a@b.c1",
    "a@[1.2.3.4]",
    "a b@c.d",
    "@b.c",
    "a@",
    "a@@b.c",
    "a@b.c ",
    'a"b@c.d',
    "a@b.cd_",
    "a@b._c",
    "a\tb@c.d",
    "a@b.c..",
    "a(b)@c.d",
    "a,b@c.d",
    "a:b@c.d",
    "a;b@c.d",
    "a<b@c.d",
    "a[b]@c.d",
    "a\\b@c.d",
    "a@b.c-",
    "a@b..",
    "a@localhost.",
    "123",
]


@pytest.mark.parametrize("value", VALID)
def test_valid_addresses(value, error_of):
    assert error_of(EmailField(name="e").validate, value) is None


@pytest.mark.parametrize("value", INVALID)
def test_invalid_addresses(value, error_of):
    assert error_of(EmailField(name="e").validate, value) == NOT_EMAIL


def test_pathological_address_is_fast(error_of):
    # nested quantifiers in the original regex backtrack exponentially on inputs like these
    assert error_of(EmailField(name="e").validate, "a@" + "a." * 5000 + "-") == NOT_EMAIL
    assert error_of(EmailField(name="e").validate, "a" * 20000 + "!@" + "b" * 20000) == NOT_EMAIL


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        ({"required": True}, "", {"code": "validation_required", "message": "Cannot be blank."}),
        ({}, "", None),
        ({"onlyDomains": ["b.com"]}, "a@b.com", None),
        ({"onlyDomains": ["b.com"]}, "a@c.com", NOT_ALLOWED),
        ({"onlyDomains": ["b.com"]}, "a@B.com", NOT_ALLOWED),
        ({"exceptDomains": ["b.com"]}, "a@b.com", NOT_ALLOWED),
        ({"exceptDomains": ["b.com"]}, "a@c.com", None),
        ({}, 5, {"code": "validation_invalid_value", "message": "Invalid value."}),
    ],
)
def test_validate(options, value, expected, error_of):
    assert error_of(EmailField.from_json({"name": "e", **options}).validate, value) == expected


def test_storage():
    field = EmailField(name="e")
    assert field.column_sql() == "text COLLATE \"C\" NOT NULL DEFAULT ''"
    assert field.zero() == ""
    assert field.to_json_value("a@b.c") == "a@b.c"
