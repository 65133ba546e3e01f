"""A senior settles a dossier's findings: not the same person, the same person and fine, or
fraud. Confirmed fraud rejects the dossier (``risk_check`` fails, hard) and, here, every other
open dossier of its ring with that reason; a decided one is marked on its audit trail for review
(its money may be out already: people decide what to do)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session

from autopass.dossier import Decision, DossierResult
from autopass.risk.screening import RISK_CHECK_ID, risk_check
from autopass.store.audit import record_event
from autopass.store.dossiers import close_open_tasks, decide_dossier
from autopass.store.models import Dossier, DossierStatus, FindingState, RiskFinding

RING_REJECTED = "fraud confirmed in its ring"
OPEN_STATUSES = (DossierStatus.WAITING_FOR_PEOPLE, DossierStatus.WAITING_FOR_DEALER)


class Verdict(StrEnum):
    NOT_SAME_PERSON = "not_same_person"
    SAME_PERSON_FINE = "same_person_fine"
    FRAUD_CONFIRMED = "fraud_confirmed"

    @property
    def label(self) -> str:
        return _VERDICT_LABELS[self]


_VERDICT_LABELS = {
    Verdict.NOT_SAME_PERSON: "不是同一人 Not the same person",
    Verdict.SAME_PERSON_FINE: "同一人, 无问题 Same person, fine",
    Verdict.FRAUD_CONFIRMED: "确认欺诈 Fraud confirmed",
}


def settle_findings(session: Session, *, dossier_id: int, verdict: Verdict, actor: str,
                    now: datetime) -> list[str]:
    """Settle the dossier's open findings; returns the application ids of the other dossiers of
    the ring that a confirmed fraud rejected."""
    findings = session.scalars(sa.select(RiskFinding).where(
        RiskFinding.dossier_id == dossier_id, RiskFinding.state == FindingState.OPEN)).all()
    state = FindingState.FRAUD if verdict is Verdict.FRAUD_CONFIRMED else FindingState.CLEARED
    for finding in findings:
        finding.state, finding.settled_by, finding.settled_at = state, actor, now
        record_event(session, actor=actor, action="risk_finding_settled", dossier_id=dossier_id,
                     detail={"finding": finding.id, "verdict": str(verdict)}, at=now)
    session.flush()
    if state is not FindingState.FRAUD:
        return []
    members = {member for finding in findings for member in finding.members}
    return [application_id for application_id in sorted(members)
            if _reject_member(session, application_id, dossier_id, actor, now)]


def _reject_member(session: Session, application_id: str, settled_in: int, actor: str,
                   now: datetime) -> bool:
    dossier = session.scalars(sa.select(Dossier).where(
        Dossier.application_id == application_id)).first()
    if dossier is None or dossier.id == settled_in or dossier.id is None:
        return False
    if dossier.status not in OPEN_STATUSES or dossier.result is None:
        record_event(session, actor=actor, action="ring_fraud_confirmed", dossier_id=dossier.id,
                     detail={"reason": RING_REJECTED, "status": str(dossier.status)}, at=now)
        return False
    session.execute(sa.update(RiskFinding).where(
        RiskFinding.dossier_id == dossier.id, RiskFinding.state == FindingState.OPEN,
    ).values(state=FindingState.FRAUD, settled_by=actor, settled_at=now)
     .execution_options(synchronize_session="fetch"))
    if not session.scalar(sa.select(sa.func.count()).select_from(RiskFinding).where(
            RiskFinding.dossier_id == dossier.id, RiskFinding.state == FindingState.FRAUD)):
        session.add(RiskFinding(dossier_id=dossier.id, kinds=["ring"], members=[application_id],
                                links=[], state=FindingState.FRAUD, created_at=now,
                                settled_by=actor, settled_at=now))
        session.flush()
    result = DossierResult.model_validate(dossier.result)
    checks = [check for check in result.checks if check.id != RISK_CHECK_ID]
    rejected = result.model_copy(update={"decision": Decision.REJECT,
                                         "checks": [*checks, risk_check(session, dossier.id)]})
    close_open_tasks(session, dossier_id=dossier.id, now=now)
    decide_dossier(session, dossier_id=dossier.id, result=rejected, actor=actor, now=now,
                   reason=RING_REJECTED)
    return True
