"""The dashboard: superuser cookie sessions and the first-run setup token.

Revision ID: 0007_dashboard
Revises: 0006_file_journal
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007_dashboard"
down_revision = "0006_file_journal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("superuser_id", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("csrf", sa.Text, nullable=False),
        sa.Column("flash", JSONB, nullable=False, server_default="[]"),
        sa.Column("user_agent", sa.Text, nullable=False, server_default=""),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
        schema="baas",
    )
    op.create_index("dashboard_sessions_expires_idx", "dashboard_sessions", ["expires"], schema="baas")
    op.create_table(
        "dashboard_setup_tokens",
        sa.Column("hash", sa.Text, primary_key=True),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
        schema="baas",
    )


def downgrade() -> None:
    op.drop_table("dashboard_setup_tokens", schema="baas")
    op.drop_table("dashboard_sessions", schema="baas")
