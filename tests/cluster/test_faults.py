"""The scaled-out shape survives its faults: every dossier of a batch stored exactly once, with its
decision, though a worker dies in the middle of a dossier, PostgreSQL restarts or the Prefect
server restarts during the batch.

A real Prefect server on PostgreSQL, its deployments and two workers (``autopass cluster up``),
the store on PostgreSQL; tiny dossiers whose photos are unreadable, so that each is quick.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy.engine import make_url

from autopass.cluster import restart_server

from tests.cluster.harness import (
    assert_each_stored_once,
    drop_batch,
    flow_run,
    flow_runs,
    kill_with_descendants,
    private_postgres,
    process_of_flow_run,
    running_cluster,
    wait_for_batch,
    worker_of,
)
from tests.conftest import POSTGRES_ADMIN_URL

pytestmark = [pytest.mark.cluster, pytest.mark.postgres, pytest.mark.timeout(900)]
BATCH = 4
ADMIN_URL = make_url(POSTGRES_ADMIN_URL).set(database="postgres").render_as_string(
    hide_password=False)


def test_a_worker_killed_in_the_middle_of_a_dossier_loses_nothing_and_stores_nothing_twice(
        tmp_path):
    with running_cluster(tmp_path / "cluster", ADMIN_URL) as cluster:
        application_ids = drop_batch(cluster, BATCH)

        run_id, worker = _a_dossier_being_processed(cluster)
        kill_with_descendants(worker)
        killed_folder = flow_run(cluster, run_id)["parameters"]["request"]["folder"]

        wait_for_batch(cluster, BATCH)
        assert_each_stored_once(cluster, application_ids)
        assert flow_run(cluster, run_id)["state_type"] == "CRASHED"  # noticed, not left RUNNING
        again = [run for run in flow_runs(cluster, "process-dossier", ["COMPLETED"])
                 if run["parameters"]["request"]["folder"] == killed_folder]
        assert again, "the killed dossier was never processed again"


def test_postgresql_restarting_during_the_batch_loses_nothing_and_stores_nothing_twice(tmp_path):
    """On a PostgreSQL server of the test's own: restarting the machine's would cut off
    everyone else using it."""
    with private_postgres() as postgres, \
            running_cluster(tmp_path / "cluster", postgres.admin_url) as cluster:
        application_ids = drop_batch(cluster, BATCH)
        _a_dossier_being_processed(cluster)
        postgres.restart()

        wait_for_batch(cluster, BATCH)
        assert_each_stored_once(cluster, application_ids)


def test_the_prefect_server_restarting_during_the_batch_loses_nothing_and_stores_nothing_twice(
        tmp_path):
    with running_cluster(tmp_path / "cluster", ADMIN_URL) as cluster:
        application_ids = drop_batch(cluster, BATCH)
        _a_dossier_being_processed(cluster)
        restart_server(cluster)

        wait_for_batch(cluster, BATCH)
        assert_each_stored_once(cluster, application_ids)


def _a_dossier_being_processed(cluster, timeout: float = 300) -> tuple[str, int]:
    """A running process-dossier run and the worker whose process runs it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for run in flow_runs(cluster, "process-dossier", ["RUNNING"]):
            process = process_of_flow_run(run["id"])
            worker = worker_of(cluster, process) if process else None
            if worker is not None:
                return run["id"], worker
        time.sleep(0.2)
    raise AssertionError(f"no dossier was being processed within {timeout:.0f} s")
