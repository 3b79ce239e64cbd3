"""No user enumeration: for a known and an unknown address (or identity), every ``request-*`` endpoint and
every sign-in failure answers the same status, headers and body, and runs the same password-hashing
work.

Timings are not asserted (the project forbids timing assertions: they are flaky on shared CI). What
makes the timing equal is checked instead: the argon2 hasher, which dominates the cost, is called the
same number of times on both paths (a dummy hash is verified for an unknown identity; an OTP code is
hashed before the address is looked up). The remaining difference on ``request-verification`` and
``request-password-reset`` is that a known address queues a mail in the same transaction (a template
render and one INSERT, far below network jitter); the mail itself is sent in the background.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from baas.auth.passwords import PasswordHasher
from tests.auth.flows import OTP_OPTIONS
from tests.auth.support import PASSWORD, AuthEnv, User, auth_collection_body, unique_email

pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class People:
    plain: User  # unverified, in ``people`` (OTP on, username identity)
    verified: User


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def people(env: AuthEnv) -> AsyncIterator[People]:
    body = auth_collection_body(
        "people", username=True, passwordAuth={"identityFields": ["email", "username"]}, otp=OTP_OPTIONS
    )
    await env.ok("POST", "/api/collections", body)
    plain = await env.user("people", username="plain")
    verified = await env.user("people", verified=True, username="checked")
    yield People(plain=plain, verified=verified)


@dataclass(frozen=True)
class Pair:
    """One request for a record that exists and the same for one that does not."""

    name: str
    path: str
    known: dict[str, str]
    unknown: dict[str, str]
    auth: str = ""


KNOWN, VERIFIED, UNKNOWN = "$known", "$verified", "$unknown"
PAIRS = [
    Pair("request-verification", "request-verification", {"email": KNOWN}, {"email": UNKNOWN}),
    Pair("request-verification, a verified record", "request-verification", {"email": VERIFIED}, {"email": UNKNOWN}),
    Pair("request-password-reset", "request-password-reset", {"email": KNOWN}, {"email": UNKNOWN}),
    Pair(
        "request-email-change to a taken address",
        "request-email-change",
        {"newEmail": VERIFIED},
        {"newEmail": UNKNOWN},
        auth="$token",
    ),
    Pair(
        "auth-with-password, wrong password",
        "auth-with-password",
        {"identity": KNOWN, "password": "wrong-pw-1"},
        {"identity": UNKNOWN, "password": "wrong-pw-1"},
    ),
    Pair(
        "auth-with-password, username",
        "auth-with-password",
        {"identity": "plain", "password": "wrong-pw-1"},
        {"identity": "nobody", "password": "wrong-pw-1"},
    ),
    Pair(
        "auth-with-password, the right password of another",
        "auth-with-password",
        {"identity": KNOWN, "password": "not-" + PASSWORD},
        {"identity": UNKNOWN, "password": PASSWORD},
    ),
]


def _fill(body: dict[str, str], people: People, unknown: str) -> dict[str, str]:
    values = {KNOWN: people.plain.email, VERIFIED: people.verified.email, UNKNOWN: unknown}
    return {k: values.get(v, v) for k, v in body.items()}


def _shape(response: httpx.Response) -> tuple[int, str, list[tuple[str, str]]]:
    headers = sorted((k, v) for k, v in response.headers.items() if k.lower() != "date")
    return response.status_code, response.text, headers


@pytest.mark.parametrize("pair", [pytest.param(p, id=p.name) for p in PAIRS])
async def test_same_answer(env: AuthEnv, people: People, pair: Pair) -> None:
    headers = {"Authorization": people.plain.token} if pair.auth else {}
    url = f"/api/collections/people/{pair.path}"
    known = await env.http.post(url, json=_fill(pair.known, people, unique_email("ghost")), headers=headers)
    unknown = await env.http.post(url, json=_fill(pair.unknown, people, unique_email("ghost")), headers=headers)
    assert known.status_code in (204, 400)
    assert _shape(known) == _shape(unknown)


async def test_request_otp_answers_alike(env: AuthEnv, people: People) -> None:
    url = "/api/collections/people/request-otp"
    known = await env.http.post(url, json={"email": people.plain.email})
    unknown = await env.http.post(url, json={"email": unique_email("ghost")})
    for response in (known, unknown):
        assert response.status_code == 200
        assert list(response.json()) == ["otpId"]
        assert re.fullmatch(r"[a-z0-9]{15}", response.json()["otpId"])
    assert sorted(known.headers) == sorted(unknown.headers)


async def test_auth_with_otp_fails_alike(env: AuthEnv, people: People) -> None:
    """A wrong code for a real otpId and any code for the otpId an unknown address got."""
    url = "/api/collections/people"
    real = (await env.http.post(f"{url}/request-otp", json={"email": people.plain.email})).json()["otpId"]
    ghost = (await env.http.post(f"{url}/request-otp", json={"email": unique_email("ghost")})).json()["otpId"]
    wrong = await env.http.post(f"{url}/auth-with-otp", json={"otpId": real, "password": "000000"})
    fake = await env.http.post(f"{url}/auth-with-otp", json={"otpId": ghost, "password": "000000"})
    assert _shape(wrong) == _shape(fake)
    assert wrong.json() == {"data": {}, "message": "Invalid or expired OTP.", "status": 400}


# ----- the same work: the hasher is called the same way on both paths --------------------------------


class Spy:
    def __init__(self) -> None:
        self.calls: list[str] = []


@pytest.fixture
def hasher_spy(env: AuthEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    spy = Spy()
    hasher: PasswordHasher = env.server.runtime.hasher
    original_verify, original_hash = hasher.verify, hasher.hash

    async def verify(stored_hash: str | None, password: str) -> bool:
        spy.calls.append("verify")
        return await original_verify(stored_hash, password)

    async def hash_(password: str) -> str:
        spy.calls.append("hash")
        return await original_hash(password)

    monkeypatch.setattr(hasher, "verify", verify)
    monkeypatch.setattr(hasher, "hash", hash_)
    return spy


WORK = [
    (
        "auth-with-password",
        {"identity": KNOWN, "password": "wrong-pw-1"},
        {"identity": UNKNOWN, "password": "x-pw-1"},
        ["verify"],
    ),
    ("request-otp", {"email": KNOWN}, {"email": UNKNOWN}, ["hash"]),
    ("request-password-reset", {"email": KNOWN}, {"email": UNKNOWN}, []),
    ("request-verification", {"email": KNOWN}, {"email": UNKNOWN}, []),
]


@pytest.mark.parametrize(("path", "known", "unknown", "expected"), WORK, ids=[w[0] for w in WORK])
async def test_same_hashing_work(
    env: AuthEnv,
    people: People,
    hasher_spy: Spy,
    path: str,
    known: dict[str, str],
    unknown: dict[str, str],
    expected: list[str],
) -> None:
    url = f"/api/collections/people/{path}"
    await env.http.post(url, json=_fill(known, people, ""))
    known_calls, hasher_spy.calls = hasher_spy.calls, []
    await env.http.post(url, json=_fill(unknown, people, unique_email("ghost")))
    assert known_calls == hasher_spy.calls == expected


async def test_otp_verification_work(env: AuthEnv, people: People, hasher_spy: Spy) -> None:
    url = "/api/collections/people"
    real = (await env.http.post(f"{url}/request-otp", json={"email": people.plain.email})).json()["otpId"]
    ghost = (await env.http.post(f"{url}/request-otp", json={"email": unique_email("ghost")})).json()["otpId"]
    hasher_spy.calls.clear()
    await env.http.post(f"{url}/auth-with-otp", json={"otpId": real, "password": "000000"})
    wrong_calls, hasher_spy.calls = hasher_spy.calls, []
    await env.http.post(f"{url}/auth-with-otp", json={"otpId": ghost, "password": "000000"})
    assert wrong_calls == hasher_spy.calls == ["verify"]


async def test_a_dummy_hash_is_verified_for_unknown_identities(
    env: AuthEnv, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The argon2 verification really runs (against the dummy hash), not a shortcut."""
    hasher: PasswordHasher = env.server.runtime.hasher
    seen: list[Any] = []
    original = hasher._verify

    def spy(stored_hash: str | None, password: str) -> bool:
        seen.append(stored_hash)
        return original(stored_hash, password)

    monkeypatch.setattr(hasher, "_verify", spy)
    response = await env.sign_in(unique_email("ghost"), "some-password", "people")
    assert response.status_code == 400
    assert seen == [None], "verify(None, ...) checks the password against the dummy hash"
    assert hasher._verify(None, "baas-dummy-password") is False
