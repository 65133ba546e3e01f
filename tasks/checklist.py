"""Evaluate the product's standard over what the machines read."""

from __future__ import annotations


from prefect import task
from prefect.cache_policies import NO_CACHE

from autopass.dossier import Application, CheckResult, DocumentResult, FaceResult
from autopass.rules import evaluate
from autopass.standards import Standard


@task(name="evaluate-checklist", cache_policy=NO_CACHE)
def evaluate_checklist(
    standard: Standard,
    application: Application,
    documents: list[DocumentResult],
    face: FaceResult | None,
    face_engine: str,
) -> list[CheckResult]:
    """One result per rule of the standard, judged on the day the dossier was submitted."""
    return evaluate(
        standard,
        application=application,
        documents=documents,
        face=face,
        face_engine=face_engine,
        today=application.submitted_at.date(),
    )
