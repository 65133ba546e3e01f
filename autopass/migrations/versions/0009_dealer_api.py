"""The dealer API: dealers' keys, their calls counted for the rate limit, and their submissions.

``dealer_keys`` holds each key's SHA-256 and prefix (never the key), ``dealer_api_calls`` the calls
of the last window per key (every web process counts the same ones), ``dealer_submissions`` every
dossier sent over HTTP from its acceptance until process-dossier recorded it, unique per dealer
and ``Idempotency-Key``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _key_ref(ondelete: str | None = None) -> sa.Column:
    return sa.Column("key_id", sa.Integer(), sa.ForeignKey("dealer_keys.id", ondelete=ondelete),
                     nullable=False)


def upgrade() -> None:
    op.create_table(
        "dealer_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dealer_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        _when("created_at"),
        _when("revoked_at", nullable=True),
    )
    op.create_index("ix_dealer_keys_dealer_id", "dealer_keys", ["dealer_id"])
    op.create_table(
        "dealer_api_calls",
        sa.Column("id", sa.Integer(), primary_key=True),
        _key_ref(ondelete="CASCADE"),
        _when("at"),
    )
    op.create_index("ix_dealer_api_calls_at", "dealer_api_calls", ["at"])
    op.create_index("ix_dealer_api_calls_key_at", "dealer_api_calls", ["key_id", "at"])
    op.create_table(
        "dealer_submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dealer_id", sa.String(64), nullable=False),
        _key_ref(),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        _when("received_at"),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.UniqueConstraint("dealer_id", "idempotency_key"),
    )
    op.create_index("ix_dealer_submissions_key_id", "dealer_submissions", ["key_id"])
    op.create_index("ix_dealer_submissions_application_id", "dealer_submissions",
                    ["application_id"])


def downgrade() -> None:
    op.drop_table("dealer_submissions")
    op.drop_table("dealer_api_calls")
    op.drop_table("dealer_keys")
