"""Field values may be ``agreed``: people's answer that a second person stands behind (two
operators keyed it alike, one gave again what another had, or a person chose it between
conflicting values), beside one person's (``human``). Only an agreed value can reject a dossier.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_field_values_source"


def upgrade() -> None:
    _allow_sources("'ocr', 'confirmed', 'human', 'agreed', 'derived'")


def downgrade() -> None:
    op.execute("UPDATE field_values SET source = 'human' WHERE source = 'agreed'")
    _allow_sources("'ocr', 'confirmed', 'human', 'derived'")


def _allow_sources(sources: str) -> None:
    # SQLite cannot alter a constraint: batch mode copies the table (PostgreSQL alters in place).
    with op.batch_alter_table("field_values") as batch:
        batch.drop_constraint(CONSTRAINT, type_="check")
        batch.create_check_constraint(CONSTRAINT, f"source IN ({sources})")
