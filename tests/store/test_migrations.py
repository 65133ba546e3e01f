"""The migrations build exactly the tables the models describe, on both dialects."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import get_args

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from autopass.dossier import FieldSource
from autopass.settings import Settings
from autopass.store import Dossier, DossierStatus, get_engine, session_scope, upgrade
from autopass.store.db import dispose_engine, downgrade

from .factories import make_application

TABLES = {
    "alembic_version",
    "audit_events",
    "check_results",
    "documents",
    "dossier_files",
    "dossiers",
    "face_comparisons",
    "field_values",
    "micro_task_answers",
    "micro_tasks",
    "post_loan_items",  # 0002: the nightly batch's post-loan follow-up
    "login_failures",  # 0008: wrong passwords counted to throttle guessing
    "dealer_keys",  # 0009: the dealer API's keys, calls and submissions
    "dealer_api_calls",
    "dealer_submissions",
    "risk_attributes",  # 0010: what dossiers share, their faces, the findings across them
    "face_embeddings",
    "risk_findings",
    "channel_watches",  # 0011: dealers and salespeople under watch (channel risk)
    "users",
}


def test_upgrade_from_an_empty_sqlite_file_creates_every_table(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh")
    upgrade(settings)
    try:
        inspector = sa.inspect(get_engine(settings.store_url))
        assert set(inspector.get_table_names()) == TABLES
        with get_engine(settings.store_url).connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        dispose_engine(settings.store_url)


def test_session_scope_migrates_a_fresh_store_on_first_use(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "first-use")
    try:
        with session_scope(settings) as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == 0
    finally:
        dispose_engine(settings.store_url)


def test_downgrade_to_empty_then_upgrade_again(store: Settings) -> None:
    downgrade(store, "base")
    assert set(sa.inspect(get_engine(store.store_url)).get_table_names()) == {"alembic_version"}
    upgrade(store)
    assert set(sa.inspect(get_engine(store.store_url)).get_table_names()) == TABLES


def test_models_and_migrations_agree(store: Settings) -> None:
    with get_engine(store.store_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_claim_order_index_covers_only_open_tasks(store: Settings) -> None:
    indexes = sa.inspect(get_engine(store.store_url)).get_indexes("micro_tasks")
    claim_order = next(index for index in indexes if index["name"] == "ix_micro_tasks_open_order")
    where = claim_order["dialect_options"].get(
        "postgresql_where", claim_order["dialect_options"].get("sqlite_where")
    )
    assert "open" in str(where)


@pytest.mark.parametrize(
    ("table", "constraint", "model_values"),
    [
        # 0004 added ``confirmed``, 0006 ``agreed``.
        ("field_values", "ck_field_values_source", set(get_args(FieldSource))),
        # 0005 added ``waiting_for_dealer``.
        ("dossiers", "ck_dossiers_status", {status.value for status in DossierStatus}),
    ],
)
def test_the_values_the_store_allows_are_the_model_s(
    store: Settings, table: str, constraint: str, model_values: set[str]
) -> None:
    """A value the model knows and the store refuses loses a dossier."""
    checks = sa.inspect(get_engine(store.store_url)).get_check_constraints(table)
    [allowed] = [check for check in checks if check["name"] == constraint]
    assert set(re.findall(r"'(\w+)'", allowed["sqltext"])) == model_values


def test_naive_datetimes_are_refused(store: Settings) -> None:
    application = make_application()
    naive = datetime(2026, 11, 28, 9, 0)
    refused = pytest.raises(sa.exc.StatementError, match="naive datetime 2026-11-28T09:00:00")
    with refused, session_scope(store) as session:
        session.add(
            Dossier(
                application_id=application.application_id,
                product=application.product,
                dealer_id=application.dealer_id,
                salesperson_id=application.salesperson_id,
                application={},
                received_at=naive,
                sla_deadline=naive,
                updated_at=naive,
            )
        )
        session.flush()
