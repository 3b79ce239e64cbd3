"""The durable mail outbox (``baas.mail_outbox``): enqueue in the caller's transaction, claim, finish.

A row's life: ``pending`` -> ``sending`` (claimed by a worker, leased until ``next_attempt_at``) ->
``sent``, or back to ``pending`` with a later ``next_attempt_at`` after a failure, or ``failed`` once
the attempts are used up or the server refused the message for good. A worker that dies mid-send
leaves a ``sending`` row whose lease runs out; another worker then claims it again (delivery is at
least once). Claiming uses ``FOR UPDATE SKIP LOCKED``, so any number of workers share one outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from baas.db.notify import publish
from baas.db.tables import SYSTEM_SCHEMA
from baas.ids import new_record_id
from baas.mail.message import Message

__all__ = [
    "FAILED",
    "MAIL_TOPIC",
    "PENDING",
    "SENDING",
    "SENT",
    "OutboxRow",
    "claim",
    "enqueue",
    "mail_outbox",
    "mark_failed",
    "mark_sent",
    "next_due",
    "note_waiting",
    "purge",
    "retry_later",
]

MAIL_TOPIC = "mail"
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
_OPEN = (PENDING, SENDING)

mail_outbox = Table(
    "mail_outbox",
    MetaData(schema=SYSTEM_SCHEMA),
    Column("id", Text, primary_key=True),
    Column("recipients", JSONB, nullable=False),
    Column("subject", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    Column("created", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent", DateTime(timezone=True)),
)


@dataclass(frozen=True)
class OutboxRow:
    id: str
    attempts: int
    message: Message


async def enqueue(connection: AsyncConnection, message: Message) -> str:
    """Queue ``message`` in the caller's transaction: it is sent after commit, never after a rollback."""
    if not message.to:
        raise ValueError("a mail needs at least one recipient")
    message_id = new_record_id()
    await connection.execute(
        insert(mail_outbox).values(
            id=message_id,
            recipients=list(message.to),
            subject=message.subject,
            html=message.html,
            text=message.text,
            headers=dict(message.headers),
            status=PENDING,
            attempts=0,
            next_attempt_at=func.now(),
        )
    )
    # Delivered on commit to every process's listener, which wakes its worker.
    await publish(connection, MAIL_TOPIC)
    return message_id


async def claim(connection: AsyncConnection, *, limit: int, lease: timedelta) -> list[OutboxRow]:
    """Take up to ``limit`` due messages for this worker, counting the attempt now."""
    due = (
        select(mail_outbox.c.id)
        .where(mail_outbox.c.status.in_(_OPEN), mail_outbox.c.next_attempt_at <= func.now())
        .order_by(mail_outbox.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    rows = await connection.execute(
        update(mail_outbox)
        .where(mail_outbox.c.id.in_(select(due.c.id)))
        .values(status=SENDING, attempts=mail_outbox.c.attempts + 1, next_attempt_at=func.now() + lease)
        .returning(mail_outbox)
    )
    return [_row(row._mapping) for row in rows]


def _row(row: Any) -> OutboxRow:
    message = Message(
        to=tuple(row["recipients"]),
        subject=row["subject"],
        html=row["html"],
        text=row["text"],
        headers=dict(row["headers"]),
    )
    return OutboxRow(id=row["id"], attempts=row["attempts"], message=message)


async def mark_sent(connection: AsyncConnection, message_id: str) -> None:
    await connection.execute(
        update(mail_outbox).where(mail_outbox.c.id == message_id).values(status=SENT, sent=func.now(), last_error=None)
    )


async def retry_later(connection: AsyncConnection, message_id: str, error: str, delay: timedelta) -> None:
    await connection.execute(
        update(mail_outbox)
        .where(mail_outbox.c.id == message_id)
        .values(status=PENDING, last_error=error, next_attempt_at=func.now() + delay)
    )


async def mark_failed(connection: AsyncConnection, message_id: str, error: str) -> None:
    await connection.execute(
        update(mail_outbox).where(mail_outbox.c.id == message_id).values(status=FAILED, last_error=error)
    )


async def note_waiting(connection: AsyncConnection, reason: str) -> int:
    """Record on every pending message why it is not being sent; returns how many wait."""
    await connection.execute(
        update(mail_outbox)
        .where(mail_outbox.c.status == PENDING, mail_outbox.c.last_error.is_distinct_from(reason))
        .values(last_error=reason)
    )
    count = await connection.scalar(select(func.count()).where(mail_outbox.c.status == PENDING))
    return int(count or 0)


async def next_due(connection: AsyncConnection) -> datetime | None:
    result: datetime | None = await connection.scalar(
        select(func.min(mail_outbox.c.next_attempt_at)).where(mail_outbox.c.status.in_(_OPEN))
    )
    return result


async def purge(connection: AsyncConnection, *, sent_before: timedelta, failed_before: timedelta) -> None:
    """Forget delivered and given-up messages after their retention period."""
    await connection.execute(
        delete(mail_outbox).where(
            or_(
                and_(mail_outbox.c.status == SENT, mail_outbox.c.sent < func.now() - sent_before),
                and_(mail_outbox.c.status == FAILED, mail_outbox.c.created < func.now() - failed_before),
            )
        )
    )
