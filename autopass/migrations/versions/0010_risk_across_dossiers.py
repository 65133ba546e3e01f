"""Risk across dossiers: the values dossiers share, the faces they show, and the findings.

``risk_attributes`` holds each dossier's normalised phone, bank card, VIN, invoice number, address,
ID number and face cluster (the link graph); ``face_embeddings`` every ID portrait and selfie
embedding (the ANN index is rebuilt from it); ``risk_findings`` the links found, until a senior
settles them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _dossier_ref() -> sa.Column:
    return sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id", ondelete="CASCADE"),
                     nullable=False)


def upgrade() -> None:
    op.create_table(
        "risk_attributes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _dossier_ref(),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("id_number", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        _when("recorded_at"),
        sa.UniqueConstraint("kind", "value", "dossier_id"),
    )
    op.create_index("ix_risk_attributes_dossier_id", "risk_attributes", ["dossier_id"])
    op.create_index("ix_risk_attributes_kind_value_at", "risk_attributes",
                    ["kind", "value", "recorded_at"])
    op.create_table(
        "face_embeddings",
        sa.Column("id", sa.Integer(), primary_key=True),
        _dossier_ref(),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("id_number", sa.String(32), nullable=False),
        sa.Column("cluster", sa.String(32), nullable=False),
        _when("recorded_at"),
    )
    op.create_index("ix_face_embeddings_dossier_id", "face_embeddings", ["dossier_id"])
    op.create_index("ix_face_embeddings_engine_id", "face_embeddings", ["engine", "id"])
    op.create_table(
        "risk_findings",
        sa.Column("id", sa.Integer(), primary_key=True),
        _dossier_ref(),
        sa.Column("kinds", JSON, nullable=False),
        sa.Column("members", JSON, nullable=False),
        sa.Column("links", JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        _when("created_at"),
        sa.Column("settled_by", sa.String(64), nullable=True),
        _when("settled_at", nullable=True),
    )
    op.create_index("ix_risk_findings_dossier_id", "risk_findings", ["dossier_id"])
    op.create_index("ix_risk_findings_state", "risk_findings", ["state"])


def downgrade() -> None:
    for table in ("risk_findings", "face_embeddings", "risk_attributes"):
        op.drop_table(table)
