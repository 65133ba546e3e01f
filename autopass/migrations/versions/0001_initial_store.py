"""Initial store: dossiers and their results, the micro-task queue, users and the audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types: a migration must not change when the models do.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _dossier_ref(ondelete: str = "CASCADE", nullable: bool = False) -> sa.Column:
    return sa.Column(
        "dossier_id",
        sa.Integer(),
        sa.ForeignKey("dossiers.id", ondelete=ondelete),
        nullable=nullable,
    )


def _open_only(state: str) -> dict[str, sa.TextClause]:
    where = sa.text(f"state = '{state}'")
    return {"postgresql_where": where, "sqlite_where": where}


def upgrade() -> None:
    op.create_table(
        "dossiers",
        _id(),
        sa.Column("application_id", sa.String(64), nullable=False, unique=True),
        sa.Column("product", sa.String(64), nullable=False),
        sa.Column("dealer_id", sa.String(64), nullable=False),
        sa.Column("salesperson_id", sa.String(64), nullable=False),
        sa.Column("application", JSON, nullable=False),
        _when("received_at"),
        _when("sla_deadline"),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("decision", sa.String(16), nullable=True),
        _when("decided_at", nullable=True),
        sa.Column("result", JSON, nullable=True),
        _when("updated_at"),
        sa.CheckConstraint(
            "status IN ('processing', 'waiting_for_people', 'decided', 'failed')",
            name="ck_dossiers_status",
        ),
    )
    op.create_index("ix_dossiers_dealer_id", "dossiers", ["dealer_id"])
    op.create_index("ix_dossiers_sla_deadline", "dossiers", ["sla_deadline"])
    op.create_index("ix_dossiers_status", "dossiers", ["status"])

    op.create_table(
        "dossier_files",
        _id(),
        _dossier_ref(),
        sa.Column("file", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("stored_path", sa.String(255), nullable=False),
        sa.UniqueConstraint("dossier_id", "file"),
    )
    op.create_index("ix_dossier_files_sha256", "dossier_files", ["sha256"])

    op.create_table(
        "documents",
        _id(),
        _dossier_ref(),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("file", sa.String(255), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("stored_path", sa.String(255), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("region", JSON, nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
    )
    op.create_index("ix_documents_dossier_id", "documents", ["dossier_id"])

    op.create_table(
        "field_values",
        _id(),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("value", JSON, nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("box", JSON, nullable=True),
        sa.CheckConstraint("source IN ('ocr', 'human', 'derived')", name="ck_field_values_source"),
    )
    op.create_index("ix_field_values_document_id", "field_values", ["document_id"])

    op.create_table(
        "check_results",
        _id(),
        _dossier_ref(),
        sa.Column("check_id", sa.String(96), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("hard", sa.Boolean(), nullable=False),
        sa.Column("subjects", JSON, nullable=False),
    )
    op.create_index("ix_check_results_dossier_id", "check_results", ["dossier_id"])

    op.create_table(
        "face_comparisons",
        _id(),
        _dossier_ref(),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("engine", sa.String(32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_face_comparisons_dossier_id", "face_comparisons", ["dossier_id"])

    op.create_table(
        "micro_tasks",
        _id(),
        _dossier_ref(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("check_id", sa.String(96), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("required_answers", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        _when("claimed_at", nullable=True),
        _when("lease_expires_at", nullable=True),
        _when("sla_deadline"),
        _when("created_at"),
        _when("answered_at", nullable=True),
        _when("closed_at", nullable=True),
        sa.Column("resolution", JSON, nullable=True),
        sa.Column("parent_task_id", sa.Integer(), sa.ForeignKey("micro_tasks.id"), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'claimed', 'answered', 'closed')", name="ck_micro_tasks_state"
        ),
        sa.CheckConstraint("required_answers IN (1, 2)", name="ck_micro_tasks_required_answers"),
        sa.CheckConstraint(
            "state <> 'claimed' OR (claimed_by IS NOT NULL AND lease_expires_at IS NOT NULL)",
            name="ck_micro_tasks_claim_has_lease",
        ),
    )
    # The claim order, over open tasks only: claiming reads the first unlocked row of this index.
    op.create_index(
        "ix_micro_tasks_open_order",
        "micro_tasks",
        ["sla_deadline", sa.literal_column("priority DESC"), "created_at", "id"],
        **_open_only("open"),
    )
    op.create_index(
        "ix_micro_tasks_claimed_lease", "micro_tasks", ["lease_expires_at"], **_open_only("claimed")
    )
    op.create_index("ix_micro_tasks_dossier_state", "micro_tasks", ["dossier_id", "state"])

    op.create_table(
        "micro_task_answers",
        _id(),
        sa.Column(
            "task_id",
            sa.Integer(),
            sa.ForeignKey("micro_tasks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("answer", JSON, nullable=True),
        _when("started_at"),
        _when("answered_at"),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.UniqueConstraint("task_id", "operator"),
    )

    op.create_table(
        "users",
        _id(),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when("created_at"),
        sa.CheckConstraint("role IN ('operator', 'senior', 'supervisor')", name="ck_users_role"),
    )

    op.create_table(
        "audit_events",
        _id(),
        _when("at"),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(48), nullable=False),
        _dossier_ref(ondelete="SET NULL", nullable=True),
        sa.Column(
            "task_id",
            sa.Integer(),
            sa.ForeignKey("micro_tasks.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("detail", JSON, nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_dossier_id", "audit_events", ["dossier_id"])
    op.create_index("ix_audit_events_task_id", "audit_events", ["task_id"])


def downgrade() -> None:
    for table in (
        "audit_events",
        "users",
        "micro_task_answers",
        "micro_tasks",
        "face_comparisons",
        "check_results",
        "field_values",
        "documents",
        "dossier_files",
        "dossiers",
    ):
        op.drop_table(table)
