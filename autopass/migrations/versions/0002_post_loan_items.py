"""Post-loan follow-up items found by the nightly batch (registration chase, ID card expiry).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the JSON column type (see 0001).
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "post_loan_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "dossier_id",
            sa.Integer(),
            sa.ForeignKey("dossiers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("due_on", sa.String(10), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", JSON, nullable=False),
        sa.UniqueConstraint("dossier_id", "kind"),
        sa.CheckConstraint(
            "kind IN ('registration_chase', 'id_expiry')", name="ck_post_loan_items_kind"
        ),
    )
    op.create_index("ix_post_loan_items_dossier_id", "post_loan_items", ["dossier_id"])


def downgrade() -> None:
    op.drop_table("post_loan_items")
