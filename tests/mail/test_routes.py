"""``POST /api/settings/test/email``: scenarios, the mails it sends, and SMTP failures as 400s."""

from __future__ import annotations

import pytest

from tests.api.scenarios import GUEST, USER, Api, Scenario, invalid, params, run
from tests.conftest import RunningServer
from tests.mail.smtp_server import SmtpServer, configure_smtp

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

URL = "/api/settings/test/email"
FAILED = "Failed to send the test email."
LOADING = "An error occurred while loading the submitted data."
GOOD = {"email": "to@example.com", "template": "verification"}

SCENARIOS = [
    Scenario("guest", "POST", URL, GOOD, auth=GUEST, status=401),
    Scenario("auth record that is not a superuser", "POST", URL, GOOD, auth=USER, status=403),
    Scenario(
        "empty body",
        "POST",
        URL,
        {},
        status=400,
        contains=[
            {"message": FAILED},
            invalid("email", "validation_required", "Cannot be blank."),
            invalid("template", "validation_required", "Cannot be blank."),
        ],
    ),
    Scenario(
        "invalid email",
        "POST",
        URL,
        {**GOOD, "email": "nope"},
        status=400,
        contains=[invalid("email", "validation_is_email", "Must be a valid email address.")],
    ),
    Scenario(
        "unknown template",
        "POST",
        URL,
        {**GOOD, "template": "welcome"},
        status=400,
        contains=[invalid("template", "validation_in_invalid", "Must be a valid value.")],
    ),
    Scenario(
        "unknown collection",
        "POST",
        URL,
        {**GOOD, "collection": "nope"},
        status=400,
        contains=[
            invalid("collection", "validation_invalid_auth_collection", "Must be a valid auth collection id or name.")
        ],
    ),
    Scenario(
        "base collection",
        "POST",
        URL,
        {**GOOD, "collection": "_mfas"},
        status=400,
        contains=[invalid("collection", "validation_invalid_auth_collection")],
    ),
    Scenario(
        "malformed JSON",
        "POST",
        URL,
        b"{",
        content_type="application/json",
        status=400,
        contains=[{"message": LOADING}],
    ),
    Scenario("email of the wrong type", "POST", URL, {**GOOD, "email": 1}, status=400, contains=[{"message": LOADING}]),
    Scenario("success", "POST", URL, GOOD, status=204),
    Scenario("success with a collection id", "POST", URL, {**GOOD, "collection": "_pb_users_auth_"}, status=204),
]


@pytest.mark.parametrize("scenario", params(SCENARIOS))
async def test_test_email(mail_api: Api, scenario: Scenario) -> None:
    await run(mail_api, scenario)


SUBJECTS = {
    "verification": "Verify your Acme email",
    "password-reset": "Reset your Acme password",
    "email-change": "Confirm your Acme new email address",
    "otp": "OTP for Acme",
    "login-alert": "Login from a new location",
}


@pytest.mark.parametrize("template", sorted(SUBJECTS))
async def test_the_test_mail_is_rendered_from_the_collection_template(
    mail_api: Api, module_smtp: SmtpServer, template: str
) -> None:
    module_smtp.messages.clear()
    body = {"email": "ann@example.com", "template": template, "collection": "users"}
    response = await mail_api.call("POST", URL, body)
    assert response.status_code == 204, response.text
    assert response.content == b""
    [mail] = module_smtp.messages
    assert mail.subject == SUBJECTS[template]
    assert mail.rcpt_tos == ["ann@example.com"]
    assert mail.message["From"] == "Support <support@example.com>"
    if template == "otp":
        assert "123456" in mail.text
    elif template == "login-alert":
        assert "127.0.0.1 TEST_USER_AGENT" in mail.text
    else:
        [link] = mail.links()
        assert link.startswith("http://localhost:8090/_/#/auth/confirm-")
        assert link.rsplit("/", 1)[1].count(".") == 2  # a JWT (signed with a throwaway key)


async def test_an_unreachable_smtp_server_is_a_400(
    mail_api: Api, module_server: RunningServer, module_smtp: SmtpServer
) -> None:
    await configure_smtp(module_server, None)
    try:
        response = await mail_api.call("POST", URL, GOOD)
    finally:
        await configure_smtp(module_server, module_smtp)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{FAILED} Raw error: \nConnectionRefusedError")


async def test_disabled_smtp_is_a_400(mail_api: Api, module_server: RunningServer, module_smtp: SmtpServer) -> None:
    await configure_smtp(module_server, module_smtp, enabled=False)
    try:
        response = await mail_api.call("POST", URL, GOOD)
    finally:
        await configure_smtp(module_server, module_smtp)
    assert response.status_code == 400
    assert response.json() == {
        "data": {},
        "message": f"{FAILED} Raw error: \nSMTP is disabled in the settings (smtp.enabled is false).",
        "status": 400,
    }


async def test_a_wrong_smtp_password_is_a_400_without_the_password(
    mail_api: Api, module_server: RunningServer, module_smtp: SmtpServer
) -> None:
    smtp = SmtpServer(credentials=("mailer", "the-right-one"))
    smtp.start()
    try:
        await configure_smtp(module_server, smtp, password="my-Secret-pass")
        response = await mail_api.call("POST", URL, GOOD)
        settings = await mail_api.call("GET", "/api/settings")
    finally:
        smtp.stop()
        await configure_smtp(module_server, module_smtp)
    assert response.status_code == 400
    assert "535" in response.json()["message"]
    assert "my-Secret-pass" not in response.text
    assert "my-Secret-pass" not in settings.text
