"""How fast Autopass is on this machine: the figures of ``autopass bench`` (issue 6), gathered
into one report from measurements each usable alone:

- the pipeline (``pipeline_bench``): the same generated dossiers through the ``process-dossier``
  flow and through its task bodies called directly (no Prefect), interleaved so that the
  machine's load falls on both alike, engines timed by a proxy for the OCR / face split; and the
  cold start of ``autopass process``;
- the dealer API over real HTTP to ``autopass serve`` (``api_bench``): a card photo's capture
  check and a dossier's submit, each to its answer;
- the queue (``queue_bench``): claim + answer latency of concurrent operators, each a process of
  its own, on a throwaway SQLite file and a throwaway PostgreSQL database;
- the scaled-out shape (``cluster_bench``): deployment runs on several workers.

Figures, never assertions: timings belong in a report, not in tests.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from autopass.devtools.api_bench import ApiFigures, dealer_api_keys, measure_dealer_api
from autopass.devtools.pipeline_bench import (
    PipelineFigures,
    measure_cold_start,
    measure_pipeline,
)
from autopass.devtools.queue_bench import QueueFigures, measure_queue
from autopass.devtools.stopwatch import peak_rss_mb, percentile
from autopass.settings import Settings
from autopass.store.db import (
    temporary_postgres_database,
    temporary_sqlite_database,
)

DOCUMENTS_PER_DOSSIER = 7
THROUGHPUT_MODE = (
    "one dossier at a time per worker process; its files read by `parallelism` threads"
)
ENGINE_SECONDS_BASIS = (
    "seconds per dossier, summed over the threads that read its files, in the direct runs; "
    "other = the steps' time minus OCR and face calls"
)
DEFAULT_POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# --- the whole bench -----------------------------------------------------------------------------
@dataclass(frozen=True)
class BenchConfig:
    count: int = 10
    seed: int = 0
    warmup: bool = True  # one more dossier first, not counted (models, stores, Prefect start)
    faces_dir: Path | None = None
    skip_pipeline: bool = False
    skip_queue: bool = False
    skip_dealer_api: bool = False
    api_photos: int = 20  # card photos checked over HTTP (captures_check_ms_p95)
    api_submits: int = 10  # dossiers submitted over HTTP (dossier_submit_ms_p95)
    queue_tasks: int = 100_000
    claimers: int = 20
    queue_rounds: int = 25  # claim + answer cycles per claimer
    think_ms: int = 1000  # between claim and answer, an operator reads the crop (0 = saturation)
    claimer_mode: str = "processes"  # one process per operator, as separate browser sessions are
    stores: tuple[str, ...] = ("sqlite", "postgresql")
    postgres_admin_url: str = DEFAULT_POSTGRES_ADMIN_URL


def run_bench(
    config: BenchConfig, *, settings: Settings, say: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """Every figure of issue 6 as one JSON-ready object (a skipped part's figures are None)."""
    report: dict[str, Any] = {
        "count": config.count,
        "seed": config.seed,
        "warmup": config.warmup,
        "documents_per_dossier": DOCUMENTS_PER_DOSSIER,
        "parallelism": settings.parallelism,
        "cpu_count": os.cpu_count(),
        "load_average_start": [round(value, 2) for value in os.getloadavg()],
        **_pipeline_keys(None),
    }
    with tempfile.TemporaryDirectory(prefix="autopass-bench-") as work:
        work_dir = Path(work)
        if not config.skip_pipeline:
            report.update(_pipeline_keys(_bench_pipeline(config, settings, work_dir, say)))
        report["peak_rss_mb"] = peak_rss_mb()  # before the queue part adds its own threads
        report.update(dealer_api_keys(
            None if config.skip_dealer_api else _bench_dealer_api(config, settings, work_dir, say),
            percentile))
        report.update(
            _queue_keys(None if config.skip_queue else _bench_queue(config, work_dir, say), config)
        )
    report["load_average_end"] = [round(value, 2) for value in os.getloadavg()]
    return report


def _bench_pipeline(
    config: BenchConfig, settings: Settings, work_dir: Path, say: Callable[[str], None]
) -> PipelineFigures:
    from autopass.devtools.samples.generator import generate_samples

    warmups = 1 if config.warmup else 0
    say(f"generating {config.count} + {warmups} warm-up standard dossiers (seed {config.seed})")
    folders = generate_samples(
        work_dir / "samples",
        config.count + warmups,
        config.seed,
        defect_rate=0.0,
        faces_dir=config.faces_dir or settings.faces_dir,
    )
    say("cold start: `autopass process` in a new process, twice")
    cold_start = measure_cold_start(folders[0], work_dir / "cold-start")
    say("warming up (models, stores, Prefect), then measuring" if warmups else "measuring")
    figures = measure_pipeline(
        folders[warmups:],
        work_dir=work_dir,
        settings=settings.model_copy(update={"data_dir": work_dir}),
        warmup=folders[0] if warmups else None,
        on_dossier=say,
    )
    figures.cold_start = cold_start
    return figures


def _bench_dealer_api(
    config: BenchConfig, settings: Settings, work_dir: Path, say: Callable[[str], None]
) -> ApiFigures:
    from autopass.devtools.samples.generator import generate_samples

    # about four card photos a dossier: enough dossiers for the photos and the submits
    count = max(config.api_submits, -(-config.api_photos // 4) + 1)
    say(f"generating {count} standard dossiers for the dealer API (seed {config.seed + 1})")
    folders = generate_samples(work_dir / "api-samples", count, config.seed + 1, defect_rate=0.0,
                               faces_dir=config.faces_dir or settings.faces_dir)
    return measure_dealer_api(folders, work_dir, photos=config.api_photos,
                              submits=config.api_submits, say=say)


def _bench_queue(
    config: BenchConfig, work_dir: Path, say: Callable[[str], None]
) -> list[QueueFigures]:
    stores = {
        "sqlite": lambda: temporary_sqlite_database("autopass-bench-sqlite"),
        "postgresql": lambda: temporary_postgres_database(config.postgres_admin_url, "autopass_bench"),
    }
    results = []
    for store in config.stores:
        say(
            f"queue on {store}: {config.queue_tasks} open tasks, {config.claimers} claimers "
            f"({config.claimer_mode})"
        )
        with stores[store]() as url:
            results.append(
                measure_queue(
                    store,
                    url,
                    tasks=config.queue_tasks,
                    claimers=config.claimers,
                    rounds=config.queue_rounds,
                    data_dir=work_dir / f"queue-{store}",
                    think_seconds=config.think_ms / 1000,
                    claimer_mode=config.claimer_mode,
                )
            )
    return results


def _pipeline_keys(figures: PipelineFigures | None) -> dict[str, Any]:
    if figures is None:
        return {
            "dossier_seconds_p50": None,
            "dossier_seconds_p95": None,
            "dossiers_per_hour": None,
            "throughput_mode": THROUGHPUT_MODE,
            "orchestration_overhead_ratio": None,
            "direct_seconds_p50": None,
            "engine_seconds": None,
            "engine_seconds_basis": ENGINE_SECONDS_BASIS,
            "step_seconds": None,
            "prefect_task_seconds": None,
            "decisions": None,
            "decisions_agree": None,
            "warmup_seconds": None,
            "cold_start_seconds": None,
            "cold_start": None,
        }
    return {
        "dossier_seconds_p50": round(percentile(figures.flow_seconds, 50), 3),
        "dossier_seconds_p95": round(percentile(figures.flow_seconds, 95), 3),
        "dossiers_per_hour": round(figures.dossiers_per_hour, 1),
        "throughput_mode": THROUGHPUT_MODE,
        "orchestration_overhead_ratio": round(figures.orchestration_overhead_ratio, 3),
        "direct_seconds_p50": round(percentile(figures.direct_seconds, 50), 3),
        "engine_seconds": _rounded(figures.engine_seconds),
        "engine_seconds_basis": ENGINE_SECONDS_BASIS,
        "step_seconds": _rounded(figures.step_seconds),
        "prefect_task_seconds": _rounded(figures.prefect_task_seconds),
        "decisions": figures.decisions,
        "decisions_agree": figures.decisions_agree,
        "warmup_seconds": round(figures.warmup_seconds, 2),
        "cold_start_seconds": {name: cold.seconds for name, cold in figures.cold_start.items()},
        "cold_start": {name: asdict(cold) for name, cold in figures.cold_start.items()},
    }


def _queue_keys(results: list[QueueFigures] | None, config: BenchConfig) -> dict[str, Any]:
    if results is None:
        return {"queue_claim_answer_ms_p95": None, "queue_claim_answer_ms_p50": None, "queue": None}
    measured = [r for r in results if r.claim_answer_ms]
    details = {
        r.store: {
            "open_tasks": r.open_tasks,
            "claimers": r.claimers,
            "claimer_mode": r.claimer_mode,
            "think_ms": config.think_ms,
            "samples": len(r.claim_answer_ms),
            "empty_claims": r.empty_claims,
            "fill_seconds": round(r.fill_seconds, 2),
            "cycles_per_second": round(len(r.claim_answer_ms) / r.wall_seconds, 1),
            "claim_answer_ms_p50": round(percentile(r.claim_answer_ms, 50), 2),
            "claim_ms_p50": round(percentile(r.claim_ms, 50), 2),
            "claim_ms_p95": round(percentile(r.claim_ms, 95), 2),
            "answer_ms_p50": round(percentile(r.answer_ms, 50), 2),
            "answer_ms_p95": round(percentile(r.answer_ms, 95), 2),
        }
        for r in measured
    }
    return {
        "queue_claim_answer_ms_p95": {
            r.store: round(percentile(r.claim_answer_ms, 95), 2) for r in measured
        },
        "queue_claim_answer_ms_p50": {
            r.store: round(percentile(r.claim_answer_ms, 50), 2) for r in measured
        },
        "queue": details,
    }


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {name: round(seconds, 3) for name, seconds in values.items()}


