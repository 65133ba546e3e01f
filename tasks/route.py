"""Decide the dossier and plan the micro-tasks that settle its doubts."""

from __future__ import annotations

import uuid

from prefect import task
from prefect.cache_policies import NO_CACHE

from autopass.crops import DocumentImages, build_payload
from autopass.dossier import (
    Application,
    CheckResult,
    Decision,
    DocumentResult,
    application_slug,
)
from autopass.routing import MicroTaskSpec, plan_microtasks
from autopass.rules import decide
from autopass.settings import get_settings
from autopass.standards import Standard
from autopass.store import NewMicroTask


@task(name="route", cache_policy=NO_CACHE)
def route(
    standard: Standard, checks: list[CheckResult], documents: list[DocumentResult]
) -> tuple[Decision, list[MicroTaskSpec]]:
    """``auto_pass`` only when every check passed; otherwise the micro-tasks to create."""
    decision = decide(checks)
    return decision, plan_microtasks(standard, decision=decision, checks=checks, documents=documents)


@task(name="prepare-microtasks", cache_policy=NO_CACHE)
def prepare_microtasks(
    plans: list[MicroTaskSpec],
    application: Application,
    documents: list[DocumentResult],
    images: DocumentImages,
) -> list[NewMicroTask]:
    """Save each micro-task's crops and build what the store needs to queue it."""
    crops_dir = get_settings().crops_dir
    # Each round of tasks writes into a folder of its own: a later round's task may show a crop
    # an earlier round wrote, which the later round's numbering must not overwrite.
    folder = f"{application_slug(application.application_id)}/{uuid.uuid4().hex[:12]}"
    by_key = {document.key: document for document in documents}
    application_values = _flatten(application.model_dump(mode="json"))
    return [
        NewMicroTask(
            kind=plan.kind,
            question=plan.question,
            check_id=plan.check_ids[0],
            required_answers=plan.required_answers,  # type: ignore[arg-type]
            role=plan.role,  # type: ignore[arg-type]
            payload=build_payload(
                plan,
                documents=by_key,
                application_values=application_values,
                images=images,
                crops_dir=crops_dir,
                prefix=f"{folder}/{number:02d}",
            ),
        )
        for number, plan in enumerate(plans, start=1)
    ]


def _flatten(data: dict, prefix: str = "") -> dict[str, object]:
    """``{"loan": {"amount": 1}}`` -> ``{"loan.amount": 1}``: how rules name application fields."""
    flat: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
