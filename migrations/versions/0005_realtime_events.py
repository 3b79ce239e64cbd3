"""Realtime events too big for a NOTIFY payload, sent between server processes by reference.

Revision ID: 0005_realtime_events
Revises: 0004_mail_outbox
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_realtime_events"
down_revision = "0004_mail_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "realtime_events",
        sa.Column("id", sa.BigInteger, sa.Identity(always=False), primary_key=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("payload", sa.Text, nullable=False),
        schema="baas",
    )
    op.create_index("realtime_events_created_idx", "realtime_events", ["created"], schema="baas")


def downgrade() -> None:
    op.drop_table("realtime_events", schema="baas")
