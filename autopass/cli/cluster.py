"""``autopass cluster up`` / ``down``: the scaled-out shape on this machine (autopass.cluster)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from autopass.cli._app import app
from autopass.cluster import (
    DEFAULT_ADMIN_URL,
    HEARTBEAT_SECONDS,
    WORKER_POLL_SECONDS,
    ZOMBIE_AFTER_SECONDS,
    ClusterError,
    ClusterOptions,
    cluster_down,
    cluster_up,
)

DEFAULT_DIR = Path(".autopass-cluster")
cluster_app = typer.Typer(
    help="A Prefect server, its workers and the store on PostgreSQL, on this machine.",
    no_args_is_help=True,
)
app.add_typer(cluster_app, name="cluster")
_console = Console(stderr=True)
DirOption = Annotated[
    Path, typer.Option("--dir", help="The cluster's own folder: state, logs, inbox, data.")
]


@cluster_app.command("up")
def up(
    workers: Annotated[int, typer.Option(min=1, help="`prefect worker` processes.")] = 2,
    directory: DirOption = DEFAULT_DIR,
    worker_limit: Annotated[
        int | None, typer.Option(min=1, help="Flow runs per worker at once (default: no limit).")
    ] = None,
    postgres: Annotated[
        str, typer.Option(help="PostgreSQL server where the cluster creates its two databases.")
    ] = DEFAULT_ADMIN_URL,
    intake_every: Annotated[
        int, typer.Option(min=5, help="Seconds between intake runs.")
    ] = 60,
    queue_page: Annotated[bool, typer.Option(help="Also serve the queue page.")] = True,
    zombie_after: Annotated[int, typer.Option(
        min=2 * HEARTBEAT_SECONDS,
        help="Seconds without a heartbeat after which a flow run is marked Crashed.")
    ] = ZOMBIE_AFTER_SECONDS,
    worker_poll: Annotated[float, typer.Option(
        min=1, max=60, help="Seconds between a worker's requests for runs to start.")
    ] = WORKER_POLL_SECONDS,
) -> None:
    """Start a Prefect server (its database on PostgreSQL), the work pool, the deployments of
    prefect.yaml, WORKERS workers, the store on PostgreSQL and the queue page.

    Dossier folders dropped in DIR/inbox are taken by the intake every INTAKE_EVERY seconds, each
    one processed as a run of the process-dossier deployment by any worker. `autopass cluster
    down` stops everything and drops the databases.
    """
    options = ClusterOptions(
        workers=workers, worker_limit=worker_limit, postgres_admin_url=postgres,
        intake_interval_seconds=intake_every, queue_page=queue_page,
        zombie_after_seconds=zombie_after, worker_poll_seconds=worker_poll,
    )
    try:
        state = cluster_up(directory, options)
    except ClusterError as exc:
        _console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    _console.print(f"Prefect API  {state.api_url}")
    if state.queue_page_url:
        _console.print(f"queue page   {state.queue_page_url}")
    _console.print(f"inbox        {state.inbox}")
    _console.print(f"workers      {len(state.worker_pids)} (pids {state.worker_pids})")
    _console.print(f"logs         {state.directory / 'logs'}")
    _console.print(f"environment for other commands: PREFECT_API_URL={state.api_url} "
                   f"AUTOPASS_DATABASE_URL={state.store_url} AUTOPASS_DATA_DIR={state.data_dir}",
                   soft_wrap=True)


@cluster_app.command("down")
def down(directory: DirOption = DEFAULT_DIR) -> None:
    """Stop every process `cluster up` started in DIR and drop its databases."""
    try:
        done = cluster_down(directory)
    except ClusterError as exc:
        _console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    for line in done:
        _console.print(line)
