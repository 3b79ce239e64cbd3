"""Auth through the SDK: password, refresh, auto-refresh, stores; OTP, MFA, OAuth2, verification,
password reset, email change and impersonation (PocketBase now, baas as it lands)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import baas_sdk
import pytest

from tests.sdk.conftest import (
    SUPERUSER_EMAIL,
    SUPERUSER_PASSWORD,
    USER_PASSWORD,
    Target,
    make_auth_collection,
    make_user,
    servers,
)
from tests.sdk.mailbox import Mailbox, find_code, find_token


@pytest.fixture
def mailbox(target: Target) -> Iterator[Mailbox]:
    """Mail from the server lands here (SMTP settings point at it)."""
    box = Mailbox()
    with baas_sdk.Client(target.url) as client:
        client.superuser_login(SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        client.settings.update({"smtp": {"enabled": True, "host": "127.0.0.1", "port": box.port, "tls": False}})
    yield box
    box.shutdown()
    box.server_close()


async def test_password_auth_and_refresh(api: Any, connect: Any) -> None:
    members = await make_auth_collection(api)
    user = await make_user(api, members, name="Ann")
    client = connect()
    assert not client.auth.is_valid
    assert client.auth.record is None
    result = await client.collection(members).auth_with_password(user["email"], USER_PASSWORD)
    assert result.record["id"] == user["id"]
    assert result.token == client.auth.token
    assert client.auth.is_valid
    assert client.auth.record["name"] == "Ann"
    assert not client.auth.is_superuser
    assert (await client.collection(members).get_one(user["id"]))["email"] == user["email"]
    refreshed = await client.collection(members).auth_refresh()
    assert refreshed.record["id"] == user["id"]
    assert client.auth.token == refreshed.token
    await client.collection(members).update(user["id"], {"name": "Annie"})
    assert client.auth.record["name"] == "Annie"  # the store follows updates of the auth record
    with pytest.raises(baas_sdk.BadRequestError) as caught:
        await client.collection(members).auth_with_password(user["email"], "wrong")
    assert caught.value.message == "Failed to authenticate."


async def test_the_token_is_refreshed_before_it_expires(api: Any, connect: Any) -> None:
    members = await make_auth_collection(api, authToken={"duration": 10})  # 10 s is the shortest allowed
    user = await make_user(api, members)
    client = connect(refresh_threshold=7)
    await client.collection(members).auth_with_password(user["email"], USER_PASSWORD)
    first, first_expiry = client.auth.token, client.auth.expires_at
    if first_expiry - time.time() > 7.5:  # (a slow machine may already be inside the threshold)
        assert (await client.collection(members).get_one(user["id"]))["id"] == user["id"]
        assert client.auth.token == first  # more than 7 s left: no refresh yet
    await asyncio.sleep(max(0.0, first_expiry - 7 - time.time()) + 0.3)  # now under 7 s: refresh first
    assert (await client.collection(members).get_one(user["id"]))["id"] == user["id"]
    assert client.auth.token != first
    assert client.auth.expires_at > first_expiry
    assert client.auth.record["id"] == user["id"]


async def test_a_revoked_token_is_dropped_on_refresh(api: Any, connect: Any) -> None:
    members = await make_auth_collection(api, authToken={"duration": 60})
    user = await make_user(api, members)
    client = connect(refresh_threshold=3600)  # every request wants a refresh
    await client.collection(members).auth_with_password(user["email"], USER_PASSWORD)
    changed = {"password": "another-pass-2", "passwordConfirm": "another-pass-2"}
    await api.collection(members).update(user["id"], changed)
    with pytest.raises(baas_sdk.NotFoundError):  # refresh refused -> store cleared -> a guest is not allowed
        await client.collection(members).get_one(user["id"])
    assert client.auth.token == ""
    assert not client.auth.is_valid


def test_file_auth_store_survives_the_process(target: Target, tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    with baas_sdk.Client(target.url, auth_store=baas_sdk.FileAuthStore(path)) as client:
        client.superuser_login(SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        assert client.auth.is_superuser
    assert path.stat().st_mode & 0o777 == 0o600
    with baas_sdk.Client(target.url, auth_store=baas_sdk.FileAuthStore(path)) as again:
        assert again.auth.is_valid
        assert again.auth.record["email"] == SUPERUSER_EMAIL
        assert again.settings.get_all()["meta"]
        again.auth.clear()
    assert not baas_sdk.FileAuthStore(path).is_valid


async def test_auth_store_listeners(api: Any, connect: Any) -> None:
    members = await make_auth_collection(api)
    user = await make_user(api, members)
    client = connect()
    changes: list[str] = []
    remove = client.auth.on_change(lambda token, record: changes.append(record["id"] if record else ""))
    await client.collection(members).auth_with_password(user["email"], USER_PASSWORD)
    await client.collection(members).delete(user["id"])  # deleting yourself logs you out
    remove()
    client.auth.save("x")
    assert changes == [user["id"], ""]


@servers()
async def test_auth_methods(target: Target, api: Any) -> None:
    members = await make_auth_collection(api)
    methods = await api.collection(members).list_auth_methods()
    assert methods["password"] == {"enabled": True, "identityFields": ["email"]}


@servers()
async def test_impersonate(target: Target, api: Any) -> None:
    members = await make_auth_collection(api)
    user = await make_user(api, members)
    other = await api.collection(members).impersonate(user["id"], 600)
    try:
        assert other.auth.record["id"] == user["id"]
        assert not other.auth.refreshable
        assert (await other.collection(members).get_one(user["id"]))["id"] == user["id"]
        assert api.auth.is_superuser  # the superuser's own auth is untouched
    finally:
        await (other.aclose() if isinstance(other, baas_sdk.AsyncClient) else asyncio.to_thread(other._wrapped.close))


@servers()
async def test_otp(target: Target, api: Any, connect: Any, mailbox: Mailbox) -> None:
    members = await make_auth_collection(api, otp={"enabled": True, "duration": 300, "length": 8})
    user = await make_user(api, members)
    client = connect()
    sent = len(mailbox.received)
    otp_id = await client.collection(members).request_otp(user["email"])
    code = find_code(mailbox.wait_for(user["email"], sent))
    with pytest.raises(baas_sdk.BadRequestError):
        await client.collection(members).auth_with_otp(otp_id, "00000000" if code != "00000000" else "11111111")
    result = await client.collection(members).auth_with_otp(otp_id, code)
    assert result.record["id"] == user["id"]
    assert client.auth.is_valid


@servers()
async def test_mfa_password_then_otp(target: Target, api: Any, connect: Any, mailbox: Mailbox) -> None:
    members = await make_auth_collection(api, otp={"enabled": True}, mfa={"enabled": True, "duration": 600})
    user = await make_user(api, members)
    client = connect()
    with pytest.raises(baas_sdk.UnauthorizedError) as caught:
        await client.collection(members).auth_with_password(user["email"], USER_PASSWORD)
    mfa_id = caught.value.mfa_id
    assert mfa_id
    assert not client.auth.is_valid
    sent = len(mailbox.received)
    otp_id = await client.collection(members).request_otp(user["email"])
    code = find_code(mailbox.wait_for(user["email"], sent))
    result = await client.collection(members).auth_with_otp(otp_id, code, mfa_id=mfa_id)
    assert result.record["id"] == user["id"]
    assert client.auth.is_valid


@servers()
async def test_verification_reset_and_email_change(target: Target, api: Any, connect: Any, mailbox: Mailbox) -> None:
    members = await make_auth_collection(api)
    user = await make_user(api, members, verified=False)
    client = connect()
    users = client.collection(members)

    sent = len(mailbox.received)
    await users.request_verification(user["email"])
    await users.confirm_verification(find_token(mailbox.wait_for(user["email"], sent)))
    assert (await api.collection(members).get_one(user["id"]))["verified"] is True

    sent = len(mailbox.received)
    await users.request_password_reset(user["email"])
    reset_token = find_token(mailbox.wait_for(user["email"], sent))
    await users.confirm_password_reset(reset_token, "new-pass-123", "new-pass-123")
    await users.auth_with_password(user["email"], "new-pass-123")

    new_email = "changed-" + user["email"]
    sent = len(mailbox.received)
    await users.request_email_change(new_email)
    await users.confirm_email_change(find_token(mailbox.wait_for(new_email, sent)), "new-pass-123")
    assert (await api.collection(members).get_one(user["id"]))["email"] == new_email
    with pytest.raises(baas_sdk.BadRequestError) as caught:
        await users.confirm_verification("not-a-token")
    assert "token" in caught.value.data


@servers()
async def test_oauth2_code_exchange_reaches_the_server(target: Target, api: Any, connect: Any) -> None:
    members = await make_auth_collection(api)
    client = connect()
    with pytest.raises(baas_sdk.ForbiddenError) as caught:
        await client.collection(members).auth_with_oauth2_code("github", "code", "verifier", "http://localhost/cb")
    assert "OAuth2" in caught.value.message
