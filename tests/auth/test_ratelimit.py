"""Rate limits on the auth endpoints (settings ``rateLimits``): labels, audiences, superusers and excluded
IPs, the 429 answer with ``Retry-After``. The limiter's clock is the test's (``clock``), so windows end
without sleeping; each test starts hours after the previous one."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from baas.api import ratelimit
from tests.auth.support import PASSWORD, AuthEnv, User, unique_email

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOO_MANY = {"data": {}, "message": "Too Many Requests.", "status": 429}


_tests = itertools.count(1)


class Clock:
    def __init__(self) -> None:
        # Hours apart from one test to the next: every window of an earlier test is over.
        self.now = time.monotonic() + 10_000 * next(_tests)

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    frozen = Clock()
    monkeypatch.setattr(ratelimit, "time", frozen)
    return frozen


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def people(env: AuthEnv) -> AsyncIterator[dict[str, User]]:
    await env.auth_collection("members", otp={"enabled": True})
    yield {"user": await env.user(), "member": await env.user("members")}


async def limits(env: AuthEnv, *rules: tuple[str, int, int] | tuple[str, int, int, str], **extra: Any) -> None:
    """Turn rate limiting on with ``(label, maxRequests, duration[, audience])`` rules."""
    body = [
        {"label": r[0], "maxRequests": r[1], "duration": r[2], "audience": r[3] if len(r) > 3 else ""} for r in rules
    ]
    await env.settings({"rateLimits": {"enabled": True, "rules": body, "excludedIPs": [], **extra}})


async def sign_in(env: AuthEnv, user: User, token: str = "") -> httpx.Response:
    headers = {"Authorization": token} if token else {}
    return await env.sign_in(user.email, PASSWORD, user.collection, headers=headers)


async def statuses(times: int, send: Any) -> list[int]:
    return [(await send()).status_code for _ in range(times)]


async def test_over_the_limit(env: AuthEnv, people: dict[str, User], clock: Clock) -> None:
    await limits(env, ("*:auth", 2, 60))
    user = people["user"]
    assert await statuses(2, lambda: sign_in(env, user)) == [200, 200]
    clock.now += 20
    refused = await sign_in(env, user)
    assert refused.status_code == 429
    assert refused.json() == TOO_MANY
    assert refused.headers["retry-after"] == "40"
    assert refused.headers["content-type"] == "application/json"
    clock.now += 39.5
    assert (await sign_in(env, user)).headers["retry-after"] == "1"
    clock.now += 0.5
    assert await statuses(3, lambda: sign_in(env, user)) == [200, 200, 429], "a new window"


async def test_a_refused_request_does_nothing(env: AuthEnv, people: dict[str, User], clock: Clock) -> None:
    user = await env.user(sign_in=False)
    await limits(env, ("*:auth", 1, 60))
    reset = "/api/collections/users/request-password-reset"
    answers = await statuses(3, lambda: env.http.post(reset, json={"email": user.email}))
    assert answers == [204, 429, 429]
    assert len(await env.outbox(user.email)) == 1


async def test_the_collection_label_comes_first(env: AuthEnv, people: dict[str, User], clock: Clock) -> None:
    await limits(env, ("*:auth", 1, 60), ("users:authWithPassword", 3, 60))
    assert await statuses(4, lambda: sign_in(env, people["user"])) == [200, 200, 200, 429]
    assert await statuses(2, lambda: sign_in(env, people["member"])) == [200, 429]


async def test_each_endpoint_counts_on_its_own(env: AuthEnv, people: dict[str, User], clock: Clock) -> None:
    """As in PocketBase, a rule's counter is kept per collection and route."""
    await limits(env, ("*:auth", 1, 60))
    email = people["member"].email
    assert await statuses(2, lambda: sign_in(env, people["member"])) == [200, 429]
    assert await statuses(2, lambda: sign_in(env, people["user"])) == [200, 429]
    otp = "/api/collections/members/request-otp"
    assert await statuses(2, lambda: env.http.post(otp, json={"email": email})) == [200, 429]
    verify = "/api/collections/members/request-verification"
    assert await statuses(2, lambda: env.http.post(verify, json={"email": email})) == [204, 429]


async def test_refresh_and_auth_methods_have_their_own_labels(
    env: AuthEnv, people: dict[str, User], clock: Clock
) -> None:
    user = people["user"]
    await limits(env, ("*:auth", 1, 60))
    assert await statuses(3, lambda: env.refresh(user.token)) == [200] * 3, "auth-refresh is not an auth action"
    methods = "/api/collections/users/auth-methods"
    assert await statuses(3, lambda: env.http.get(methods)) == [200] * 3
    await limits(env, ("*:authRefresh", 1, 60), ("users:listAuthMethods", 1, 60))
    assert await statuses(2, lambda: env.refresh(user.token)) == [200, 429]
    assert await statuses(2, lambda: env.http.get(methods)) == [200, 429]


@pytest.mark.parametrize(
    ("label", "path", "body"),
    [
        ("*:authWithOTP", "auth-with-otp", {"otpId": "nosuchotp000000", "password": "123456"}),
        ("*:requestOTP", "request-otp", {"email": "x@example.com"}),
        ("*:requestVerification", "request-verification", {"email": "x@example.com"}),
        ("*:confirmVerification", "confirm-verification", {"token": "x"}),
        ("*:requestPasswordReset", "request-password-reset", {"email": "x@example.com"}),
        ("*:confirmPasswordReset", "confirm-password-reset", {"token": "x", "password": "x", "passwordConfirm": "x"}),
        ("*:confirmEmailChange", "confirm-email-change", {"token": "x", "password": "x"}),
        ("*:authWithTOTP", "auth-with-totp", {"mfaId": "x", "code": "123456"}),
    ],
)
async def test_action_labels(
    env: AuthEnv, people: dict[str, User], clock: Clock, label: str, path: str, body: dict[str, str]
) -> None:
    await limits(env, (label, 1, 60))
    url = f"/api/collections/members/{path}"
    first, second = await statuses(2, lambda: env.http.post(url, json=body))
    assert first != 429
    assert second == 429


