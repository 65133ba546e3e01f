"""``autopass demo``: the main job on the embedded defaults (SQLite, Prefect's ephemeral mode).

Generates sample dossiers, processes them through the flows, prints what happened and how to
clear the micro-tasks that are waiting in the queue page.
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlmodel import func, select

from autopass.cli._app import app
from autopass.cli._running import Processed, process_folders
from autopass.errors import DossierError, ProcessingFailed
from autopass.devtools.evaluation import evaluate_results
from autopass.devtools.samples.generator import generate_samples
from autopass.settings import Settings, get_settings
from autopass.store import MicroTask, Role, TaskState, add_user, find_user, session_scope

DEMO_PASSWORD = "autopass-demo"
DEMO_USERS = {"operator": Role.OPERATOR, "operator2": Role.OPERATOR, "senior": Role.SENIOR,
              "supervisor": Role.SUPERVISOR}


@app.command()
def demo(
    count: Annotated[int, typer.Option(min=1, help="How many sample dossiers to generate and process.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the sample dossiers.")] = 2026,
    defect_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of dossiers with a planted defect.")] = 0.3,
    faces: Annotated[Path | None, typer.Option(help="Folder of face photos for the samples.")] = None,
) -> None:
    """Generate sample dossiers, process them, and show the decisions and the waiting queue."""
    settings = get_settings()
    console = Console()
    out = settings.data_dir / "demo" / f"seed-{seed}"
    with _progress(console) as progress:
        bar = progress.add_task("generate", total=count)
        folders = generate_samples(out, count, seed, defect_rate=defect_rate, faces_dir=faces,
                                   on_dossier=lambda _: progress.advance(bar))
        bar = progress.add_task("process", total=count)
        processed = []
        for item in process_folders(folders):
            processed.append(item)
            if item.error is not None:
                progress.console.print(f"[red]autopass: {escape(str(item.error))}")
            progress.advance(bar)
    console.print(_summary(processed, out))
    _ensure_demo_users(settings)
    console.print(_next_steps(settings, _waiting_tasks(settings)))


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("[bold]{task.description:>8}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)


def _summary(processed: list[Processed], out: Path) -> Table:
    results = [p.result for p in processed if p.result is not None]
    decisions = Counter(r["decision"] for r in results)
    seconds = [p.seconds for p in processed if p.result is not None]
    table = Table(title=f"Autopass demo: {len(processed)} dossiers from {out}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for decision in ("auto_pass", "review", "reject"):
        table.add_row(decision, str(decisions.get(decision, 0)))
    compared = [e for p in processed if (e := p.with_truth()) is not None]
    if compared:  # the samples' truth.json says which dossiers were clean
        report = evaluate_results(compared)
        defective = report.dossiers - report.clean_dossiers
        table.add_row("clean dossiers straight through (auto_pass)",
                      f"{report.clean_auto_pass} of {report.clean_dossiers}")
        if report.clean_held_by_repeated_face:
            table.add_row("  held: the samples show one face under several names (a ring)",
                          str(len(report.clean_held_by_repeated_face)))
        table.add_row("defective dossiers stopped (review or reject)",
                      f"{defective - len(report.false_auto_pass)} of {defective}")
    table.add_row("micro-tasks created", str(sum(len(r["microtasks"]) for r in results)))
    if seconds:
        table.add_row("seconds per dossier (median / max)",
                      f"{statistics.median(seconds):.1f} / {max(seconds):.1f}")
    failed = [p for p in processed if isinstance(p.error, ProcessingFailed)]
    unreadable = [p for p in processed if isinstance(p.error, DossierError)]
    if unreadable:
        table.add_row("unreadable dossiers", str(len(unreadable)))
    if failed:  # a service broke mid-way: the lines above the table say which and why
        table.add_row("dossiers whose processing failed", str(len(failed)))
    return table


def _waiting_tasks(settings: Settings) -> int:
    with session_scope(settings) as session:
        return session.exec(
            select(func.count()).select_from(MicroTask).where(
                MicroTask.state.in_([TaskState.OPEN, TaskState.CLAIMED])  # type: ignore[attr-defined]
            )
        ).one()


def _ensure_demo_users(settings: Settings) -> None:
    """Queue users for trying the page; only in development (production adds its own)."""
    if settings.environment != "development":
        return
    with session_scope(settings) as session:
        for username, role in DEMO_USERS.items():
            if find_user(session, username=username) is None:
                add_user(session, username=username, password=DEMO_PASSWORD, role=role)


def _next_steps(settings: Settings, waiting: int) -> str:
    prefect_home = settings.data_dir / "prefect"
    bin_dir = Path(sys.executable).parent  # the commands as this environment has them (.venv/bin)
    autopass, prefect = bin_dir / "autopass", bin_dir / "prefect"
    return (
        f"\n[bold]{waiting} micro-task(s) waiting for people.[/bold]\n"
        f"Clear them in the queue page:  [cyan]{autopass} serve[/cyan]  then open http://127.0.0.1:8000\n"
        f"  log in as operator / operator2 / senior / supervisor, password {DEMO_PASSWORD!r}\n"
        f"  (keys: Enter accepts, Y/N, 1-9 choose, Esc skips; the supervisor sees the queue;\n"
        f"  seniors and supervisors look a dossier up at http://127.0.0.1:8000/dossiers)\n"
        f"See the flow runs in the Prefect UI:  "
        f"[cyan]PREFECT_HOME={prefect_home} PREFECT_UI_ENABLED=true {prefect} server start[/cyan]\n"
        f"  then open http://127.0.0.1:4200\n"
    )
