"""Mail templates: PocketBase placeholders, Jinja2, escaping, the sandbox and its limits (no database)."""

from __future__ import annotations

from typing import Any

import pytest

from baas.collections.auth_options import default_auth_options
from baas.mail import TEMPLATES, TemplateError, render, validate_template
from baas.mail.templates import template_of
from baas.mail.text import html_to_text
from tests.mail.samples import users_collection

CONTEXT: dict[str, Any] = {
    "app_name": "Acme",
    "app_url": "https://acme.test",
    "token": "header.payload.signature",
    "record": {
        "id": "abc123",
        "name": "Ann <script>alert(1)</script>",
        "verified": True,
        "tags": ["a", "b"],
        "score": 2.0,
        "nothing": None,
    },
}


def body_of(html: str) -> str:
    return html.split("<body>", 1)[1].rsplit("</body>", 1)[0].strip()


def test_default_verification_template() -> None:
    mail = render(default_auth_options()["verificationTemplate"], CONTEXT)
    assert mail.subject == "Verify your Acme email"
    assert 'href="https://acme.test/_/#/auth/confirm-verification/header.payload.signature"' in mail.html
    assert mail.html.startswith("<!DOCTYPE html")  # PocketBase's layout, with the .btn styles
    assert ".btn {" in mail.html
    assert "[Verify](https://acme.test/_/#/auth/confirm-verification/header.payload.signature)" in mail.text
    assert "Acme team" in mail.text


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_default_template_renders_and_validates(name: str) -> None:
    template = template_of(users_collection(), name)
    variables = {v: f"<{v}>" for v in TEMPLATES[name].all_variables}
    mail = render(template, variables | {"record": {}})
    assert "{" not in mail.subject
    assert validate_template(template, name, ["email", "name"]) is None


def test_record_placeholders_print_like_pocketbase() -> None:
    template = {"subject": "{RECORD:verified} {RECORD:tags} {RECORD:score} [{RECORD:nothing}]", "body": "x"}
    assert render(template, CONTEXT).subject == 'true ["a","b"] 2 []'


def test_values_are_escaped_in_the_body_but_not_in_the_subject() -> None:
    template = {"subject": "Hi {RECORD:name} / {{ record.name }}", "body": "<p>{RECORD:name}|{{ record.name }}</p>"}
    mail = render(template, CONTEXT)
    assert mail.subject == "Hi Ann <script>alert(1)</script> / Ann <script>alert(1)</script>"
    escaped = "Ann &lt;script&gt;alert(1)&lt;/script&gt;"
    assert body_of(mail.html) == f"<p>{escaped}|{escaped}</p>"
    assert "<script>" not in mail.html
    assert "Ann <script>alert(1)</script>|Ann" in mail.text  # the text part is text, not markup


def test_safe_is_an_explicit_opt_out() -> None:
    mail = render({"subject": "s", "body": "{{ '<b>' ~ app_name ~ '</b>' }}{{ '<i>x</i>'|safe }}"}, CONTEXT)
    assert body_of(mail.html) == "&lt;b&gt;Acme&lt;/b&gt;<i>x</i>"


def test_values_never_become_template_code() -> None:
    context = CONTEXT | {"record": {"name": "{{ 7 * 7 }} {APP_NAME} {% if 1 %}x{% endif %}"}}
    mail = render({"subject": "{RECORD:name}", "body": "{RECORD:name}"}, context)
    assert mail.subject == "{{ 7 * 7 }} {APP_NAME} {% if 1 %}x{% endif %}"


def test_unknown_placeholders_stay_as_written() -> None:
    mail = render({"subject": "{OTP} {RECORD:missing} {lower} {APP_NAME}", "body": "b"}, CONTEXT)
    assert mail.subject == "{OTP} {RECORD:missing} {lower} Acme"


def test_subject_line_breaks_cannot_add_headers() -> None:
    context = CONTEXT | {"record": {"name": "x\r\nBcc: victim@example.com"}}
    assert render({"subject": "Hi\n{RECORD:name}", "body": "b"}, context).subject == "Hi x Bcc: victim@example.com"


def test_jinja_statements_and_filters() -> None:
    template = {
        "subject": "{{ app_name|upper }}{% if record.verified %} (verified){% endif %}",
        "body": "<ul>{% for tag in record.tags %}<li>{{ loop.index }}: {{ tag|title }}</li>{% endfor %}</ul>"
        "{{ record.get('missing', 'fallback') }} {{ record.name|length }}",
    }
    mail = render(template, CONTEXT)
    assert mail.subject == "ACME (verified)"
    assert "<li>1: A</li><li>2: B</li>" in mail.html
    assert "- 1: A\r\n- 2: B" in mail.text
    assert "fallback 29" in mail.text


SANDBOX_ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ record.__class__ }}",
    "{{ record|attr('__class__') }}",
    "{{ range.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ self.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ config }}",
    "{{ lipsum.__globals__ }}",
    "{{ request.application }}",
    "{{ '{0.__class__}'.format('') }}",
    "{% include '/etc/passwd' %}",
    "{% extends 'base.html' %}",
    "{% import 'macros.html' as m %}",
    "{% from 'x' import y %}",
    "{{ record.tags.append('x') }}",
    "{{ record.update({'a': 1}) }}",
]


