"""The mail flows end to end through the real SMTP server: a client signs up, asks for a mail, opens the
link (or reads the code) it received, and finishes the flow with it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.auth.support import PASSWORD, AuthEnv, claims_of, token_in, unique_email

pytestmark = pytest.mark.asyncio(loop_scope="module")

USERS = "/api/collections/users"


async def _post(env: AuthEnv, path: str, body: dict[str, str], token: str = "", status: int = 204) -> None:
    headers = {"Authorization": token} if token else {}
    response = await env.http.post(f"{USERS}/{path}", json=body, headers=headers)
    assert response.status_code == status, response.text


def _reset(token: str, password: str) -> dict[str, str]:
    return {"token": token, "password": password, "passwordConfirm": password}


async def test_sign_up_and_verify(env: AuthEnv) -> None:
    await env.ok("PATCH", "/api/collections/users", {"createRule": ""})
    email = unique_email("signup")
    created = await env.http.post(
        f"{USERS}/records", json={"email": email, "password": PASSWORD, "passwordConfirm": PASSWORD, "name": "Nina"}
    )
    assert created.status_code == 200, created.text
    await _post(env, "request-verification", {"email": email})
    mail = await env.mail_to(email)
    assert mail.subject == "Verify your Acme email"
    assert mail.to == email
    assert mail.message["From"] == "Support <support@example.com>"
    link = urlsplit(next(link for link in mail.links() if "confirm-verification" in link))
    assert (link.scheme, link.netloc, link.path, link.fragment.rsplit("/", 1)[0]) == (
        "http",
        "localhost:8090",
        "/_/",
        "/auth/confirm-verification",
    )
    token = token_in(mail)
    assert claims_of(token)["type"] == "verification"
    assert claims_of(token)["email"] == email
    assert "[Verify](http://localhost:8090/_/#/auth/confirm-verification/" in mail.text, "a plain-text part too"
    await _post(env, "confirm-verification", {"token": token})
    signed_in = await env.sign_in(email, PASSWORD)
    assert signed_in.json()["record"]["verified"] is True
    await _post(env, "confirm-verification", {"token": token}, status=400)
    await _post(env, "request-verification", {"email": email})
    assert len(await env.outbox(email)) == 1, "a verified address gets no second mail"


async def test_password_reset(env: AuthEnv) -> None:
    user = await env.user()
    await _post(env, "request-password-reset", {"email": user.email})
    mail = await env.mail_to(user.email)
    assert mail.subject == "Reset your Acme password"
    token = token_in(mail)
    assert claims_of(token)["type"] == "passwordReset"
    await _post(env, "confirm-password-reset", _reset(token, "brand-new-1"))
    assert (await env.sign_in(user.email, "brand-new-1")).status_code == 200
    assert (await env.sign_in(user.email, PASSWORD)).status_code == 400
    assert (await env.refresh(user.token)).status_code == 401
    await _post(env, "confirm-password-reset", _reset(token, "again-new-1"), status=400)


async def test_two_reset_mails_the_older_link_dies_with_the_first_use(env: AuthEnv) -> None:
    user = await env.user()
    await _post(env, "request-password-reset", {"email": user.email})
    await _post(env, "request-password-reset", {"email": user.email})
    first, second = (token_in(mail) for mail in await env.mails_to(user.email, 2))
    await _post(env, "confirm-password-reset", _reset(first, "brand-new-1"))
    await _post(env, "confirm-password-reset", _reset(second, "other-new-1"), status=400)


async def test_email_change(env: AuthEnv) -> None:
    user = await env.user()
    new_email = unique_email("moved")
    await _post(env, "request-email-change", {"newEmail": new_email}, token=user.token)
    mail = await env.mail_to(new_email)
    assert mail.subject == "Confirm your Acme new email address"
    token = token_in(mail)
    assert claims_of(token)["newEmail"] == new_email
    assert env.mail_count(user.email) == 0, "nothing goes to the old address"
    await _post(env, "confirm-email-change", {"token": token, "password": PASSWORD})
    response = await env.sign_in(new_email, PASSWORD)
    assert response.json()["record"]["email"] == new_email
    assert response.json()["record"]["verified"] is True
    assert (await env.sign_in(user.email, PASSWORD)).status_code == 400
    assert (await env.refresh(user.token)).status_code == 401


async def test_otp(env: AuthEnv) -> None:
    """The default OTP mail: an 8-digit code."""
    await env.auth_collection("otp_users", otp={"enabled": True})
    user = await env.user("otp_users", sign_in=False)
    response = await env.http.post("/api/collections/otp_users/request-otp", json={"email": user.email})
    mail = await env.mail_to(user.email)
    assert mail.subject == "OTP for Acme"
    code = mail.find(r"one-time password is: \*?\*?(\d{8})")
    signed_in = await env.http.post(
        "/api/collections/otp_users/auth-with-otp", json={"otpId": response.json()["otpId"], "password": code}
    )
    assert signed_in.status_code == 200, signed_in.text


async def test_the_app_url_and_the_collection_templates(env: AuthEnv) -> None:
    await env.settings({"meta": {"appURL": "https://app.example.com", "appName": "Shop"}})
    try:
        await _custom_templates(env)
    finally:
        await env.settings({"meta": {"appURL": "http://localhost:8090", "appName": "Acme"}})


async def _custom_templates(env: AuthEnv) -> None:
    template = {
        "subject": "Hi {{ record.name }}, reset for {APP_NAME}",
        "body": '<p>{{ record.name }}: <a href="{APP_URL}/reset?t={TOKEN}">go</a></p>',
    }
    await env.auth_collection("shoppers", resetPasswordTemplate=template)
    user = await env.user("shoppers", name="Ann <b>", sign_in=False)
    response = await env.http.post("/api/collections/shoppers/request-password-reset", json={"email": user.email})
    assert response.status_code == 204
    mail = await env.mail_to(user.email)
    assert mail.subject == "Hi Ann <b>, reset for Shop"
    assert "Ann &lt;b&gt;:" in mail.html
    link = mail.links()[0]
    assert link.startswith("https://app.example.com/reset?t=")
    token = re.sub(r"^.*\?t=", "", link)
    confirmed = await env.http.post(
        "/api/collections/shoppers/confirm-password-reset",
        json={"token": token, "password": "shop-new-1", "passwordConfirm": "shop-new-1"},
    )
    assert confirmed.status_code == 204


async def test_a_superuser_resets_its_password(env: AuthEnv) -> None:
    admin = await env.user("_superusers", sign_in=False)
    url = "/api/collections/_superusers"
    await env.http.post(f"{url}/request-password-reset", json={"email": admin.email})
    token = await env.mail_token(admin.email)
    response = await env.http.post(
        f"{url}/confirm-password-reset",
        json={"token": token, "password": "new-admin-pw", "passwordConfirm": "new-admin-pw"},
    )
    assert response.status_code == 204
    assert (await env.sign_in(admin.email, "new-admin-pw", "_superusers")).status_code == 200
