"""The scaled-out bench's per-dossier footprint, on real PostgreSQL databases, and the capacity
table that only scales it."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from autopass.devtools.footprint import capacity_table, per_dossier, snapshot
from autopass.store.db import temporary_postgres_database
from tests.conftest import POSTGRES_ADMIN_URL


def test_a_batch_is_measured_by_what_it_added_to_both_databases_and_the_data_dir(
    tmp_path: Path
) -> None:
    with temporary_postgres_database(POSTGRES_ADMIN_URL, "autopass_footprint_store") as store, \
            temporary_postgres_database(POSTGRES_ADMIN_URL, "autopass_footprint_prefect") as flows:
        for url in (store, flows):
            engine = sa.create_engine(url)
            with engine.begin() as connection:
                connection.execute(sa.text("CREATE TABLE item (id int, body text)"))
            engine.dispose()
        before = snapshot(store, flows.replace("psycopg", "asyncpg"), tmp_path)

        engine = sa.create_engine(store)
        with engine.begin() as connection:  # two dossiers: three rows each
            connection.execute(sa.text("INSERT INTO item SELECT g, repeat('x', 100) "
                                       "FROM generate_series(1, 6) g"))
        engine.dispose()
        (tmp_path / "originals").mkdir()
        (tmp_path / "originals" / "a.jpg").write_bytes(b"\0" * 5000)
        after = snapshot(store, flows, tmp_path)

    figures = per_dossier(before, after, dossiers=2)
    assert figures["store_rows_per_dossier"] == 3
    assert figures["prefect_rows_per_dossier"] == 0
    assert figures["files_bytes_per_dossier"] == 2500
    assert figures["store_bytes_per_dossier"] > 0


def test_the_capacity_table_scales_the_measured_figures_over_a_working_day() -> None:
    footprint = {"store_bytes_per_dossier": 40_000, "prefect_bytes_per_dossier": 60_000,
                 "files_bytes_per_dossier": 2_000_000, "prefect_transactions_per_dossier": 36}
    [small, medium, large] = capacity_table(dossiers_per_hour_per_worker=250, footprint=footprint)

    assert small["dossiers_per_day"] == 1_000 and small["workers"] == 1  # 83 an hour over 12 h
    assert medium["workers"] == 4  # 833 an hour
    assert large["workers"] == 34
    assert large["postgresql_gb_after_a_year"] == 3650.0  # 100 kB x 100k x 365
    assert large["originals_gb_after_a_year"] == 73000.0
    assert large["postgresql_connections"] == 34 * 2 + 10
    assert small["prefect_transactions_per_second"] == 0.8  # 1000 / 43200 s x 36
