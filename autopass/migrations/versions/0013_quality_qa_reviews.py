"""QA of straight-through dossiers: ``qa_reviews``, one blind review of a sampled dossier by a
senior, with what the machine read (never shown) and how the senior's answers compared.

Revision ID: 0013_quality
Revises: 0012_voice
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013_quality"
down_revision: str | None = "0012_voice"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "qa_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("items", JSON, nullable=False),
        _when("created_at"),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        _when("claimed_at", nullable=True),
        _when("lease_expires_at", nullable=True),
        sa.Column("answered_by", sa.String(64), nullable=True),
        _when("answered_at", nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("answer", JSON, nullable=True),
        sa.Column("outcome", JSON, nullable=True),
        sa.Column("decision_changed", sa.Boolean(), nullable=True),
    )
    op.create_index("ix_qa_reviews_dossier_id", "qa_reviews", ["dossier_id"])
    op.create_index("ix_qa_reviews_state", "qa_reviews", ["state"])
    op.create_index("ix_qa_reviews_answered_at", "qa_reviews", ["answered_at"])


def downgrade() -> None:
    op.drop_table("qa_reviews")