@pytest.mark.parametrize("source", SANDBOX_ESCAPES)
def test_sandbox_escapes_fail_safely(source: str) -> None:
    with pytest.raises(TemplateError):
        render({"subject": "s", "body": source}, CONTEXT)
    assert validate_template({"subject": "s", "body": source}) is not None


RUNAWAY = [
    ("{% for i in range(100000) %}{% endfor %}", "numeric arguments are limited"),
    ("{% for i in range(9000) %}{% endfor %}" * 3, "more than 20000 steps"),
    ("{% for a in range(200) %}{% for b in range(200) %}{% endfor %}{% endfor %}", "more than 20000 steps"),
    (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}",
        "more than 20000 steps",
    ),
    ("{% for x in [[1]] recursive %}{{ loop(x) }}{% endfor %}", "recursive loops are not available"),
    ("{{ 'x' * 1000000000 }}", "grows beyond"),
    (
        "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "grows beyond",
    ),
    ("{% set s = 'x' * 200000 %}{{ s + s }}", "grows beyond"),
    ("{{ 'x'.ljust(1000000000) }}", "not available"),
    ("{{ 'x'|center(1000000000) }}", "No filter named 'center'"),
    ("{{ 'x'|truncate(1000000000) }}", "numeric arguments are limited"),
    ("{{ ('x' * 1000)|replace('', 'y' * 1000) }}", "grows beyond"),
    ("{{ '%0999999999d' % 1 }}", "numeric arguments are limited"),
    ("{{ 2 ** 100000 }}", "too large"),
    # One long string referenced many times: measured as it would print, before anything is built.
    ("{{ (['x' * 200000] * 1000)|join }}", "grows beyond"),
    ("{{ ('x' * 200000).join(['a'] * 1000) }}", "grows beyond"),
    ("{{ (['x' * 200000] * 1000)|tojson }}", "grows beyond"),
    ("{% set s = 'x' * 100000 %}{{ [s, s, s, s] }}", "grows beyond"),
    ("{% set s = 'x' * 100000 %}{{ [s, s, s, s]|upper }}", "grows beyond"),
    ("{% set s = 'x' * 100000 %}{% set ns = namespace(a=[s, s, s]) %}{{ ns }}", "grows beyond"),
    ("{% set s = 'x' * 100000 %}{{ '%s%s%s' % (s, s, s) }}", "grows beyond"),
    ("{% for i in range(10000) %}{{ 'x' * 100 }}{% endfor %}", "longer than"),
]


@pytest.mark.parametrize(("source", "reason"), RUNAWAY)
def test_runaway_templates_are_stopped(source: str, reason: str) -> None:
    with pytest.raises(TemplateError, match=reason):
        render({"subject": "s", "body": source}, CONTEXT)


def test_template_source_size_is_limited() -> None:
    with pytest.raises(TemplateError, match="longer than"):
        render({"subject": "s", "body": "x" * 70_000}, CONTEXT)


def test_undefined_variables_are_errors_with_a_location() -> None:
    with pytest.raises(TemplateError, match=r"body, line 2: 'nope' is undefined"):
        render({"subject": "s", "body": "ok\n{{ nope }}"}, CONTEXT)
    with pytest.raises(TemplateError, match="has no attribute 'missing'"):
        render({"subject": "{{ record.missing }}", "body": "b"}, CONTEXT)


def test_validate_template_reports_what_would_fail() -> None:
    good = {"subject": "{{ token }}", "body": "{{ record.email }}"}
    assert validate_template(good, "verification", ["email"]) is None
    assert "line 1" in (validate_template({"subject": "s", "body": "{% if %}"}) or "")
    assert "unknown variable 'token'" in (validate_template({"subject": "{{ token }}", "body": "b"}, "otp") or "")
    assert "no attribute 'nickname'" in (
        validate_template({"subject": "s", "body": "{{ record.nickname }}"}, "otp", ["email"]) or ""
    )
    assert validate_template({"subject": "s", "body": "{{ record.anything }}"}, "otp") is None
    assert validate_template({"subject": 1, "body": "b"}) == "subject: must be a string"
    # PocketBase templates without Jinja syntax are always valid, whatever placeholders they use.
    assert validate_template({"subject": "{TOKEN} {OTP} {RECORD:x} {WHATEVER}", "body": "{ALERT_INFO}"}, "otp") is None


def test_a_whole_document_is_not_wrapped_again() -> None:
    html = render({"subject": "s", "body": "<!DOCTYPE html><html><body>{{ app_name }}</body></html>"}, CONTEXT).html
    assert html == "<!DOCTYPE html><html><body>Acme</body></html>"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hello,</p>\n<p>  world  </p>", "Hello, \r\nworld"),  # trailing spaces kept, as in PocketBase
        ("a<br>b<br/><br>c", "a\r\nb\r\n\r\nc"),
        ("<ul><li>one</li><li>two</li></ul>", "- one\r\n- two"),
        (
            '<p>Go <a href="https://x.test/a?b=1&amp;c=2">there <b>now</b></a>.</p>',
            "Go [there now](https://x.test/a?b=1&c=2).",
        ),
        ('<a href="https://x.test"> </a>', "[LINK](https://x.test)"),
        ("<style>p{color:red}</style><script>alert(1)</script><p>shown</p>", "shown"),
        ("<p>&lt;tag&gt; &amp; more</p>", "<tag> & more"),
    ],
)
def test_plain_text_alternative(html: str, text: str) -> None:
    assert html_to_text(html) == text
