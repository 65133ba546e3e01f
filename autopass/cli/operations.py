"""``autopass intake run``, ``autopass nightly run`` and ``autopass notify-dealers``: the
scheduled flows, by hand.

On a Prefect server the deployments of prefect.yaml run them (every minute, and at 02:00); these
commands run the same flows once in this process, for a single machine, cron, or a test.
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from autopass.cli._app import app
from autopass.settings import without_flow_heartbeats

intake_app = typer.Typer(help="Dossier folders dropped in an inbox.", no_args_is_help=True)
nightly_app = typer.Typer(
    help="The nightly batch: queue, dealers' deadlines, daily report, post-loan.",
    no_args_is_help=True)
app.add_typer(intake_app, name="intake")
app.add_typer(nightly_app, name="nightly")
_out = Console(highlight=False)


@intake_app.command("run")
def intake_run(
    inbox: Annotated[Path, typer.Option(help="Folder where dealers drop dossier folders.")],
    archive: Annotated[Path, typer.Option(help="Where folders go once their dossier is stored.")],
    rejected: Annotated[
        Path | None, typer.Option(help="Where unreadable folders go; default beside the archive.")
    ] = None,
    min_age: Annotated[
        float, typer.Option(help="Seconds a folder must be unchanged before it is taken.")
    ] = 10.0,
    watch: Annotated[
        float | None, typer.Option(help="Run again every this many seconds until interrupted.")
    ] = None,
) -> None:
    """Process every dossier folder in the inbox once, then move it to the archive.

    A crash at any point loses nothing and stores nothing twice: folders are claimed into
    INBOX/.processing by an atomic rename and taken first on the next run.
    """
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from autopass.orchestration import owned_flow_runs
    from autopass.flows.intake import IntakeRequest, intake

    request = IntakeRequest(
        inbox=str(inbox), archive=str(archive), rejected=str(rejected) if rejected else None,
        min_age_seconds=min_age,
    )
    while True:
        with without_flow_heartbeats(), owned_flow_runs():
            summary = intake(request)
        _out.print(
            f"intake: {len(summary.stored)} stored, {len(summary.already_stored)} already stored, "
            f"{len(summary.rejected)} rejected, {len(summary.retry_later)} to retry"
            + (" (another intake holds the inbox)" if summary.skipped_locked else "")
        )
        if watch is None:
            return
        time.sleep(watch)


@nightly_app.command("run")
def nightly_run(
    day: Annotated[
        str | None, typer.Option("--date", help="Day to report, YYYY-MM-DD; default yesterday.")
    ] = None,
) -> None:
    """Expire leases, re-finalize settled dossiers, report the day, find post-loan items."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from autopass.orchestration import owned_flow_runs
    from autopass.flows.nightly_batch import NightlyBatchRequest, nightly_batch

    try:
        report_day = date.fromisoformat(day) if day else None
    except ValueError:
        raise typer.BadParameter(f"{day!r} is not a date (YYYY-MM-DD)", param_hint="--date")
    with without_flow_heartbeats(), owned_flow_runs():
        summary = nightly_batch(NightlyBatchRequest(day=report_day))
    _out.print_json(summary.model_dump_json())


@app.command("notify-dealers")
def notify_dealers_run() -> None:
    """POST each new-photo request not yet delivered to the dealer webhook (exit 1 if any
    failed: they are tried again on the next run)."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from autopass.orchestration import owned_flow_runs
    from autopass.flows.notify_dealers import notify_dealers

    with without_flow_heartbeats(), owned_flow_runs():
        deliveries = notify_dealers()
    _out.print_json(deliveries.model_dump_json())
    raise typer.Exit(1 if deliveries.failed else 0)
