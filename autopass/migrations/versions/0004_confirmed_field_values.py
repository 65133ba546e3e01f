"""Field values may be ``confirmed``: found again where the value every trusted source states was
expected (``autopass.reading.confirm``), beside ``ocr``, ``human`` and ``derived``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_field_values_source"


def upgrade() -> None:
    _allow_sources("'ocr', 'confirmed', 'human', 'derived'")


def downgrade() -> None:
    op.execute("UPDATE field_values SET source = 'ocr' WHERE source = 'confirmed'")
    _allow_sources("'ocr', 'human', 'derived'")


def _allow_sources(sources: str) -> None:
    # SQLite cannot alter a constraint: batch mode copies the table (PostgreSQL alters in place).
    with op.batch_alter_table("field_values") as batch:
        batch.drop_constraint(CONSTRAINT, type_="check")
        batch.create_check_constraint(CONSTRAINT, f"source IN ({sources})")
