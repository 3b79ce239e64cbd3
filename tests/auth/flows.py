"""Sign-in steps shared by the OTP, MFA, TOTP and lockout tests: a code from the mail, one step of an
MFA sign-in, and TOTP enrolment under a test-controlled clock."""

from __future__ import annotations

import re
import time

import httpx

from baas.auth import totp
from tests.auth.support import PASSWORD, AuthEnv, User

__all__ = [
    "MFA_OPTIONS",
    "OTP_OPTIONS",
    "TotpClock",
    "enrol",
    "mfa_id_of",
    "otp_code",
    "step",
    "totp_step",
    "with_totp",
]

# The otpId in the mail tells which mail carries which code (the outbox sends several at once).
OTP_TEMPLATE = {"subject": "Your code", "body": "<p>Code {OTP_ID}: <strong>{OTP}</strong></p>"}
OTP_OPTIONS = {"enabled": True, "duration": 60, "length": 6, "emailTemplate": OTP_TEMPLATE}
MFA_OPTIONS = {"otp": OTP_OPTIONS, "mfa": {"enabled": True, "duration": 60}}


async def otp_code(env: AuthEnv, email: str, otp_id: str) -> str:
    """The code mailed to ``email`` for ``otp_id`` (a collection using ``OTP_OPTIONS``)."""
    for number in range(1, 100):
        mail = await env.mail_to(email, number)
        if otp_id in mail.text:
            return mail.find(rf"Code {otp_id}: (\d{{6}})")
    raise AssertionError(f"no mail for {otp_id}")


async def step(
    env: AuthEnv, method: str, user: User, mfa_id: str = "", *, where: str = "body", password: str = PASSWORD
) -> httpx.Response:
    """One sign-in with ``method`` (``password``, or ``otp``: request a code and use it), carrying
    ``mfa_id`` in the body or the query string; a wrong ``password`` also sends a wrong code."""
    base = f"/api/collections/{user.collection}"
    extra = {"mfaId": mfa_id} if mfa_id and where == "body" else {}
    query = f"?mfaId={mfa_id}" if mfa_id and where == "query" else ""
    if method == "password":
        body = {"identity": user.email, "password": password, **extra}
        return await env.http.post(f"{base}/auth-with-password{query}", json=body)
    requested = await env.http.post(f"{base}/request-otp", json={"email": user.email})
    otp_id = requested.json()["otpId"]
    code = await otp_code(env, user.email, otp_id) if password == PASSWORD else "000000"
    return await env.http.post(f"{base}/auth-with-otp{query}", json={"otpId": otp_id, "password": code, **extra})


def mfa_id_of(response: httpx.Response) -> str:
    """The body of PocketBase's MFA answer: 401 with only ``mfaId``."""
    assert response.status_code == 401, response.text
    body = response.json()
    assert set(body) == {"mfaId"}, body
    assert re.fullmatch(r"[a-z0-9]{15}", body["mfaId"])
    return str(body["mfaId"])


class TotpClock:
    """The server's TOTP time (installed by the ``totp_clock`` fixture): the middle of a 30 s step."""

    def __init__(self) -> None:
        self.now = (time.time() // totp.STEP) * totp.STEP + totp.STEP / 2

    def time(self) -> float:
        return self.now

    def step(self, steps: int = 1) -> None:
        self.now += steps * totp.STEP

    def code(self, secret: str, steps: int = 0) -> str:
        """What an authenticator shows ``steps`` steps from now."""
        return totp.code_at(secret, self.now + steps * totp.STEP)


async def enrol(env: AuthEnv, user: User, clock: TotpClock) -> tuple[str, list[str]]:
    """Set TOTP up and confirm it with the current code; the clock then moves to the next step.
    Returns the secret and the recovery codes."""
    base = f"/api/collections/{user.collection}"
    secret = (await env.ok("POST", f"{base}/totp/setup", auth=user.token))["secret"]
    confirmed = await env.ok("POST", f"{base}/totp/confirm", {"code": clock.code(secret)}, auth=user.token)
    clock.step()
    return secret, confirmed["recoveryCodes"]


async def totp_step(env: AuthEnv, user: User) -> str:
    """The password step of an enrolled record: its mfaId."""
    return mfa_id_of(await env.sign_in(user.email, user.password, user.collection))


async def with_totp(env: AuthEnv, user: User, mfa_id: str, code: str) -> int:
    response = await env.http.post(
        f"/api/collections/{user.collection}/auth-with-totp", json={"mfaId": mfa_id, "code": code}
    )
    return response.status_code
