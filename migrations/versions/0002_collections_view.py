"""A read-only view of the collections for list filtering and sorting.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE VIEW baas.collections_listing AS
        SELECT id, name, type, system, created, updated,
               definition->>'listRule' AS "listRule",
               definition->>'viewRule' AS "viewRule",
               definition->>'createRule' AS "createRule",
               definition->>'updateRule' AS "updateRule",
               definition->>'deleteRule' AS "deleteRule",
               COALESCE(definition->>'viewQuery', '') AS "viewQuery"
        FROM baas.collections
        """
    )


def downgrade() -> None:
    op.execute("DROP VIEW baas.collections_listing")
