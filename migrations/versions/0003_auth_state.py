"""Auth state of our own: TOTP secrets, single-use token ids, failed sign-in counters.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE baas.totp (
            collection_id text NOT NULL,
            record_id text NOT NULL,
            secret text NOT NULL,
            confirmed boolean NOT NULL DEFAULT false,
            recovery_codes jsonb NOT NULL DEFAULT '[]'::jsonb,
            last_step bigint NOT NULL DEFAULT 0,
            created timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (collection_id, record_id)
        )
        """
    )
    # Verification, password-reset and email-change tokens may be used once.
    op.execute("CREATE TABLE baas.used_tokens (jti text PRIMARY KEY, expires timestamptz NOT NULL)")
    op.execute("CREATE INDEX used_tokens_expires ON baas.used_tokens (expires)")
    op.execute(
        """
        CREATE TABLE baas.auth_failures (
            key text PRIMARY KEY,
            attempts integer NOT NULL,
            first_failed timestamptz NOT NULL,
            locked_until timestamptz
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE baas.auth_failures")
    op.execute("DROP TABLE baas.used_tokens")
    op.execute("DROP TABLE baas.totp")
