import pytest

from baas.collections.fields import InvalidOptionsError, URLField, field_from_json
from baas.errors import FieldError

INVALID_URL = {"code": "validation_invalid_url", "message": "Must be a valid url."}
NOT_ALLOWED = {"code": "validation_url_domain_not_allowed", "message": "Url domain is not allowed."}
BLANK = {"code": "validation_empty", "message": "Must be blank."}

# What the PocketBase 0.40.6 binary accepts and rejects (govalidator's IsURL).
VALID = [
    "example.com",
    "http://example.com",
    "https://example.com/a?b=c#d",
    "ftp://x.org",
    "mailto:a@b.c",
    "http://localhost",
    "http://localhost:8080/x",
    "http://127.0.0.1",
    "http://[::1]/",
    "http://a",
    "http://a.b",
    "http://ex_ample.com",
    "http://münchen.de",
    "ws://x.io",
    "www.x.com",
    "http://x.com:99999",
    "http://user:pw@x.com",
    "a.b:80",
    "tcp://1.2.3.4:5",
    "https://x.c",
    "https://x.com.",
    "http://250.1.1.1",
    "http://1.1.1.255",
    "http://a@b/c@d.com",
    "http://xn--80ak6aa92e.com",
    "http://ex.co1",
    "http://ex.c-om",
    "http://ex.com./x",
    "aa.bcd:8080",
    "a:b@c.com",
    "http://exam--ple.com",
    "http://exam---ple.com",
    "http://üü.de",
    "http://x.com?q",
    "http://x.com#f",
    "http://www.ü",
]
INVALID = [
    "javascript:alert(1)",
    "//example.com",
    "http:/x.com",
    "http://exa mple.com",
    "custom://foo.bar",
    "file:///etc/passwd",
    "x",
    "http://",
    "http://.com",
    "HTTP://X.COM",
    "https://x.com/path with space",
    "https://x-.com",
    "https://-x.com",
    "https://1.2.3.256",
    " http://x.com",
    "http://x.com\n",
    "http://a_b.c",
    "ab---cd",
    "a.b.c.d",
    "http://😀.com",
    "http://x.com:",
    "http://x.com:123456",
    "abc",
    "a.b",
    ".x.com",
    "http://x.com/%zz",
    "http://a<b@x.com",
    "http://x.com/\x01",
    "x" * 2083,
]


@pytest.mark.parametrize("value", VALID)
def test_valid_urls(value, error_of):
    assert error_of(URLField(name="u").validate, value) is None


@pytest.mark.parametrize("value", INVALID)
def test_invalid_urls(value, error_of):
    assert error_of(URLField(name="u").validate, value) == INVALID_URL


@pytest.mark.parametrize(
    "value",
    [
        "http://" + "a" * 2070 + "!",
        "http://" + "a-" * 1000 + "_",
        "http://" + "a." * 1000 + "1",
        "http://" + "a_" * 1000 + "-",
        "@" * 2000,
        "http://" + "a@" * 1000,
        "http://a" + "--a" * 690 + "_",
    ],
)
def test_pathological_urls_finish(value, error_of):
    # govalidator's regex nests quantifiers; a backtracking port of it would not return on these
    assert error_of(URLField(name="u").validate, value) == INVALID_URL


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        ({"onlyDomains": ["x.com"]}, "https://x.com/a", None),
        ({"onlyDomains": ["x.com"]}, "https://y.com/a", NOT_ALLOWED),
        ({"onlyDomains": ["x.com"]}, "https://x.com:8080/a", NOT_ALLOWED),  # the host keeps its port
        ({"onlyDomains": ["x.com"]}, "x.com", NOT_ALLOWED),  # no scheme, no host
        ({"onlyDomains": ["x.com"]}, "https://u:p@x.com", None),
        ({"exceptDomains": ["x.com"]}, "https://x.com", NOT_ALLOWED),
        ({"exceptDomains": ["x.com"]}, "https://y.com", None),
        ({"required": True}, "", {"code": "validation_required", "message": "Cannot be blank."}),
        ({}, "", None),
        ({}, ["x"], {"code": "validation_invalid_value", "message": "Invalid value."}),
    ],
)
def test_validate(options, value, expected, error_of):
    assert error_of(URLField.from_json({"name": "u", **options}).validate, value) == expected


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"exceptDomains": ["a.com", "localhost", ""]},
            {"exceptDomains": {"1": {"code": "validation_is_domain", "message": "Must be a valid domain."}}},
        ),
        (
            {"exceptDomains": ["a.com"], "onlyDomains": ["b.com"]},
            {"exceptDomains": BLANK, "onlyDomains": BLANK},
        ),
        ({"exceptDomains": ["a.com"], "onlyDomains": []}, {}),
    ],
)
def test_settings(options, expected, context, rendered):
    assert rendered(URLField.from_json({"name": "u", **options}).check_settings(context)) == expected


@pytest.mark.parametrize(
    "options", [{"onlyDomains": "a.com"}, {"exceptDomains": [None]}, {"required": None, "onlyDomains": 3}]
)
def test_options_of_the_wrong_json_type(options):
    with pytest.raises(InvalidOptionsError):
        field_from_json({"type": "url", "name": "u", **options})


def test_options_round_trip():
    field = field_from_json({"type": "url", "name": "u", "exceptDomains": ["a.com"]})
    assert field_from_json(field.to_json()).to_json() == field.to_json()
    assert field.to_json()["type"] == "url"


@pytest.mark.parametrize(("raw", "expected"), [("https://x.com", "https://x.com"), (None, ""), (5, "5")])
def test_prepare(raw, expected):
    assert URLField(name="u").prepare(raw) == expected


@pytest.mark.parametrize("raw", [["https://x.com"], {"href": "x"}])
def test_prepare_rejects(raw):
    with pytest.raises(FieldError):
        URLField(name="u").prepare(raw)


def test_storage():
    field = URLField(name="u")
    assert field.column_sql() == "text COLLATE \"C\" NOT NULL DEFAULT ''"
    assert field.zero() == ""
    assert field.to_json_value("https://x.com") == "https://x.com"
