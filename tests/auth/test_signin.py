"""What every sign-in passes through: the collection's ``authRule`` (also on refresh, as PocketBase), and
the login alert mailed on a sign-in from a new device."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.api.scenarios import GUEST, SUPERUSER, Call, Scenario, params, run
from tests.auth.flows import OTP_OPTIONS, otp_code
from tests.auth.support import PASSWORD, AuthEnv, bind

pytestmark = pytest.mark.asyncio(loop_scope="module")

REFUSED = {
    "data": {},
    "message": "The request doesn't satisfy the collection requirements to authenticate.",
    "status": 403,
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ruled(env: AuthEnv) -> AsyncIterator[None]:
    otp = OTP_OPTIONS
    await env.auth_collection("closed", authRule=None)
    await env.auth_collection("checked", authRule="verified = true", otp=otp)
    await env.auth_collection("headed", authRule="@request.headers.x_client = 'app'")
    await env.auth_collection("contexted", authRule="@request.context = 'otp'", otp=otp)
    yield


def _sign_in(
    name: str, collection: str, *, status: int = 200, verified: bool = False, headers: dict[str, str] | None = None
) -> object:
    scenario = Scenario(
        name,
        "POST",
        f"/api/collections/{collection}/auth-with-password",
        {"identity": "$email", "password": PASSWORD},
        auth=GUEST,
        status=status,
        headers=headers or {},
        contains=[REFUSED] if status == 403 else [{"record": {"id": "$id"}}],
        unchanged=status == 403,
    )
    return pytest.param(scenario, collection, verified, id=name)


AUTH_RULE = [
    _sign_in("authRule null", "closed", status=403, verified=True),
    _sign_in("verified = true: unverified", "checked", status=403),
    _sign_in("verified = true: verified", "checked", verified=True),
    _sign_in("a header rule: without it", "headed", status=403),
    _sign_in("a header rule: with it", "headed", headers={"X-Client": "app"}),
    _sign_in("a context rule: password is not otp", "contexted", status=403),
]


@pytest.mark.parametrize(("scenario", "collection", "verified"), AUTH_RULE)
async def test_auth_rule(env: AuthEnv, ruled: None, scenario: Scenario, collection: str, verified: bool) -> None:
    user = await env.user(collection, sign_in=False, verified=verified)
    await run(env.api, bind(scenario, email=user.email, id=user.id))


async def test_an_otp_sign_in_verifies_before_the_rule(env: AuthEnv, ruled: None) -> None:
    """``verified = true`` lets an unverified record in through OTP: the code proves the address."""
    for collection in ("checked", "contexted"):
        user = await env.user(collection, sign_in=False)
        otp_id = (await env.http.post(f"/api/collections/{collection}/request-otp", json={"email": user.email})).json()[
            "otpId"
        ]
        code = await otp_code(env, user.email, otp_id)
        response = await env.http.post(
            f"/api/collections/{collection}/auth-with-otp", json={"otpId": otp_id, "password": code}
        )
        assert response.status_code == 200, (collection, response.text)


REFRESH = [
    Scenario(
        "refresh after the record fails the rule",
        "POST",
        "/api/collections/checked/auth-refresh",
        auth="$token",
        setup=[Call("PATCH", "/api/collections/checked/records/$id", {"verified": False})],
        status=403,
        contains=[REFUSED],
    ),
    Scenario(
        "refresh after the rule became null",
        "POST",
        "/api/collections/checked/auth-refresh",
        auth="$token",
        setup=[Call("PATCH", "/api/collections/checked", {"authRule": None})],
        status=403,
        contains=[REFUSED],
    ),
    Scenario(
        "refresh of an impersonation token: the rule too",
        "POST",
        "/api/collections/checked/auth-refresh",
        auth="$impersonated",
        setup=[Call("PATCH", "/api/collections/checked/records/$id", {"verified": False})],
        status=403,
        contains=[REFUSED],
    ),
    Scenario(
        "a superuser impersonates despite the rule",
        "POST",
        "/api/collections/checked/impersonate/$id",
        auth=SUPERUSER,
        setup=[Call("PATCH", "/api/collections/checked", {"authRule": None})],
        contains=[{"record": {"id": "$id"}}],
    ),
    Scenario(
        "refresh while the rule holds",
        "POST",
        "/api/collections/checked/auth-refresh",
        auth="$token",
        contains=[{"record": {"id": "$id"}}],
    ),
]


@pytest.mark.parametrize("scenario", params(REFRESH))
async def test_auth_rule_on_refresh(env: AuthEnv, ruled: None, scenario: Scenario) -> None:
    user = await env.user("checked", verified=True)
    impersonated = (await env.ok("POST", f"/api/collections/checked/impersonate/{user.id}"))["token"]
    try:
        await run(env.api, bind(scenario, token=user.token, id=user.id, impersonated=impersonated))
    finally:
        await env.ok("PATCH", "/api/collections/checked", {"authRule": "verified = true"})


# ----- login alerts ---------------------------------------------------------------------------------

ALERT = "Login from a new location"


async def _sign_in_as(env: AuthEnv, email: str, agent: str, collection: str = "users") -> None:
    response = await env.sign_in(email, PASSWORD, collection, headers={"User-Agent": agent})
    assert response.status_code == 200, response.text


async def _alerts(env: AuthEnv, email: str) -> list[str]:
    return [row["html"] for row in await env.outbox(email) if row["subject"] == ALERT]


async def test_a_new_device_gets_an_alert(env: AuthEnv) -> None:
    user = await env.user(sign_in=False)
    await _sign_in_as(env, user.email, "Laptop/1.0")
    await _sign_in_as(env, user.email, "Laptop/1.0")
    assert await _alerts(env, user.email) == [], "the first device and a known one: no alert"
    await _sign_in_as(env, user.email, "Phone/2.0 <script>")
    mail = await env.mail_to(user.email)
    assert mail.subject == ALERT
    assert "Phone/2.0 &lt;script&gt;" in mail.html
    assert "127.0.0.1" in mail.text
    assert "Laptop" not in mail.html
    await _sign_in_as(env, user.email, "Phone/2.0 <script>")
    await _sign_in_as(env, user.email, "Laptop/1.0")
    assert len(await _alerts(env, user.email)) == 1, "both devices are known now"


async def test_only_the_last_five_devices_are_remembered(env: AuthEnv) -> None:
    user = await env.user(sign_in=False)
    for number in range(6):
        await _sign_in_as(env, user.email, f"Device/{number}")
    assert len(await _alerts(env, user.email)) == 5
    await _sign_in_as(env, user.email, "Device/5")
    assert len(await _alerts(env, user.email)) == 5
    await _sign_in_as(env, user.email, "Device/0")
    assert len(await _alerts(env, user.email)) == 6, "the oldest device was forgotten"


async def test_no_alert_when_turned_off_or_failed(env: AuthEnv) -> None:
    await env.auth_collection("quiet", authAlert={"enabled": False})
    quiet = await env.user("quiet", sign_in=False)
    await _sign_in_as(env, quiet.email, "A/1", "quiet")
    await _sign_in_as(env, quiet.email, "B/1", "quiet")
    user = await env.user(sign_in=False)
    await _sign_in_as(env, user.email, "A/1")
    failed = await env.sign_in(user.email, "wrong-password", headers={"User-Agent": "B/1"})
    assert failed.status_code == 400
    token = (await env.sign_in(user.email, PASSWORD, headers={"User-Agent": "A/1"})).json()["token"]
    refreshed = await env.http.post(
        "/api/collections/users/auth-refresh", headers={"Authorization": token, "User-Agent": "C/1"}
    )
    assert refreshed.status_code == 200
    impersonated = await env.api.call(
        "POST", f"/api/collections/users/impersonate/{user.id}", headers={"User-Agent": "D/1"}
    )
    assert impersonated.status_code == 200
    assert await _alerts(env, quiet.email) == []
    assert await _alerts(env, user.email) == [], "failures, refreshes and impersonation are not sign-ins"


async def test_an_alert_for_other_methods_too(env: AuthEnv, ruled: None) -> None:
    user = await env.user("checked", sign_in=False, verified=True)
    await _sign_in_as(env, user.email, "Laptop/1.0", "checked")
    otp_id = (await env.http.post("/api/collections/checked/request-otp", json={"email": user.email})).json()["otpId"]
    code = await otp_code(env, user.email, otp_id)
    response = await env.http.post(
        "/api/collections/checked/auth-with-otp",
        json={"otpId": otp_id, "password": code},
        headers={"User-Agent": "Tablet/3.0"},
    )
    assert response.status_code == 200
    assert len(await _alerts(env, user.email)) == 1


async def test_sign_ins_at_once_from_one_new_device(env: AuthEnv) -> None:
    """No error and a single alert when one new device signs in several times at once."""
    user = await env.user(sign_in=False)
    await _sign_in_as(env, user.email, "Laptop/1.0")
    answers = await asyncio.gather(
        *(env.sign_in(user.email, PASSWORD, headers={"User-Agent": "Phone/9"}) for _ in range(4))
    )
    assert [a.status_code for a in answers] == [200] * 4
    assert len(await _alerts(env, user.email)) == 1
