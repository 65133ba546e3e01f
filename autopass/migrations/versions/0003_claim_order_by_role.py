"""The claim order of one role's open tasks, as an index: an operator's claim reads its first row.

``ix_micro_tasks_open_order`` (0001) orders every open task; a claim for one role had to step over
the other role's tasks at its head (the seniors' mismatches when they pile up), one table row at a
time. This index starts with the role, so an operator's claim is one index descent; claims across
several roles (seniors also take operators' tasks) keep reading the 0001 index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_ONLY = sa.text("state = 'open'")


def upgrade() -> None:
    op.create_index(
        "ix_micro_tasks_open_role_order",
        "micro_tasks",
        ["role", "sla_deadline", sa.literal_column("priority DESC"), "created_at", "id"],
        postgresql_where=OPEN_ONLY,
        sqlite_where=OPEN_ONLY,
    )


def downgrade() -> None:
    op.drop_index("ix_micro_tasks_open_role_order", table_name="micro_tasks")
