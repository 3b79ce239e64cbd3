"""The file journal: uploads not yet claimed by a committed record, and objects to delete.

Revision ID: 0006_file_journal
Revises: 0005_realtime_events
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_file_journal"
down_revision = "0005_realtime_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_journal",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("doomed", sa.Boolean, nullable=False, server_default=sa.false()),
        schema="baas",
    )
    op.create_index("file_journal_doomed_created_idx", "file_journal", ["doomed", "created"], schema="baas")


def downgrade() -> None:
    op.drop_table("file_journal", schema="baas")
