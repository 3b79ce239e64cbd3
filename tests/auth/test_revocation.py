"""A password change, an email change, a confirmed password reset or a new tokenKey revokes every token
issued before (401 on refresh, a guest wherever a rule uses ``@request.auth``); other changes do not."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio

from tests.auth.support import PASSWORD, AuthEnv, User, unique_email

pytestmark = pytest.mark.asyncio(loop_scope="module")

NEW = "new-password-1"
USERS = "/api/collections/users"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def notes(env: AuthEnv) -> AsyncIterator[None]:
    owner = {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1}
    body = {"name": "notes", "type": "base", "listRule": "owner = @request.auth.id", "fields": [owner]}
    await env.ok("POST", "/api/collections", body)
    yield


async def _own_password(env: AuthEnv, user: User) -> str:
    await env.ok(
        "PATCH",
        f"{USERS}/records/{user.id}",
        {"oldPassword": PASSWORD, "password": NEW, "passwordConfirm": NEW},
        auth=user.token,
    )
    return NEW


async def _superuser_password(env: AuthEnv, user: User) -> str:
    await env.ok("PATCH", f"{USERS}/records/{user.id}", {"password": NEW, "passwordConfirm": NEW})
    return NEW


async def _reset(env: AuthEnv, user: User) -> str:
    await env.ok("POST", f"{USERS}/request-password-reset", {"email": user.email}, auth="guest", status=204)
    token = await env.mail_token(user.email)
    await env.ok(
        "POST",
        f"{USERS}/confirm-password-reset",
        {"token": token, "password": NEW, "passwordConfirm": NEW},
        auth="guest",
        status=204,
    )
    return NEW


async def _email_change(env: AuthEnv, user: User) -> str:
    new_email = unique_email("moved")
    await env.ok("POST", f"{USERS}/request-email-change", {"newEmail": new_email}, auth=user.token, status=204)
    token = await env.mail_token(new_email)
    await env.ok(
        "POST", f"{USERS}/confirm-email-change", {"token": token, "password": PASSWORD}, auth="guest", status=204
    )
    user.email = new_email
    return PASSWORD


async def _superuser_email(env: AuthEnv, user: User) -> str:
    user.email = unique_email("moved")
    await env.ok("PATCH", f"{USERS}/records/{user.id}", {"email": user.email})
    return PASSWORD


async def _token_key(env: AuthEnv, user: User) -> str:
    await env.ok("PATCH", f"{USERS}/records/{user.id}", {"tokenKey": secrets.token_hex(25)})
    return PASSWORD


async def _name(env: AuthEnv, user: User) -> str:
    await env.ok("PATCH", f"{USERS}/records/{user.id}", {"name": "Renamed", "emailVisibility": True}, auth=user.token)
    return PASSWORD


async def _verification(env: AuthEnv, user: User) -> str:
    await env.ok("POST", f"{USERS}/request-verification", {"email": user.email}, auth="guest", status=204)
    await env.ok(
        "POST", f"{USERS}/confirm-verification", {"token": await env.mail_token(user.email)}, auth="guest", status=204
    )
    return PASSWORD


async def _superuser_verified(env: AuthEnv, user: User) -> str:
    await env.ok("PATCH", f"{USERS}/records/{user.id}", {"verified": True})
    return PASSWORD


Change = Callable[[AuthEnv, User], Awaitable[str]]  # returns the password afterwards
REVOKING: dict[str, Change] = {
    "own password change": _own_password,
    "password set by a superuser": _superuser_password,
    "confirmed password reset": _reset,
    "confirmed email change": _email_change,
    "email set by a superuser": _superuser_email,
    "tokenKey set by a superuser": _token_key,
}
KEEPING: dict[str, Change] = {
    "name and emailVisibility": _name,
    "confirmed verification": _verification,
    "verified set by a superuser": _superuser_verified,
}


async def _older_tokens(env: AuthEnv, user: User) -> dict[str, str]:
    impersonated = (await env.ok("POST", f"{USERS}/impersonate/{user.id}"))["token"]
    refreshed = (await env.refresh(user.token)).json()["token"]
    return {"sign-in": user.token, "refreshed": refreshed, "impersonation": impersonated}


async def _sees_own_note(env: AuthEnv, token: str) -> bool:
    listed = await env.api.call("GET", "/api/collections/notes/records", auth=token)
    return bool(listed.json()["totalItems"])


@pytest.mark.parametrize("change", list(REVOKING))
async def test_revoking_changes(env: AuthEnv, notes: None, change: str) -> None:
    user = await env.user()
    await env.ok("POST", "/api/collections/notes/records", {"owner": user.id})
    older = await _older_tokens(env, user)
    pending_reset = await env.forge("users", user.id, kind="passwordReset", email=user.email, jti=secrets.token_hex(8))
    password = await REVOKING[change](env, user)
    for name, token in older.items():
        refresh = await env.refresh(token)
        assert refresh.status_code == 401, (name, refresh.text)
        assert not await _sees_own_note(env, token), name
    reset = await env.api.call(
        "POST",
        f"{USERS}/confirm-password-reset",
        {"token": pending_reset, "password": NEW, "passwordConfirm": NEW},
        auth="guest",
    )
    assert reset.status_code == 400, "a reset token issued before is revoked too"
    fresh = await env.token(user.email, password)
    assert (await env.refresh(fresh)).status_code == 200
    assert await _sees_own_note(env, fresh)


@pytest.mark.parametrize("change", list(KEEPING))
async def test_other_changes_keep_tokens(env: AuthEnv, notes: None, change: str) -> None:
    user = await env.user()
    await env.ok("POST", "/api/collections/notes/records", {"owner": user.id})
    older = await _older_tokens(env, user)
    await KEEPING[change](env, user)
    for name, token in older.items():
        assert (await env.refresh(token)).status_code == 200, name
        assert await _sees_own_note(env, token), name


async def test_a_failed_password_change_revokes_nothing(env: AuthEnv, notes: None) -> None:
    user = await env.user()
    wrong = await env.api.call(
        "PATCH",
        f"{USERS}/records/{user.id}",
        {"oldPassword": "wrong-password", "password": NEW, "passwordConfirm": NEW},
        auth=user.token,
    )
    assert wrong.status_code == 400
    assert (await env.refresh(user.token)).status_code == 200
