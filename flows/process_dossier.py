"""``process-dossier``: one dossier from folder to decision.

Composes the tasks only: open the folder, keep the originals, read every file in parallel, look
again at doubtful values that the trusted sources agree on, compare faces, evaluate the product's
standard, route, record. Every exception the machines cannot settle leaves as a micro-task in the
queue.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Protocol

from prefect import Task, flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel, Field

from autopass.dossier import DossierResult, application_slug
from autopass.settings import get_settings
from autopass.tasks.channel import check_channel
from autopass.tasks.checklist import evaluate_checklist
from autopass.tasks.read_file import read_file, collect_documents
from autopass.tasks.confirm import confirm_readings
from autopass.tasks.face import match_faces
from autopass.tasks.open_dossier import open_dossier
from autopass.tasks.notify import notify_if_due
from autopass.tasks.qa import sample_for_qa
from autopass.tasks.risk import inspect_documents, screen_across_dossiers
from autopass.tasks.route import prepare_microtasks, route
from autopass.tasks.store import record_result, store_originals
from autopass.tasks.voice import call_results, check_calls, voices_of


class ProcessDossierRequest(BaseModel):
    folder: str = Field(description="Path of the dossier folder (application.json + images).")
    product: str | None = Field(
        None, description="Standard to apply; by default the application's `product`."
    )


class StepRunner(Protocol):
    """How the pipeline's steps are called: as Prefect tasks (the flow), or as plain functions
    (the benchmark's baseline, which must do exactly the same work)."""

    def __call__(self, step: Task, *args: Any) -> Any: ...

    def map(self, step: Task, items: list[Any]) -> list[Any]: ...


class PrefectSteps:
    """Steps as task runs of the current flow run; ``map`` runs on the flow's task runner."""

    def __call__(self, step: Task, *args: Any) -> Any:
        return step(*args)

    def map(self, step: Task, items: list[Any]) -> list[Any]:
        return [future.result() for future in step.map(items)]


def run_steps(request: ProcessDossierRequest, run: StepRunner) -> DossierResult:
    """The pipeline, step by step: open, keep originals, read every file, compare faces, check,
    route, record. Returns the result as stored (micro-tasks with their queue ids)."""
    started = time.perf_counter()
    settings = get_settings()
    dossier, standard = run(open_dossier, request.folder, request.product)
    application = dossier.application
    originals = run(store_originals, dossier.files + dossier.calls)
    calls = run(check_calls, dossier.calls, originals, standard)
    readings = run.map(read_file, list(dossier.files))
    documents, images = collect_documents(readings)
    documents = run(confirm_readings, standard, application, documents, images)
    match = run(match_faces, images.faces_of(images.portrait_key), images.faces_of(images.selfie_key),
                standard)
    images = replace(images, portrait_box=match.portrait_box, selfie_box=match.selfie_box)
    checks = run(evaluate_checklist, standard, application, documents, match.result,
                 settings.face_engine)
    tampering = run(inspect_documents, standard, documents, images)
    fingerprints = [fp for reading in readings for fp in reading.fingerprints]
    screening = run(screen_across_dossiers, standard, application, documents,
                    images.faces_of(images.portrait_key), images.faces_of(images.selfie_key),
                    voices_of(calls), fingerprints, tampering)
    call_summary, call_checks = call_results(calls, screening)
    channel = run(check_channel, standard.product, application)
    checks = [*checks, *call_checks, screening.check, channel]
    decision, plans = run(route, standard, checks, documents)
    microtasks = run(prepare_microtasks, plans, application, documents, images)
    result = DossierResult(
        application_id=application.application_id,
        decision=decision,
        documents=documents,
        face=match.result,
        checks=checks,
        microtasks=[],  # filled in by the store, with the queue's ids
        elapsed_ms=int((time.perf_counter() - started) * 1000),
        calls=call_summary,
    )
    stored = run(record_result, application, result, originals, microtasks, standard.sla_minutes,
                 settings.face_engine, screening)
    run(sample_for_qa, standard, application, stored, images)  # after the decision, not before
    return stored


@flow(
    name="process-dossier",
    # Documents are read in parallel threads; the engines release the GIL while they compute.
    task_runner=ThreadPoolTaskRunner(max_workers=get_settings().parallelism),
)
def process_dossier(request: ProcessDossierRequest) -> dict:
    """Process one dossier folder and return its CONTRACT §3 result."""
    stored = run_steps(request, PrefectSteps())
    get_run_logger().info(
        "dossier %s: %s with %d micro-task(s)",
        stored.application_id,
        stored.decision.value,
        len(stored.microtasks),
    )
    _publish_summary(stored)
    notify_if_due(stored)
    return stored.contract_json()


def artifact_key(application_id: str) -> str:
    """The dossier's artifact key: Prefect allows lower-case letters, digits and dashes only."""
    return f"dossier-{application_slug(application_id)}"


def _publish_summary(result: DossierResult) -> None:
    """A Markdown artifact for the Prefect UI: decision and checks, no personal data."""
    rows = "\n".join(
        f"| {check.id} | {check.status.value} | {check.detail} |" for check in result.checks
    )
    documents = ", ".join(f"{d.file}: {d.type.value}" for d in result.documents)
    create_markdown_artifact(
        key=artifact_key(result.application_id),
        description=f"Dossier {result.application_id}",
        markdown=(
            f"# Dossier {result.application_id}: **{result.decision.value}**\n\n"
            f"Documents: {documents}\n\n"
            f"| check | status | detail |\n|---|---|---|\n{rows}\n\n"
            f"Micro-tasks: {len(result.microtasks)}; {result.elapsed_ms} ms"
        ),
    )
