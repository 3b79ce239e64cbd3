"""The background worker that drains the mail outbox over SMTP (one per server process).

It wakes at once when mail is queued or the settings change (PostgreSQL NOTIFY, so a mail queued by
any process wakes every worker; ``SKIP LOCKED`` makes sure only one sends it), when a retry falls due,
and every ``poll_interval`` seconds regardless. SMTP settings are read fresh from the database on every
round, so a fixed password or a newly enabled server is used at once. SMTP runs in a worker thread.

Failures are retried with exponential backoff (``backoff``, doubling, at most ``max_backoff``) until
``max_attempts``; a 5xx refusal of the sender, recipients or data fails the message at once. While SMTP
is disabled nothing is sent: messages stay ``pending``, each carries the reason in ``last_error``, and
one warning is logged per disabled period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from baas.db.notify import ChangeListener
from baas.mail import outbox
from baas.mail.message import build_email, sender_of
from baas.mail.smtp import DeliveryError, SmtpConfig, SmtpDisabledError, deliver
from baas.settings.store import SETTINGS_TOPIC, SettingsStore

__all__ = ["MailWorker"]

logger = logging.getLogger("baas.mail")


class MailWorker:
    def __init__(
        self,
        engine: AsyncEngine,
        listener: ChangeListener | None = None,
        *,
        poll_interval: float = 30.0,
        max_attempts: int = 8,
        backoff: timedelta = timedelta(seconds=30),
        max_backoff: timedelta = timedelta(hours=1),
        concurrency: int = 4,
        lease: timedelta = timedelta(minutes=5),
        smtp_timeout: float = 30.0,
        sent_retention: timedelta = timedelta(days=7),
        failed_retention: timedelta = timedelta(days=30),
    ) -> None:
        self._engine = engine
        self._settings = SettingsStore()
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.concurrency = concurrency
        self.lease = lease
        self.smtp_timeout = smtp_timeout
        self.sent_retention = sent_retention
        self.failed_retention = failed_retention
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._warned = False
        self._disabled = False
        self._purged_at: float | None = None
        if listener is not None:
            listener.subscribe(outbox.MAIL_TOPIC, self._notified)
            listener.subscribe(SETTINGS_TOPIC, self._notified)

    async def _notified(self, _data: object) -> None:
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="baas-mail-worker")

    async def stop(self, grace: float = 10.0) -> None:
        """Finish the mail being sent (up to ``grace`` seconds), then stop."""
        if self._task is None:
            return
        self._stopping = True
        self.wake()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.run_once()
                delay = await self._idle_time()
            except Exception:
                logger.exception("mail worker round failed; retrying in %s s", self.poll_interval)
                delay = self.poll_interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def _idle_time(self) -> float:
        if self._disabled:
            return self.poll_interval
        async with self._engine.connect() as connection:
            due = await outbox.next_due(connection)
        if due is None:
            return self.poll_interval
        return min(self.poll_interval, max((due - datetime.now(UTC)).total_seconds(), 0.0) + 0.05)

    async def run_once(self) -> int:
        """Send everything due now; returns the number of delivery attempts made."""
        settings = await self._settings.reload(self._engine)
        try:
            config = SmtpConfig.from_settings(settings, timeout=self.smtp_timeout)
        except SmtpDisabledError as exc:
            await self._wait_for_smtp(exc.message)
            return 0
        self._disabled = self._warned = False
        sender = sender_of(settings)
        counts = await asyncio.gather(*(self._drain(config, sender) for _ in range(self.concurrency)))
        await self._purge()
        return sum(counts)

    async def _wait_for_smtp(self, reason: str) -> None:
        self._disabled = True
        async with self._engine.begin() as connection:
            waiting = await outbox.note_waiting(connection, reason)
        if waiting and not self._warned:
            logger.warning("%d mail(s) wait in the outbox: %s", waiting, reason)
            self._warned = True

    async def _drain(self, config: SmtpConfig, sender: str) -> int:
        attempts = 0
        while not self._stopping:
            async with self._engine.begin() as connection:
                rows = await outbox.claim(connection, limit=1, lease=self.lease)
            if not rows:
                break
            await self._attempt(rows[0], config, sender)
            attempts += 1
        return attempts

    async def _attempt(self, row: outbox.OutboxRow, config: SmtpConfig, sender: str) -> None:
        if row.attempts > self.max_attempts:  # the last attempt's worker died before recording it
            await self._fail(row, "no attempt left (the last one was interrupted)")
            return
        try:
            await asyncio.to_thread(deliver, config, build_email(row.message, sender))
        except ValueError as exc:
            await self._fail(row, f"the message cannot be built: {exc}")
        except DeliveryError as exc:
            if exc.permanent or row.attempts >= self.max_attempts:
                await self._fail(row, exc.message)
            else:
                delay = min(self.backoff * 2 ** (row.attempts - 1), self.max_backoff)
                logger.info("mail %s: attempt %d failed, retrying in %s: %s", row.id, row.attempts, delay, exc.message)
                async with self._engine.begin() as connection:
                    await outbox.retry_later(connection, row.id, exc.message, delay)
        else:
            async with self._engine.begin() as connection:
                await outbox.mark_sent(connection, row.id)

    async def _fail(self, row: outbox.OutboxRow, error: str) -> None:
        logger.warning("mail %s failed after %d attempt(s): %s", row.id, row.attempts, error)
        async with self._engine.begin() as connection:
            await outbox.mark_failed(connection, row.id, error)

    async def _purge(self) -> None:
        if self._purged_at is not None and time.monotonic() - self._purged_at < 3600:
            return
        self._purged_at = time.monotonic()
        async with self._engine.begin() as connection:
            await outbox.purge(connection, sent_before=self.sent_retention, failed_before=self.failed_retention)
