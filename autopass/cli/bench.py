"""``autopass bench``: how fast this machine processes dossiers and serves the queue (issue 6)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from autopass.cli._app import app
from autopass.devtools.bench import DEFAULT_POSTGRES_ADMIN_URL, BenchConfig, run_bench
from autopass.devtools.cluster_bench import run_cluster_bench
from autopass.devtools.queue_bench import CLAIMER_MODES
from autopass.settings import get_settings

STORES = ("sqlite", "postgresql")


@app.command("bench")
def bench(
    count: Annotated[
        int, typer.Option("--count", min=1, help="Standard dossiers to measure (plus one warm-up).")
    ] = 10,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures to this JSON file.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated dossiers.")] = 0,
    warmup: Annotated[
        bool,
        typer.Option(
            "--warmup/--no-warmup",
            help="Run one extra dossier first, not counted (loads models, starts Prefect).",
        ),
    ] = True,
    faces: Annotated[
        Path | None,
        typer.Option("--faces", help="Face photos for the dossiers (default: settings)."),
    ] = None,
    queue_tasks: Annotated[
        int, typer.Option("--queue-tasks", min=1, help="Open micro-tasks in the queue bench.")
    ] = 100_000,
    claimers: Annotated[
        int, typer.Option("--claimers", min=1, help="Concurrent operators claiming and answering.")
    ] = 20,
    claimers_as: Annotated[
        str,
        typer.Option(
            "--claimers-as",
            help="processes: one per operator, as browser sessions on a server are; "
            "threads: all in this process (then the GIL is most of the latency).",
        ),
    ] = "processes",
    queue_rounds: Annotated[
        int, typer.Option("--queue-rounds", min=1, help="Claim + answer cycles per claimer.")
    ] = 25,
    think_ms: Annotated[
        int,
        typer.Option(
            "--think-ms",
            min=0,
            help="Pause between claim and answer, an operator reading the crop "
            "(0 = closed loop at full speed: the store's saturation, not an operator's wait).",
        ),
    ] = 1000,
    stores: Annotated[
        str, typer.Option("--stores", help="Stores for the queue bench: sqlite,postgresql.")
    ] = ",".join(STORES),
    postgres_admin_url: Annotated[
        str,
        typer.Option(
            "--postgres-admin-url",
            envvar="AUTOPASS_BENCH_POSTGRES_URL",
            help="A PostgreSQL server where the bench may create and drop a throwaway database.",
        ),
    ] = DEFAULT_POSTGRES_ADMIN_URL,
    skip_pipeline: Annotated[
        bool, typer.Option("--skip-pipeline", help="Measure the queue only.")
    ] = False,
    skip_queue: Annotated[
        bool, typer.Option("--skip-queue", help="Measure the pipeline only.")
    ] = False,
    skip_dealer_api: Annotated[
        bool, typer.Option("--skip-dealer-api", help="Do not measure the dealer API over HTTP.")
    ] = False,
    api_photos: Annotated[
        int, typer.Option("--api-photos", min=1,
                          help="Card photos checked over HTTP (captures_check_ms_p95).")
    ] = 20,
    api_submits: Annotated[
        int, typer.Option("--api-submits", min=1,
                          help="Dossiers submitted over HTTP (dossier_submit_ms_p95).")
    ] = 10,
    workers: Annotated[
        list[int] | None,
        typer.Option(
            "--workers", min=1,
            help="Instead: measure the scaled-out shape (`autopass cluster up`: a Prefect server, "
            "this many workers, PostgreSQL) with COUNT dossiers; repeat for several (--workers 1 "
            "--workers 2).",
        ),
    ] = None,
) -> None:
    """Measure dossier wall time, throughput, Prefect's overhead, engine time, memory, the dealer
    API over HTTP (a capture check, a submit) and queue latency on this machine. Figures only:
    nothing here passes or fails.

    Dossiers are generated and stored in a temporary folder; the queue runs on a throwaway SQLite
    file and a throwaway PostgreSQL database, dropped afterwards.
    """
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    progress = Console(stderr=True, highlight=False)
    if workers:
        report = run_cluster_bench(
            workers, count, seed=seed, faces_dir=faces or get_settings().faces_dir,
            postgres_admin_url=postgres_admin_url, say=lambda line: progress.print(f"[dim]{line}"),
        )
        _show(report, json_file)
        return
    chosen = tuple(store.strip() for store in stores.split(",") if store.strip())
    unknown = sorted(set(chosen) - set(STORES))
    if unknown:
        raise typer.BadParameter(f"unknown store(s) {', '.join(unknown)}; use {', '.join(STORES)}")
    if claimers_as not in CLAIMER_MODES:
        raise typer.BadParameter(
            f"--claimers-as {claimers_as}: use {' or '.join(CLAIMER_MODES)}"
        )
    config = BenchConfig(
        count=count,
        seed=seed,
        warmup=warmup,
        faces_dir=faces,
        skip_pipeline=skip_pipeline,
        skip_queue=skip_queue,
        skip_dealer_api=skip_dealer_api,
        api_photos=api_photos,
        api_submits=api_submits,
        queue_tasks=queue_tasks,
        claimers=claimers,
        queue_rounds=queue_rounds,
        think_ms=think_ms,
        claimer_mode=claimers_as,
        stores=chosen,
        postgres_admin_url=postgres_admin_url,
    )
    report = run_bench(
        config, settings=get_settings(), say=lambda line: progress.print(f"[dim]{line}")
    )
    _show(report, json_file)


def _show(report: dict[str, Any], json_file: Path | None) -> None:
    Console(highlight=False).print(figures_table(report))
    if json_file is not None:
        json_file.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def figures_table(report: dict[str, Any]) -> Table:
    """The figures of ``report`` for people; the JSON file has the same and more."""
    table = Table(title="autopass bench", show_header=True)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in report.items():
        if isinstance(value, dict):
            for name, item in value.items():
                table.add_row(f"{key}.{name}", _shown(item))
        else:
            table.add_row(key, _shown(value))
    return table


def _shown(value: Any) -> str:
    if value is None:
        return "skipped"
    if isinstance(value, dict):
        return ", ".join(f"{name}={_shown(item)}" for name, item in value.items())
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value)
    return str(value)


@app.command("bench-captures")
def bench_captures(
    folders: Annotated[list[Path], typer.Argument(help="Sample dossiers (autopass samples).")],
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures (and one row per "
                                  "photo) to this JSON file.")
    ] = None,
    against_pipeline: Annotated[bool, typer.Option(
        "--against-pipeline", help="Also read each photo as the pipeline does (no expected type, "
        "faces looked for, no early stop) and tell read from unread by that reading too; twice "
        "the time.")] = False,
) -> None:
    """How well the on-the-spot capture check flags the card photos the reader then fails on, and
    how long a check takes (POST /api/v1/captures/check's work)."""
    from autopass.devtools.capture_bench import measure_captures

    dossiers = [d for folder in folders
                for d in ([folder] if (folder / "truth.json").is_file()
                          else sorted(p.parent for p in folder.glob("*/truth.json")))]
    bench = measure_captures(dossiers, get_settings(), against_pipeline=against_pipeline)
    figures = bench.figures()
    table = Table(title=f"Capture check on {figures['photos']} card photos of clean dossiers")
    table.add_column("")
    table.add_column("flagged", justify="right")
    table.add_column("passed", justify="right")
    table.add_row("key fields not read (or not trusted)", str(figures["not_read_flagged"]),
                  str(figures["not_read_passed"]))
    table.add_row("key fields read right", str(figures["read_flagged"]),
                  str(figures["read_passed"]))
    console = Console()
    console.print(table)
    console.print(f"unread photos flagged {figures['share_of_unread_flagged']:.1%}, read photos "
                  f"flagged {figures['share_of_read_flagged']:.1%}; seconds per check p50 "
                  f"{figures['check_seconds_p50']} p95 {figures['check_seconds_p95']} (CPU p50 "
                  f"{figures['check_cpu_seconds_p50']} p95 {figures['check_cpu_seconds_p95']})")
    if against_pipeline:
        console.print(f"judged by the pipeline's own reading: unread photos flagged "
                      f"{figures['pipeline_not_read_flagged']}/"
                      f"{figures['pipeline_not_read_flagged'] + figures['pipeline_not_read_passed']}"
                      f" ({figures['pipeline_share_of_unread_flagged']:.1%}), read photos flagged "
                      f"{figures['pipeline_read_flagged']}/"
                      f"{figures['pipeline_read_flagged'] + figures['pipeline_read_passed']}"
                      f" ({figures['pipeline_share_of_read_flagged']:.1%})")
    if json_file is not None:
        json_file.write_text(json.dumps(figures | {"per_photo": bench.photos_seen}, indent=2,
                                        ensure_ascii=False) + "\n", encoding="utf-8")


@app.command("bench-a4")
def bench_a4(
    group: Annotated[str, typer.Option(help="Copy layouts: tuning, holdout or all.")] = "all",
    count: Annotated[int, typer.Option(min=1, help="Copies per layout.")] = 10,
) -> None:
    """Both sides of an ID card copied onto A4, per layout: found (right types and regions) and
    read (name, ID number, valid to), tuning and held-out layouts side by side."""
    from autopass.devtools.a4_bench import measure_layout
    from autopass.devtools.samples.capture import copy_layouts
    from autopass.engines.registry import get_ocr_engine

    ocr = get_ocr_engine(get_settings())
    table = Table(title=f"A4 copies, {count} per layout")
    for column in ("group", "layout", "both sides found", "and read"):
        table.add_column(column, justify="left" if column in ("group", "layout") else "right")
    totals: dict[str, list[int]] = {}
    for layout in copy_layouts(group):
        figures = measure_layout(layout, count, ocr)
        table.add_row(layout.group, layout.name, f"{figures.found}/{figures.pages}",
                      f"{figures.read}/{figures.pages}")
        total = totals.setdefault(layout.group, [0, 0, 0])
        total[0], total[1], total[2] = (total[0] + figures.found, total[1] + figures.read,
                                        total[2] + figures.pages)
    for name, (found, read, pages) in totals.items():
        table.add_row(name, "all", f"{found}/{pages} ({found / pages:.0%})",
                      f"{read}/{pages} ({read / pages:.0%})")
    Console().print(table)


@app.command("bench-risk")
def bench_risk(
    entries: Annotated[
        str, typer.Option("--entries", help="Stored entries per kind, comma-separated.")
    ] = "10000,100000,1000000",
    stores: Annotated[
        str, typer.Option("--stores", help="sqlite,postgresql.")
    ] = "sqlite,postgresql",
    kinds: Annotated[str, typer.Option("--kinds", help="faces,photos.")] = "faces,photos",
    queries: Annotated[int, typer.Option(min=2, help="Lookups timed per size.")] = 200,
    exhaustive: Annotated[
        int, typer.Option(min=0, help="Of those, also looked up through every stored row.")
    ] = 20,
    postgres_admin_url: Annotated[
        str,
        typer.Option("--postgres-admin-url",
                     help="A PostgreSQL server where the bench may create and drop a database."),
    ] = DEFAULT_POSTGRES_ADMIN_URL,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also append each size's figures to this file.")
    ] = None,
) -> None:
    """The lookups across dossiers (faces 1:N, photo reuse) at 10,000 to 1,000,000 synthetic
    stored entries: insert, index build, snapshot, memory, lookup p50/p95, agreement with the
    exhaustive lookups (README "Fraud across dossiers")."""
    from autopass.devtools.risk_bench import run_risk_bench

    console = Console()
    for store in [s.strip() for s in stores.split(",") if s.strip()]:
        if store not in STORES:
            raise typer.BadParameter(f"{store!r} is not one of {', '.join(STORES)}",
                                     param_hint="--stores")
        for size in [int(n) for n in entries.split(",") if n.strip()]:
            console.print(f"[bold]{store}, {size} entries[/bold]")
            figures = run_risk_bench(
                store=store, entries=size, kinds=tuple(k.strip() for k in kinds.split(",")),
                queries=queries, exhaustive_queries=exhaustive,
                postgres_admin_url=postgres_admin_url, say=console.print)
            console.print_json(json.dumps(figures))
            if json_file is not None:
                with json_file.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(figures) + "\n")
