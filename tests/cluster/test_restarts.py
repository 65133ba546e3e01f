"""The scaled-out shape survives PostgreSQL or the Prefect server restarting during a batch: every
dossier stored exactly once, with its decision.

One cluster for the module (``autopass cluster up``: a real Prefect server, its deployments and
two workers), with its databases on a PostgreSQL server of the module's own: restarting the
machine's would cut off everyone else using it. Each test leaves the cluster as it found it, every
folder archived, and drops its batch after the earlier ones; the store must then hold every
dossier of every batch once. Three dossiers a batch: one stored before the restart, one in flight
during it, one still to do after it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autopass.cluster import ClusterState, restart_server
from tests.cluster.harness import (
    PrivatePostgres,
    a_dossier_in_flight,
    assert_each_stored_once,
    drop_batch,
    private_postgres,
    running_cluster,
    wait_for_batch,
)

pytestmark = [pytest.mark.cluster, pytest.mark.postgres, pytest.mark.timeout(900)]
BATCH = 3


@pytest.fixture(scope="module")
def postgres_and_cluster(tmp_path_factory) -> Iterator[tuple[PrivatePostgres, ClusterState]]:
    with private_postgres() as postgres, \
            running_cluster(tmp_path_factory.mktemp("restarts") / "cluster",
                            postgres.admin_url) as cluster:
        yield postgres, cluster


def test_postgresql_restarting_during_the_batch_loses_nothing_and_stores_nothing_twice(
        postgres_and_cluster):
    postgres, cluster = postgres_and_cluster
    application_ids = drop_batch(cluster, BATCH)
    a_dossier_in_flight(cluster, archived_first=len(application_ids) - BATCH + 1)
    postgres.restart()

    wait_for_batch(cluster, len(application_ids))
    assert_each_stored_once(cluster, application_ids)


def test_the_prefect_server_restarting_during_the_batch_loses_nothing_and_stores_nothing_twice(
        postgres_and_cluster):
    _, cluster = postgres_and_cluster
    application_ids = drop_batch(cluster, BATCH)
    a_dossier_in_flight(cluster, archived_first=len(application_ids) - BATCH + 1)
    restart_server(cluster)

    wait_for_batch(cluster, len(application_ids))
    assert_each_stored_once(cluster, application_ids)
