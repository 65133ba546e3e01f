"""Recorded calls: each call's voiceprint (``voice_embeddings``, searched 1:N like faces) and the
centre's enrolled agents (``agent_voices``, whose turns are dropped from mono calls).

Revision ID: 0012_voice
Revises: 0011_channel
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_voice"
down_revision: str | None = "0011_channel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "voice_embeddings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("file", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("speech_seconds", sa.Float(), nullable=False),
        sa.Column("segments", JSON, nullable=False),
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("id_number", sa.String(32), nullable=False),
        sa.Column("cluster", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_voice_embeddings_dossier_id", "voice_embeddings", ["dossier_id"])
    op.create_index("ix_voice_embeddings_engine_id", "voice_embeddings", ["engine", "id"])
    op.create_index("ix_voice_embeddings_recorded_at", "voice_embeddings", ["recorded_at"])
    op.create_table(
        "agent_voices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("speech_seconds", sa.Float(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("name", "engine"),
    )


def downgrade() -> None:
    for table in ("agent_voices", "voice_embeddings"):
        op.drop_table(table)