async def test_signed_in_actions(env: AuthEnv, people: dict[str, User], clock: Clock) -> None:
    user = await env.user()
    headers = {"Authorization": user.token}
    await limits(env, ("*:requestEmailChange", 1, 60), ("*:totpSetup", 1, 60))
    change = "/api/collections/users/request-email-change"
    assert await statuses(2, lambda: env.http.post(change, json={"newEmail": unique_email()}, headers=headers)) == [
        204,
        429,
    ]
    setup = "/api/collections/users/totp/setup"
    assert await statuses(2, lambda: env.http.post(setup, headers=headers)) == [200, 429]


async def test_audiences(env: AuthEnv, people: dict[str, User], clock: Clock) -> None:
    user, other = people["user"], await env.user()
    await limits(env, ("*:auth", 1, 60, "@guest"))
    assert await statuses(3, lambda: sign_in(env, user, other.token)) == [200] * 3, "@guest: a signed-in caller"
    assert await statuses(2, lambda: sign_in(env, user)) == [200, 429]
    assert await statuses(2, lambda: sign_in(env, user, "an-invalid-token")) == [429, 429], "a bad token is a guest"
    await limits(env, ("*:auth", 1, 60, "@auth"))
    assert await statuses(3, lambda: sign_in(env, user)) == [200] * 3, "@auth: a guest"
    assert await statuses(2, lambda: sign_in(env, user, other.token)) == [200, 429]


async def test_an_audience_rule_before_the_general_one(env: AuthEnv, people: dict[str, User], clock: Clock) -> None:
    user, other = people["user"], await env.user()
    await limits(env, ("*:auth", 1, 60, "@guest"), ("*:auth", 3, 60))
    assert await statuses(2, lambda: sign_in(env, user)) == [200, 429]
    assert await statuses(4, lambda: sign_in(env, user, other.token)) == [200, 200, 200, 429]


async def test_superusers_and_excluded_ips(env: AuthEnv, people: dict[str, User], clock: Clock) -> None:
    await limits(env, ("/api/", 1, 60))
    assert await statuses(4, lambda: env.api.call("GET", "/api/collections")) == [200] * 4, "superusers"
    assert await statuses(2, lambda: env.http.get("/api/health")) == [200, 429]
    await limits(env, ("/api/", 1, 60), excludedIPs=["127.0.0.1"])
    assert await statuses(3, lambda: env.http.get("/api/health")) == [200] * 3


async def test_path_labels(env: AuthEnv, people: dict[str, User], clock: Clock) -> None:
    await limits(env, ("POST /api/collections/users/auth-with-password", 1, 60))
    assert await statuses(2, lambda: sign_in(env, people["user"])) == [200, 429]
    assert await statuses(2, lambda: sign_in(env, people["member"])) == [200, 200]
    await limits(env, ("/api/collections/members/", 1, 60))
    assert await statuses(2, lambda: sign_in(env, people["member"])) == [200, 429]
    assert await statuses(2, lambda: sign_in(env, people["user"])) == [200, 200]


async def test_turned_off(env: AuthEnv, people: dict[str, User], clock: Clock) -> None:
    await env.settings(
        {
            "rateLimits": {
                "enabled": False,
                "rules": [{"label": "*:auth", "maxRequests": 1, "duration": 60, "audience": ""}],
            }
        }
    )
    assert await statuses(3, lambda: sign_in(env, people["user"])) == [200] * 3


async def test_the_baas_default(env: AuthEnv, people: dict[str, User], clock: Clock) -> None:
    """baas turns ``*:auth`` 4 per 3 s on out of the box."""
    from baas.settings.model import default_settings

    await env.settings({"rateLimits": default_settings()["rateLimits"]})
    assert await statuses(5, lambda: sign_in(env, people["user"])) == [200] * 4 + [429]
    clock.now += 3
    assert (await sign_in(env, people["user"])).status_code == 200


async def test_counters_survive_a_settings_reload(env: AuthEnv, people: dict[str, User], clock: Clock) -> None:
    """Mail delivery (and any process saving settings) reloads the settings; the windows must go on, or
    every mailed request would reset its own limit."""
    user = await env.user(sign_in=False)
    await limits(env, ("*:requestPasswordReset", 1, 60))
    reset = "/api/collections/users/request-password-reset"
    assert (await env.http.post(reset, json={"email": user.email})).status_code == 204
    await env.mail_to(user.email)
    await env.server.runtime.app_settings.reload(env.server.runtime.engine)
    assert (await env.http.post(reset, json={"email": user.email})).status_code == 429


async def test_new_rules_count_afresh(env: AuthEnv, people: dict[str, User], clock: Clock) -> None:
    await limits(env, ("*:auth", 1, 60))
    assert await statuses(2, lambda: sign_in(env, people["user"])) == [200, 429]
    await limits(env, ("*:auth", 2, 60))
    assert await statuses(3, lambda: sign_in(env, people["user"])) == [200, 200, 429]
