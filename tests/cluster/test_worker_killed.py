"""The scaled-out shape survives a worker killed with SIGKILL in the middle of a dossier: the run
it left RUNNING is noticed (the zombie-run automation marks it Crashed once its heartbeats stop),
the dossier is processed again by the other worker, and every dossier of the batch is stored
exactly once with its decision.

A real Prefect server on PostgreSQL, its deployments and two workers (``autopass cluster up``),
the store on PostgreSQL; tiny dossiers whose photos are unreadable, so that each is quick. A file
of its own, so that pytest-xdist runs it beside the restart tests (``--dist loadfile``).
"""

from __future__ import annotations

import pytest

from tests.cluster.harness import (
    ADMIN_URL,
    a_dossier_in_flight,
    assert_each_stored_once,
    drop_batch,
    flow_run,
    flow_runs,
    kill_with_descendants,
    running_cluster,
    wait_for_batch,
)

pytestmark = [pytest.mark.cluster, pytest.mark.postgres, pytest.mark.timeout(900)]


def test_a_worker_killed_in_the_middle_of_a_dossier_loses_nothing_and_stores_nothing_twice(
        tmp_path):
    """Three dossiers: one stored before the kill, one killed in flight, one still to do."""
    with running_cluster(tmp_path / "cluster", ADMIN_URL) as cluster:
        application_ids = drop_batch(cluster, 3)

        run_id, worker = a_dossier_in_flight(cluster, archived_first=1)
        kill_with_descendants(worker)
        killed_folder = flow_run(cluster, run_id)["parameters"]["request"]["folder"]

        wait_for_batch(cluster, len(application_ids))
        assert_each_stored_once(cluster, application_ids)
        killed = flow_run(cluster, run_id)["state"]
        assert killed["type"] == "CRASHED", killed  # noticed, not left RUNNING
        assert "no heartbeat" in killed["message"], killed  # by the zombie-run automation
        again = [run for run in flow_runs(cluster, "process-dossier", ["COMPLETED"])
                 if run["parameters"]["request"]["folder"] == killed_folder]
        assert again, "the killed dossier was never processed again"
