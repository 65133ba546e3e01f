"""``finalize-dossier``: when people have settled a dossier's micro-tasks, judge it again.

The machine result and the human answers are both kept (audit trail); the standard is evaluated
once more with the answers as facts. A page whose type people gave (the machine could not tell)
is read again as that document first: its fields are the machine's to read (and, where trusted
sources agree, to confirm), not people's to type. Every check passes -> ``approve``; a failure
people settled -> ``reject``; a required document still missing once people classified the pages
-> back to the dealer (``waiting_for_dealer``), no reject; a doubt that remains -> new
micro-tasks, with their crops, and this flow runs again when they are answered.
"""

from __future__ import annotations

from dataclasses import replace

from prefect import flow, get_run_logger
from pydantic import BaseModel, Field

from autopass.crops import crops_shown
from autopass.dossier import Decision
from autopass.review import apply_answers, decide_after_answers
from autopass.routing import plan_microtasks
from autopass.settings import get_settings
from autopass.standards import load_standard
from autopass.store import NewMicroTask
from autopass.tasks.channel import check_channel
from autopass.tasks.checklist import evaluate_checklist
from autopass.tasks.notify import notify_if_due
from autopass.tasks.read_again import pages_to_show, read_classified_pages
from autopass.tasks.risk import settle_and_check
from autopass.tasks.route import prepare_microtasks
from autopass.tasks.store import load_settled_dossier, record_decision


class FinalizeDossierRequest(BaseModel):
    dossier_id: int = Field(description="Store id of a dossier whose micro-tasks are all answered.")


@flow(name="finalize-dossier")
def finalize_dossier(request: FinalizeDossierRequest) -> str:
    """Re-evaluate a settled dossier with the human answers; return its decision."""
    logger = get_run_logger()
    loaded = load_settled_dossier(request.dossier_id)
    if loaded.already_decided:
        logger.info("dossier %s is already decided", request.dossier_id)
        return loaded.result.decision.value
    standard = load_standard(loaded.product, get_settings())
    documents, face = apply_answers(standard, loaded.result, loaded.settled)
    documents, face, images = read_classified_pages(standard, loaded, documents, face)
    images = replace(images, shown_before=crops_shown(loaded.payloads))
    checks = evaluate_checklist(
        standard, loaded.application, documents, face, get_settings().face_engine
    )
    checks = [*checks, settle_and_check(request.dossier_id, loaded.settled),
              check_channel(loaded.product, loaded.application, loaded.settled)]
    decision = decide_after_answers(checks, documents, face)
    result = loaded.result.model_copy(
        update={"decision": decision, "documents": documents, "face": face, "checks": checks}
    )
    new_tasks: list[NewMicroTask] = []
    if decision is Decision.REVIEW:  # crops: of the pages read again, else as shown before
        plans = plan_microtasks(standard, decision=decision, checks=checks, documents=documents)
        pictured, images = pages_to_show(plans, loaded, documents, images)
        new_tasks = prepare_microtasks(plans, loaded.application, pictured, images)
    record_decision(request.dossier_id, result, new_tasks)
    logger.info("dossier %s: %s", request.dossier_id, decision.value)
    notify_if_due(result)
    return decision.value
