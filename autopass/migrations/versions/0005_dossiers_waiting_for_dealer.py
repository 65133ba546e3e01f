"""A dossier may wait for its dealer (``waiting_for_dealer``): an operator who could not tell from a
photo asked for a new one (``autopass.store.queue.request_new_photo``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_dossiers_status"


def upgrade() -> None:
    _allow_statuses("'processing', 'waiting_for_people', 'waiting_for_dealer', 'decided', 'failed'")


def downgrade() -> None:
    # Back in the people's hands: the nightly batch finalizes them with the answers they have.
    op.execute("UPDATE dossiers SET status = 'waiting_for_people' WHERE status = 'waiting_for_dealer'")
    _allow_statuses("'processing', 'waiting_for_people', 'decided', 'failed'")


def _allow_statuses(statuses: str) -> None:
    # SQLite cannot alter a constraint: batch mode copies the table (PostgreSQL alters in place).
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_constraint(CONSTRAINT, type_="check")
        batch.create_check_constraint(CONSTRAINT, f"status IN ({statuses})")
