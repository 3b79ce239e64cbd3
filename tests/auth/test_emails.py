"""Verification, password reset and email change: the ``request-*`` answers (and which mail they
queue), and the ``confirm-*`` answers for good and bad tokens. The mails themselves are followed end
to end in ``test_mail_flows``."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import pytest_asyncio

from tests.api.scenarios import GUEST, SUPERUSER, Scenario, run
from tests.auth.support import PASSWORD, AuthEnv, User, bind, signed_with, tampered, unique_email, unsigned

pytestmark = pytest.mark.asyncio(loop_scope="module")

USERS = "/api/collections/users"
REQUIRED = {"code": "validation_required", "message": "Cannot be blank."}
IS_EMAIL = {"code": "validation_is_email", "message": "Must be a valid email address."}
LOADING = {"data": {}, "message": "An error occurred while loading the submitted data."}


def _request(
    name: str,
    path: str,
    body: Any,
    *,
    mails: int,
    to: str = "$email",
    status: int = 204,
    auth: str = GUEST,
    contains: list[Any] | None = None,
) -> Any:
    scenario = Scenario(
        name, "POST", f"{USERS}/{path}", body, auth=auth, status=status, contains=contains or [], unchanged=True
    )
    return pytest.param(scenario, to, mails, id=name)


REQUESTS = [
    _request("verification: an unverified record", "request-verification", {"email": "$email"}, mails=1),
    _request(
        "verification: signed in as that record", "request-verification", {"email": "$email"}, mails=1, auth="$token"
    ),
    _request(
        "verification: a verified record", "request-verification", {"email": "$verified"}, mails=0, to="$verified"
    ),
    _request("verification: an unknown address", "request-verification", {"email": "$unknown"}, mails=0, to="$unknown"),
    _request(
        "verification: the address in another case", "request-verification", {"email": "$upper"}, mails=0, to="$upper"
    ),
    _request(
        "verification: a members address on users", "request-verification", {"email": "$member"}, mails=0, to="$member"
    ),
    _request(
        "verification: no email",
        "request-verification",
        {},
        mails=0,
        status=400,
        contains=[{"data": {"email": REQUIRED}}],
    ),
    _request(
        "verification: not an email",
        "request-verification",
        {"email": "nope"},
        mails=0,
        status=400,
        contains=[{"data": {"email": IS_EMAIL}}],
    ),
    _request(
        "verification: email as a number", "request-verification", {"email": 5}, mails=0, status=400, contains=[LOADING]
    ),
    _request("reset: an unverified record", "request-password-reset", {"email": "$email"}, mails=1),
    _request("reset: a verified record", "request-password-reset", {"email": "$verified"}, mails=1, to="$verified"),
    _request("reset: an unknown address", "request-password-reset", {"email": "$unknown"}, mails=0, to="$unknown"),
    _request(
        "reset: no email",
        "request-password-reset",
        {"email": ""},
        mails=0,
        status=400,
        contains=[{"data": {"email": REQUIRED}}],
    ),
    _request(
        "reset: not an email",
        "request-password-reset",
        {"email": "a@b@c"},
        mails=0,
        status=400,
        contains=[{"data": {"email": IS_EMAIL}}],
    ),
    _request(
        "email change: signed in",
        "request-email-change",
        {"newEmail": "$unknown"},
        mails=1,
        to="$unknown",
        auth="$token",
    ),
    _request(
        "email change: nothing to the old address",
        "request-email-change",
        {"newEmail": "$unknown"},
        mails=0,
        auth="$token",
    ),
    _request(
        "email change: a guest",
        "request-email-change",
        {"newEmail": "$unknown"},
        mails=0,
        to="$unknown",
        status=401,
        contains=[{"message": "The request requires valid record authorization token."}],
    ),
    _request(
        "email change: a members token",
        "request-email-change",
        {"newEmail": "$unknown"},
        mails=0,
        to="$unknown",
        auth="$member_token",
        status=403,
        contains=[{"message": "The request requires auth record from members collection."}],
    ),
    _request(
        "email change: a superuser token",
        "request-email-change",
        {"newEmail": "$unknown"},
        mails=0,
        to="$unknown",
        auth=SUPERUSER,
        status=403,
    ),
    _request(
        "email change: another record's address answers alike, sends nothing",
        "request-email-change",
        {"newEmail": "$verified"},
        mails=0,
        to="$verified",
        auth="$token",
    ),
    _request(
        "email change: the current address",
        "request-email-change",
        {"newEmail": "$email"},
        mails=0,
        auth="$token",
        status=400,
        contains=[{"data": {"newEmail": {"code": "validation_email_taken"}}}],
    ),
    _request(
        "email change: no address",
        "request-email-change",
        {},
        mails=0,
        auth="$token",
        status=400,
        contains=[{"data": {"newEmail": REQUIRED}}],
    ),
    _request(
        "email change: not an address",
        "request-email-change",
        {"newEmail": "x y@z"},
        mails=0,
        auth="$token",
        status=400,
        contains=[{"data": {"newEmail": IS_EMAIL}}],
    ),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def members(env: AuthEnv) -> str:
    await env.auth_collection("members")
    return "members"


@pytest.mark.parametrize(("scenario", "to", "mails"), REQUESTS)
async def test_requests(env: AuthEnv, members: str, scenario: Scenario, to: str, mails: int) -> None:
    user = await env.user()
    verified = await env.user(verified=True, sign_in=False)
    member = await env.user(members)
    values = {
        "email": user.email,
        "token": user.token,
        "verified": verified.email,
        "unknown": unique_email("new"),
        "upper": user.email.upper(),
        "member": member.email,
        "member_token": member.token,
    }
    response = await run(env.api, bind(scenario, **values))
    if response.status_code == 204:
        assert response.content == b""
    address = bind(Scenario("", "", to), **values).url
    assert len(await env.outbox(address)) == mails


# ----- confirmations: a token made by a recipe, then a scenario -------------------------------------

KINDS = {
    "confirm-verification": "verification",
    "confirm-password-reset": "passwordReset",
    "confirm-email-change": "emailChange",
}


async def _token(env: AuthEnv, user: User, kind: str, recipe: str, new_email: str) -> str:
    """A token of ``kind`` for ``user``, made as ``recipe`` says (``valid`` is what the server mails)."""
    claims: dict[str, Any] = {"email": user.email, "jti": secrets.token_hex(16)}
    if kind == "emailChange":
        claims["newEmail"] = new_email
    valid = await env.forge("users", user.id, kind=kind, **claims)
    other_kind = "verification" if kind != "verification" else "passwordReset"
    recipes = {
        "valid": lambda: valid,
        "expired": lambda: env.forge("users", user.id, kind=kind, expires_in=-10, **claims),
        "another kind": lambda: env.forge("users", user.id, kind=other_kind, **claims),
        "another kind's type, this kind's key": lambda: env.forge(
            "users", user.id, kind=kind, **{**claims, "type": other_kind}
        ),
        "an auth token": lambda: env.forge("users", user.id, kind="auth"),
        "no jti": lambda: env.forge("users", user.id, kind=kind, **{k: v for k, v in claims.items() if k != "jti"}),
        "an old address": lambda: env.forge("users", user.id, kind=kind, **{**claims, "email": "old@example.com"}),
        "tampered id": lambda: tampered(valid, id=user.id[:-1] + ("x" if user.id[-1] != "x" else "y")),
        "tampered expiry": lambda: tampered(valid, exp=9999999999),
        "alg none": lambda: unsigned(valid),
        "wrong secret": lambda: signed_with(valid, "not-the-secret"),
        "garbage": lambda: "not-a-token",
    }
    made = recipes[recipe]()
    return made if isinstance(made, str) else await made


def _confirm(
    path: str,
    recipe: str,
    body: dict[str, Any],
    *,
    status: int = 400,
    contains: list[Any] | None = None,
    name: str = "",
) -> Any:
    name = name or f"{path}: {recipe}"
    scenario = Scenario(
        name,
        "POST",
        f"{USERS}/{path}",
        body,
        auth=GUEST,
        status=status,
        contains=contains or [],
        unchanged=status != 204,
    )
    return pytest.param(scenario, recipe, id=name)


def _invalid(code: str) -> list[Any]:
    return [
        {
            "data": {"token": {"code": code, "message": "Invalid or expired token."}},
            "message": "An error occurred while validating the submitted data.",
        }
    ]


BAD_RECIPES = [
    "expired",
    "another kind",
    "another kind's type, this kind's key",
    "an auth token",
    "no jti",
    "an old address",
    "tampered id",
    "tampered expiry",
    "alg none",
    "wrong secret",
    "garbage",
]
NEW = "new-password-1"
BODIES = {
    "confirm-verification": {"token": "$token"},
    "confirm-password-reset": {"token": "$token", "password": NEW, "passwordConfirm": NEW},
    "confirm-email-change": {"token": "$token", "password": PASSWORD},
}
CODES = {
    "confirm-verification": "validation_invalid_token_claims",
    "confirm-password-reset": "validation_invalid_token",
    "confirm-email-change": "validation_invalid_token",
}

CONFIRMS = [
    _confirm("confirm-verification", "valid", BODIES["confirm-verification"], status=204),
    _confirm("confirm-password-reset", "valid", BODIES["confirm-password-reset"], status=204),
    _confirm("confirm-email-change", "valid", BODIES["confirm-email-change"], status=204),
    *[
        _confirm(path, recipe, BODIES[path], contains=_invalid(CODES[path]))
        for path in BODIES
        for recipe in BAD_RECIPES
    ],
    _confirm(
        "confirm-verification", "valid", {}, name="verification: no token", contains=[{"data": {"token": REQUIRED}}]
    ),
    _confirm("confirm-verification", "valid", {"token": 5}, name="verification: token as a number", contains=[LOADING]),
    _confirm(
        "confirm-password-reset",
        "valid",
        {},
        name="reset: nothing",
        contains=[{"data": {"token": REQUIRED, "password": REQUIRED, "passwordConfirm": REQUIRED}}],
    ),
    _confirm(
        "confirm-password-reset",
        "valid",
        {"token": "$token", "password": NEW, "passwordConfirm": "other-1234"},
        name="reset: confirmation differs",
        contains=[{"data": {"passwordConfirm": {"code": "validation_values_mismatch"}}}],
    ),
    _confirm(
        "confirm-password-reset",
        "valid",
        {"token": "$token", "password": "short", "passwordConfirm": "short"},
        name="reset: too short",
        contains=[{"data": {"password": {"code": "validation_min_text_constraint"}}}],
    ),
    _confirm(
        "confirm-password-reset",
        "valid",
        {"token": "$token", "password": NEW},
        name="reset: no confirmation",
        contains=[{"data": {"passwordConfirm": REQUIRED}}],
    ),
    _confirm(
        "confirm-email-change",
        "valid",
        {"token": "$token"},
        name="email change: no password",
        contains=[{"data": {"password": REQUIRED}}],
    ),
    _confirm(
        "confirm-email-change",
        "valid",
        {"token": "$token", "password": "wrong-password"},
        name="email change: wrong password",
        contains=[{"data": {"password": {"code": "validation_invalid_password"}}}],
    ),
]


@pytest.mark.parametrize(("scenario", "recipe"), CONFIRMS)
async def test_confirmations(env: AuthEnv, scenario: Scenario, recipe: str) -> None:
    user = await env.user()
    new_email = unique_email("changed")
    kind = KINDS[scenario.url.rsplit("/", 1)[1]]
    token = await _token(env, user, kind, recipe, new_email)
    before = await env.row("users", user.id)
    await run(env.api, bind(scenario, token=token))
    after = await env.row("users", user.id)
    if scenario.status != 204:
        return
    assert (after["tokenKey"] == before["tokenKey"]) is (kind == "verification"), "only verification keeps the key"
    assert after["verified"] is True
    if kind == "passwordReset":
        assert (await env.sign_in(user.email, NEW)).status_code == 200
        assert (await env.sign_in(user.email, PASSWORD)).status_code == 400
    if kind == "emailChange":
        assert after["email"] == new_email
        assert (await env.sign_in(new_email, PASSWORD)).status_code == 200
    # Every token works once.
    again = await env.api.call("POST", scenario.url, bind(scenario, token=token).body, auth=GUEST)
    assert again.status_code == 400, again.text


async def test_a_rejected_confirmation_does_not_use_the_token(env: AuthEnv) -> None:
    """A wrong password (email change) or a bad new password (reset) leaves the token usable."""
    user = await env.user()
    new_email = unique_email("changed")
    change = await _token(env, user, "emailChange", "valid", new_email)
    wrong = await env.api.call(
        "POST", f"{USERS}/confirm-email-change", {"token": change, "password": "nope-nope"}, auth=GUEST
    )
    assert wrong.status_code == 400
    assert (
        await env.api.call("POST", f"{USERS}/confirm-email-change", {"token": change, "password": PASSWORD}, auth=GUEST)
    ).status_code == 204
    user.email = new_email
    reset = await _token(env, user, "passwordReset", "valid", "")
    short = await env.api.call(
        "POST",
        f"{USERS}/confirm-password-reset",
        {"token": reset, "password": "short", "passwordConfirm": "short"},
        auth=GUEST,
    )
    assert short.status_code == 400
    confirmed = await env.api.call(
        "POST", f"{USERS}/confirm-password-reset", {"token": reset, "password": NEW, "passwordConfirm": NEW}, auth=GUEST
    )
    assert confirmed.status_code == 204


async def test_an_email_change_to_an_address_taken_since(env: AuthEnv) -> None:
    user = await env.user()
    new_email = unique_email("changed")
    token = await _token(env, user, "emailChange", "valid", new_email)
    await env.user(email=new_email, sign_in=False)
    response = await env.api.call(
        "POST", f"{USERS}/confirm-email-change", {"token": token, "password": PASSWORD}, auth=GUEST
    )
    assert response.status_code == 400
    assert response.json()["data"]["token"]["code"] == "validation_invalid_token"
    assert (await env.row("users", user.id))["email"] == user.email


async def test_a_token_of_another_collection(env: AuthEnv) -> None:
    """A members token (signed with members' secret) presented to users: refused, even for the same id."""
    await env.auth_collection("others")
    other = await env.user("others")
    user = await env.user()
    await env.api.sql("UPDATE data.others SET id = $1 WHERE id = $2", user.id, other.id)
    for path, kind in KINDS.items():
        claims: dict[str, Any] = {"email": user.email, "jti": secrets.token_hex(16), "newEmail": unique_email()}
        foreign = await env.forge("others", user.id, kind=kind, **claims)
        relabelled = tampered(foreign, collectionId=env.collection("users").id)
        for token in (foreign, relabelled):
            response = await env.api.call("POST", f"{USERS}/{path}", {**BODIES[path], "token": token}, auth=GUEST)
            assert response.status_code == 400, (path, response.text)
    assert (await env.row("users", user.id))["verified"] is False
