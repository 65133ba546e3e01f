"""What a dossier leaves behind in the scaled-out shape, and what that makes of a centre's day.

Measured on a running cluster (``autopass bench --workers``) as the difference between two
snapshots taken around a batch: rows and bytes in Autopass's store and in Prefect's database
(both PostgreSQL), Prefect's database transactions (each API call that writes is one or more),
and the bytes of originals and crops on the shared data dir. The capacity table only scales those
per-dossier figures and the measured throughput; it adds no figure of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

DAILY_VOLUMES = (1_000, 10_000, 100_000)
WORKING_HOURS = 12  # dossiers arrive over a centre's working day, not spread over 24 h
RETENTION_DAYS = 365
CONNECTIONS_PER_WORKER = 2  # a flow run's store session plus Prefect's API on the server side
QUEUE_PAGE_CONNECTIONS = 10  # SQLAlchemy's default pool (5) plus its overflow, per web process


@dataclass(frozen=True)
class Snapshot:
    store_rows: int
    store_bytes: int
    prefect_rows: int
    prefect_bytes: int
    prefect_transactions: int
    files_bytes: int


def snapshot(store_url: str, prefect_url: str, data_dir: Path) -> Snapshot:
    store_rows, store_bytes = _rows_and_bytes(store_url)
    prefect_rows, prefect_bytes = _rows_and_bytes(prefect_url)
    return Snapshot(store_rows, store_bytes, prefect_rows, prefect_bytes,
                    _transactions(prefect_url), _bytes_under(data_dir))


def per_dossier(before: Snapshot, after: Snapshot, dossiers: int) -> dict[str, float]:
    """Each figure's growth over the batch, divided by its dossiers."""
    return {
        f"{name}_per_dossier": round((getattr(after, name) - getattr(before, name)) / dossiers, 1)
        for name in Snapshot.__dataclass_fields__
    }


def capacity_table(dossiers_per_hour_per_worker: float,
                   footprint: dict[str, float]) -> list[dict[str, Any]]:
    """Workers, PostgreSQL size after a year and connections for each daily volume."""
    rows = []
    for per_day in DAILY_VOLUMES:
        workers = math.ceil(per_day / WORKING_HOURS / dossiers_per_hour_per_worker)
        database_bytes = per_day * RETENTION_DAYS * (
            footprint["store_bytes_per_dossier"] + footprint["prefect_bytes_per_dossier"])
        rows.append({
            "dossiers_per_day": per_day,
            "workers": workers,
            "postgresql_gb_after_a_year": round(database_bytes / 1e9, 1),
            "originals_gb_after_a_year": round(
                per_day * RETENTION_DAYS * footprint["files_bytes_per_dossier"] / 1e9, 1),
            "postgresql_connections": workers * CONNECTIONS_PER_WORKER + QUEUE_PAGE_CONNECTIONS,
            "prefect_transactions_per_second": round(
                per_day / WORKING_HOURS / 3600
                * footprint["prefect_transactions_per_dossier"], 1),
        })
    return rows


def _engine(url: str) -> sa.Engine:
    """A synchronous engine whatever driver the URL names (Prefect's says asyncpg)."""
    return sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))


def _rows_and_bytes(url: str) -> tuple[int, int]:
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            tables = connection.execute(sa.text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(relname) "
                "FROM pg_stat_user_tables")).scalars().all()
            rows = sum(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                       for table in tables)
            size = connection.execute(sa.text(
                "SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_stat_user_tables"
            )).scalar_one()
    finally:
        engine.dispose()
    return int(rows), int(size)


def _transactions(url: str) -> int:
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
            )).scalar_one())
    finally:
        engine.dispose()


def _bytes_under(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
