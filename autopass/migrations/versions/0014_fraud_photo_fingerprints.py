"""Photo fingerprints: a perceptual hash of each page a dossier sent, with the kind of document on
it, so that the same photo in another applicant's dossier is a risk finding (#28 item 3).

Revision ID: 0014_fraud
Revises: 0013_quality
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_fraud"
down_revision: str | None = "0013_quality"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photo_fingerprints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("file", sa.String(255), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("phash", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.String(64), nullable=False),
        sa.Column("id_number", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_photo_fingerprints_dossier_id", "photo_fingerprints", ["dossier_id"])
    op.create_index("ix_photo_fingerprints_kind_at", "photo_fingerprints", ["kind", "recorded_at"])


def downgrade() -> None:
    op.drop_table("photo_fingerprints")
