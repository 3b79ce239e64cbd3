"""The outbox and its worker against a real database and a real SMTP server."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from baas.db.engine import create_engine
from baas.db.notify import ChangeListener
from baas.mail import MailWorker, Message, enqueue
from baas.mail.outbox import mail_outbox
from baas.settings.store import SettingsStore
from tests.mail.smtp_server import SmtpServer, smtp_settings

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

FAST = {"backoff": timedelta(milliseconds=50), "poll_interval": 60.0}


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


async def use_smtp(engine: AsyncEngine, smtp: SmtpServer | None, **overrides: Any) -> None:
    await SettingsStore().update(engine, {"smtp": smtp_settings(smtp, **overrides)})


async def queue(engine: AsyncEngine, *subjects: str) -> None:
    async with engine.begin() as connection:
        for subject in subjects or ("Hello",):
            await enqueue(connection, Message(to=("ann@example.com",), subject=subject, html=f"<p>{subject}</p>"))


async def outbox_rows(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(mail_outbox).order_by(mail_outbox.c.created))
        return [dict(row._mapping) for row in rows]


async def wait_for_status(engine: AsyncEngine, status: str, within: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        [row] = await outbox_rows(engine)
        if row["status"] == status or time.monotonic() > deadline:
            assert row["status"] == status, row
            return row
        await asyncio.sleep(0.05)


async def test_queued_mail_is_delivered(engine: AsyncEngine, smtp_server: SmtpServer) -> None:
    await use_smtp(engine, smtp_server, localName="mail.acme.test")
    await queue(engine, "Welcome")
    assert await MailWorker(engine).run_once() == 1

    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["ann@example.com"]
    assert mail.mail_from == "support@example.com"
    assert mail.message["From"] == "Support <support@example.com>"
    assert mail.subject == "Welcome"
    assert mail.message["Message-ID"].endswith("@example.com>")
    assert mail.html.strip() == "<p>Welcome</p>"
    assert mail.text.strip() == "Welcome"
    assert mail.helo == "mail.acme.test"
    [row] = await outbox_rows(engine)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 1, None)
    assert row["sent"] is not None


async def test_a_rolled_back_transaction_sends_nothing(engine: AsyncEngine, smtp_server: SmtpServer) -> None:
    await use_smtp(engine, smtp_server)

    async def failing_request() -> None:
        async with engine.begin() as connection:
            await enqueue(connection, Message(to=("ann@example.com",), subject="Never", html="x"))
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        await failing_request()
    assert await outbox_rows(engine) == []
    assert await MailWorker(engine).run_once() == 0
    assert smtp_server.messages == []


async def test_the_worker_wakes_up_on_new_mail(database_url: str, engine: AsyncEngine, smtp_server: SmtpServer) -> None:
    await use_smtp(engine, smtp_server)
    listener = ChangeListener(database_url)
    worker = MailWorker(engine, listener, poll_interval=60.0)
    await listener.start()
    worker.start()
    try:
        await asyncio.sleep(0.2)  # the first round has found nothing; now it sleeps for a minute
        await queue(engine, "Right away")
        [mail] = await smtp_server.wait_for(1, within=5)
        assert mail.subject == "Right away"
    finally:
        await worker.stop()
        await listener.stop()


async def test_temporary_failures_are_retried_with_backoff(engine: AsyncEngine, smtp_server: SmtpServer) -> None:
    await use_smtp(engine, smtp_server)
    smtp_server.reject(2)
    await queue(engine)
    worker = MailWorker(engine, **FAST)  # type: ignore[arg-type]
    worker.start()
    try:
        await smtp_server.wait_for(1)
        row = await wait_for_status(engine, "sent")
    finally:
        await worker.stop()
    assert smtp_server.attempts == 3
    assert (row["attempts"], row["last_error"]) == (3, None)


async def test_the_worker_gives_up_after_max_attempts(engine: AsyncEngine, smtp_server: SmtpServer) -> None:
    await use_smtp(engine, smtp_server)
    smtp_server.reject(100)
    await queue(engine)
    worker = MailWorker(engine, max_attempts=3, **FAST)  # type: ignore[arg-type]
    worker.start()
    try:
        row = await wait_for_status(engine, "failed")
    finally:
        await worker.stop()
    assert row["attempts"] == 3
    assert "451 4.3.0 Try again later" in row["last_error"]
    assert smtp_server.attempts == 3


async def test_a_permanent_refusal_fails_at_once(engine: AsyncEngine, smtp_server: SmtpServer) -> None:
    await use_smtp(engine, smtp_server)
    smtp_server.reject(1, "550 5.1.1 No such user")
    await queue(engine)
    await MailWorker(engine).run_once()
    [row] = await outbox_rows(engine)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "550 5.1.1 No such user" in row["last_error"]


async def test_an_unreachable_server_is_retried_later(engine: AsyncEngine) -> None:
    await use_smtp(engine, None)
    await queue(engine)
    before = datetime.now(UTC)
    await MailWorker(engine, backoff=timedelta(seconds=30)).run_once()
    [row] = await outbox_rows(engine)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "ConnectionRefusedError" in row["last_error"]
    assert row["next_attempt_at"] > before + timedelta(seconds=25)


async def test_disabled_smtp_keeps_mail_pending_and_says_why(
    engine: AsyncEngine, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    await queue(engine)
    worker = MailWorker(engine)
    with caplog.at_level(logging.WARNING, logger="baas.mail"):
        assert await worker.run_once() == 0
        assert await worker.run_once() == 0
    [row] = await outbox_rows(engine)
    assert (row["status"], row["attempts"]) == ("pending", 0)
    assert "SMTP is disabled" in row["last_error"]
    assert [r.getMessage() for r in caplog.records if r.name == "baas.mail"] == [
        "1 mail(s) wait in the outbox: SMTP is disabled in the settings (smtp.enabled is false)."
    ]
    await use_smtp(engine, smtp_server)
    assert await worker.run_once() == 1
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize("method", ["PLAIN", "LOGIN"])
async def test_smtp_auth_and_the_password_never_leaks(
    engine: AsyncEngine, method: str, caplog: pytest.LogCaptureFixture
) -> None:
    smtp = SmtpServer(credentials=("mailer", "right-password-123"))
    smtp.start()
    try:
        wrong = "wrong-password-456"
        await use_smtp(engine, smtp, password=wrong, authMethod=method)
        await queue(engine)
        with caplog.at_level(logging.DEBUG, logger="baas"):
            await MailWorker(engine).run_once()
        logged = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("baas"))
        assert "attempt 1 failed" in logged
        [row] = await outbox_rows(engine)
        assert "535" in row["last_error"]
        plain_auth = base64.b64encode(b"\0mailer\0" + wrong.encode()).decode()
        leaks = (wrong, base64.b64encode(wrong.encode()).decode(), plain_auth)
        for secret in leaks:
            assert secret not in row["last_error"]
            assert secret not in logged
        await use_smtp(engine, smtp, password="right-password-123", authMethod=method)
        async with engine.begin() as connection:
            await connection.execute(mail_outbox.update().values(next_attempt_at=datetime.now(UTC)))
        await MailWorker(engine).run_once()
        [mail] = smtp.messages
        assert mail.login == "mailer"
    finally:
        smtp.stop()


async def test_credentials_are_not_sent_in_clear_to_a_remote_host(engine: AsyncEngine) -> None:
    smtp = SmtpServer(credentials=("mailer", "secret-password"), host="127.0.0.2")
    try:
        smtp.start()
    except OSError:
        pytest.skip("cannot bind 127.0.0.2")
    try:
        await use_smtp(engine, smtp, host="127.0.0.2")
        await queue(engine)
        await MailWorker(engine).run_once()
        [row] = await outbox_rows(engine)
        assert "refusing to send SMTP credentials over an unencrypted connection" in row["last_error"]
        assert smtp.messages == []
    finally:
        smtp.stop()


async def test_two_workers_share_the_outbox(engine: AsyncEngine, smtp_server: SmtpServer) -> None:
    await use_smtp(engine, smtp_server)
    subjects = [f"mail {n}" for n in range(20)]
    await queue(engine, *subjects)
    counts = await asyncio.gather(MailWorker(engine).run_once(), MailWorker(engine).run_once())
    assert sum(counts) == 20
    assert sorted(mail.subject for mail in smtp_server.messages) == sorted(subjects)
    assert {row["status"] for row in await outbox_rows(engine)} == {"sent"}


async def test_an_interrupted_last_attempt_fails_the_message(engine: AsyncEngine, smtp_server: SmtpServer) -> None:
    await use_smtp(engine, smtp_server)
    await queue(engine)
    # A worker claimed the last attempt and died: the row is "sending" and its lease has run out.
    async with engine.begin() as connection:
        await connection.execute(
            mail_outbox.update().values(status="sending", attempts=3, next_attempt_at=datetime.now(UTC))
        )
    await MailWorker(engine, max_attempts=3).run_once()
    [row] = await outbox_rows(engine)
    assert row["status"] == "failed"
    assert smtp_server.messages == []
