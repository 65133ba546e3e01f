"""Draw a straight-through dossier for a blind QA review by a senior (``autopass.quality``)."""

from __future__ import annotations

import uuid

import logging

from prefect import task
from prefect.cache_policies import NO_CACHE

from autopass.crops import DocumentImages
from autopass.dossier import Application, Decision, DossierResult, application_slug
from autopass.quality.qa import add_review, build_items
from autopass.quality.sampling import qa_reason
from autopass.settings import get_settings
from autopass.standards import Standard
from autopass.store import get_dossier, session_scope, utc_now


@task(name="sample-for-qa", cache_policy=NO_CACHE)
def sample_for_qa(standard: Standard, application: Application, result: DossierResult,
                  images: DocumentImages) -> int | None:
    """Queue a blind QA review of the dossier when it went straight through and is drawn (the
    standard's ``qa``); its id, else None. Runs after the decision is stored and never holds it
    up: a failure here is logged, the dossier stays decided."""
    if result.decision is not Decision.AUTO_PASS:
        return None
    reason = qa_reason(standard.qa, application_id=application.application_id,
                       dealer_id=application.dealer_id)
    if reason is None:
        return None
    settings = get_settings()
    try:
        prefix = f"{application_slug(application.application_id)}/qa-{uuid.uuid4().hex[:12]}"
        items = build_items(standard, result, images, crops_dir=settings.crops_dir, prefix=prefix)
        with session_scope(settings) as session:
            dossier = get_dossier(session, application_id=application.application_id)
            if dossier is None:
                return None
            return add_review(session, dossier=dossier, reason=reason, items=items,
                              now=utc_now()).id
    except Exception:  # noqa: BLE001 -- the decision stands; only this sample is lost
        logging.getLogger(__name__).warning("dossier %s: no QA review queued", application.application_id,
                                 exc_info=True)
        return None
