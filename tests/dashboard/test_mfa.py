"""Dashboard sign-in with MFA on for superusers: the password, then a mailed code (OTP) or an
authenticator code (TOTP); a wrong code signs nobody in."""

from __future__ import annotations

import re
import time

import httpx

from baas.auth.totp import code_at
from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, RunningServer
from tests.dashboard.helpers import csrf_of
from tests.mail.smtp_server import SmtpServer, configure_smtp

SUPERUSERS = "/api/collections/_superusers"


async def _password_step(http: httpx.AsyncClient) -> httpx.Response:
    page = await http.get("/_/login")
    form = {
        "_csrf": csrf_of(page.text),
        "email": SUPERUSER_EMAIL,
        "password": SUPERUSER_PASSWORD,
        "next": "/_/collections",
    }
    return await http.post("/_/login", data=form)


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


async def _code_step(http: httpx.AsyncClient, page: httpx.Response, code: str) -> httpx.Response:
    form = {name: _hidden(page.text, name) for name in ("_csrf", "next", "email", "method", "mfa_id", "otp_id")}
    return await http.post("/_/login/mfa", data={**form, "code": code})


async def test_mfa_with_a_mailed_code(server: RunningServer, admin: httpx.AsyncClient, smtp_server: SmtpServer) -> None:
    await configure_smtp(server, smtp_server)
    options = {"mfa": {"enabled": True}, "otp": {"enabled": True}}
    assert (await admin.patch(SUPERUSERS, json=options)).status_code == 200
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        second = await _password_step(http)
        assert second.status_code == 200, second.text
        assert "We emailed a one-time code" in second.text
        assert "baas_session" not in http.cookies, "the password alone opens nothing"
        [mail] = await smtp_server.wait_for(1)
        code = re.search(r"\b(\d{8})\b", mail.text).group(1)  # type: ignore[union-attr]

        wrong = await _code_step(http, second, "00000000" if code != "00000000" else "11111111")
        assert wrong.status_code == 400
        assert "Wrong or expired code." in wrong.text
        assert "baas_session" not in http.cookies

        signed_in = await _code_step(http, wrong, code)
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == "/_/collections"
        assert (await http.get("/_/collections")).status_code == 200


async def test_mfa_with_an_authenticator(server: RunningServer, admin: httpx.AsyncClient) -> None:
    secret = (await admin.post(f"{SUPERUSERS}/totp/setup")).json()["secret"]
    confirmed = await admin.post(f"{SUPERUSERS}/totp/confirm", json={"code": code_at(secret, time.time() - 30)})
    assert confirmed.status_code == 200, confirmed.text
    # OTP is on too (MFA needs two collection-wide methods); an enrolled authenticator goes first.
    options = {"mfa": {"enabled": True}, "otp": {"enabled": True}}
    assert (await admin.patch(SUPERUSERS, json=options)).status_code == 200
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        second = await _password_step(http)
        assert second.status_code == 200, second.text
        assert "authenticator app" in second.text
        signed_in = await _code_step(http, second, code_at(secret, time.time() + 30))
        assert signed_in.status_code == 303, signed_in.text
        assert (await http.get("/_/collections")).status_code == 200


async def test_mfa_without_a_second_method_is_explained(server: RunningServer, admin: httpx.AsyncClient) -> None:
    """Password + OAuth2 as the two methods: the dashboard cannot run OAuth2, so it says why."""
    provider = {"name": "github", "clientId": "id", "clientSecret": "secret"}
    options = {"mfa": {"enabled": True}, "oauth2": {"enabled": True, "providers": [provider]}}
    response = await admin.patch(SUPERUSERS, json=options)
    assert response.status_code == 200, response.text
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        refused = await _password_step(http)
        assert refused.status_code == 400
        assert "enable OTP or enrol TOTP for superusers" in refused.text
        assert "baas_session" not in http.cookies
