"""The mail outbox: messages queued in request transactions, drained by the mail worker.

Revision ID: 0004_mail_outbox
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004_mail_outbox"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("recipients", JSONB, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("headers", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_error", sa.Text),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="mail_outbox_status"),
        schema="baas",
    )
    # The workers' queue: only open messages, in the order they fall due.
    op.execute(
        "CREATE INDEX mail_outbox_due ON baas.mail_outbox (next_attempt_at) WHERE status IN ('pending', 'sending')"
    )


def downgrade() -> None:
    op.drop_table("mail_outbox", schema="baas")
