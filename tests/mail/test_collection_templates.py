"""Saving an auth collection checks its mail templates: a template that cannot render is refused."""

from __future__ import annotations

import httpx
import pytest


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"verificationTemplate": {"subject": "Hi", "body": "{{ record.name "}}, ("verificationTemplate", "body")),
        ({"otp": {"emailTemplate": {"subject": "Code", "body": "{% for x in %}"}}}, ("otp", "emailTemplate", "body")),
        (
            {"resetPasswordTemplate": {"subject": "Hi", "body": "{{ nosuchvariable.x }}"}},
            ("resetPasswordTemplate", "body"),
        ),
    ],
)
async def test_a_broken_template_is_refused(
    admin: httpx.AsyncClient, options: dict[str, object], path: tuple[str, ...]
) -> None:
    before = (await admin.get("/api/collections/users")).json()
    response = await admin.patch("/api/collections/users", json=options)
    assert response.status_code == 400, response.text
    error = response.json()["data"]
    for key in path:
        error = error[key]
    assert error["code"] == "validation_invalid_template"
    assert (await admin.get("/api/collections/users")).json() == before


async def test_valid_templates_with_placeholders_and_jinja_are_saved(admin: httpx.AsyncClient) -> None:
    body = "<p>Hello {{ record.name }}, verify at {APP_URL}/confirm/{TOKEN}</p>"
    response = await admin.patch(
        "/api/collections/users", json={"verificationTemplate": {"subject": "Hi", "body": body}}
    )
    assert response.status_code == 200, response.text
    assert response.json()["verificationTemplate"]["body"] == body
