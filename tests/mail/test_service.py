"""``send_template``: what the auth flows call. Rendered from the collection, queued, delivered by the app."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from baas.collections.model import Collection
from baas.collections.registry import load_schema
from baas.db.engine import create_engine
from baas.mail import TemplateError, send_template
from baas.mail.outbox import mail_outbox
from baas.settings.model import default_settings
from tests.conftest import RunningServer
from tests.mail.smtp_server import SmtpServer, configure_smtp

RECORD = {
    "id": "ann000000000001",
    "email": "ann@example.com",
    "name": "Ann <b>",
    "verified": False,
    "password": "$argon2id$v=19$m=8,t=1,p=1$HASH-SECRET",
    "tokenKey": "TOKEN-KEY-SECRET",
    "created": datetime(2024, 1, 2, 10, 0, tzinfo=UTC),
}


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=2)
    yield engine
    await engine.dispose()


async def users(engine: AsyncEngine) -> Collection:
    async with engine.connect() as connection:
        collection = (await load_schema(connection)).find("users")
    assert collection is not None
    return collection


async def queued(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        return [dict(row._mapping) for row in await connection.execute(select(mail_outbox))]


async def test_send_template_queues_the_rendered_mail(engine: AsyncEngine) -> None:
    collection = await users(engine)
    async with engine.begin() as connection:
        await send_template(
            connection,
            app_settings=default_settings(),
            collection=collection,
            template="verification",
            record=RECORD,
            placeholders={"TOKEN": "the.token.value"},
        )
    [row] = await queued(engine)
    assert row["recipients"] == ["ann@example.com"]
    assert row["subject"] == "Verify your Acme email"
    assert "http://localhost:8090/_/#/auth/confirm-verification/the.token.value" in row["html"]
    assert "[Verify](http://localhost:8090/_/#/auth/confirm-verification/the.token.value)" in row["text"]
    assert row["status"] == "pending"


async def test_hidden_fields_never_reach_a_template(engine: AsyncEngine) -> None:
    collection = await users(engine)
    options = dict(collection.auth_options)
    options["otp"] = {
        **options["otp"],
        "emailTemplate": {
            "subject": "{RECORD:name} {RECORD:created} {RECORD:password} {RECORD:tokenKey}",
            "body": "{{ record|dictsort }} {OTP} {{ otp_id }}",
        },
    }
    custom = dataclasses.replace(collection, auth_options=options)
    async with engine.begin() as connection:
        await send_template(
            connection,
            app_settings=default_settings(),
            collection=custom,
            template="otp",
            record=RECORD,
            placeholders={"OTP": "123456", "OTP_ID": "otp-id"},
        )
    [row] = await queued(engine)
    assert row["subject"] == "Ann <b> 2024-01-02 10:00:00.000Z {RECORD:password} {RECORD:tokenKey}"
    assert "123456 otp-id" in row["html"]
    assert "Ann &lt;b&gt;" in row["html"]
    for secret in ("HASH-SECRET", "TOKEN-KEY-SECRET"):
        assert secret not in row["html"] + row["subject"] + row["text"]


async def test_recipient_override_and_errors(engine: AsyncEngine) -> None:
    collection = await users(engine)
    settings = default_settings()
    async with engine.begin() as connection:
        await send_template(
            connection,
            app_settings=settings,
            collection=collection,
            template="email-change",
            record=RECORD,
            to="new@example.com",
            placeholders={"{TOKEN}": "t"},
        )
        with pytest.raises(ValueError, match="needs the placeholders OTP, OTP_ID"):
            await send_template(connection, app_settings=settings, collection=collection, template="otp", record=RECORD)
        with pytest.raises(ValueError, match="no recipient"):
            await send_template(
                connection,
                app_settings=settings,
                collection=collection,
                template="login-alert",
                record={"id": "x"},
                placeholders={"ALERT_INFO": "i"},
            )
        broken = dataclasses.replace(
            collection,
            auth_options={
                **collection.auth_options,
                "authAlert": {"emailTemplate": {"subject": "s", "body": "{{ nope }}"}},
            },
        )
        with pytest.raises(TemplateError, match="'nope' is undefined"):
            await send_template(
                connection,
                app_settings=settings,
                collection=broken,
                template="login-alert",
                record=RECORD,
                placeholders={"ALERT_INFO": "i"},
            )
    [row] = await queued(engine)
    assert row["recipients"] == ["new@example.com"]


async def test_the_app_delivers_queued_mail_and_the_link_can_be_followed(
    server: RunningServer, smtp_server: SmtpServer
) -> None:
    await configure_smtp(server, smtp_server)
    runtime = server.runtime
    collection = runtime.registry.schema.find("users")
    async with runtime.engine.begin() as connection:
        await send_template(
            connection,
            app_settings=runtime.app_settings.current,
            collection=collection,
            template="password-reset",
            record=RECORD,
            placeholders={"TOKEN": "reset.token.x"},
        )
    # No poll interval to wait for: the commit's NOTIFY wakes the app's worker.
    [mail] = await smtp_server.wait_for(1, within=5)
    assert mail.subject == "Reset your Acme password"
    [link] = mail.links()
    assert link == "http://localhost:8090/_/#/auth/confirm-password-reset/reset.token.x"
    assert mail.find(r"confirm-password-reset/([\w.]+)") == "reset.token.x"
