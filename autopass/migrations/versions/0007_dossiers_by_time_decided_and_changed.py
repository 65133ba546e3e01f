"""Dossiers by the time they were decided and last changed, as indexes.

``notify-dealers`` looks every minute for decisions of the last day not yet told to the dealer, and
the dossier page lists the dossiers that changed last: without these, both read every dossier
ever decided.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {"ix_dossiers_decided_at": "decided_at", "ix_dossiers_updated_at": "updated_at"}


def upgrade() -> None:
    for name, column in INDEXES.items():
        op.create_index(name, "dossiers", [column])


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="dossiers")
