"""Post-loan follow-up found by the nightly batch, kept in ``post_loan_items``.

- Registration chase: an approved dossier (``auto_pass`` or ``approve``) that still holds no
  ``vehicle_registration`` document (机动车登记证书, the proof the car is mortgaged to the lender)
  ``registration_chase_days`` after its decision.
- ID expiry: an approved customer whose ID card (``id_card_back`` ``valid_to``) expires within
  ``id_expiry_warning_days``, or has expired already; ``长期`` (no expiry) never warns.

Each night the current findings are written once per dossier and kind; an open item whose reason
is gone (the certificate arrived, a renewed ID card was filed) is marked resolved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from autopass.documents import DocumentType
from autopass.dossier import BY_PEOPLE, Decision
from autopass.reports import beijing_day
from autopass.standards import PostLoan
from autopass.store.models import (
    Document,
    DocumentField,
    Dossier,
    PostLoanItem,
    PostLoanKind,
)

APPROVED = (str(Decision.AUTO_PASS), str(Decision.APPROVE))
NO_EXPIRY = "长期"

PostLoanRules = Callable[[str], PostLoan]  # product -> its standard's post-loan deadlines


@dataclass(frozen=True)
class Finding:
    dossier_id: int
    application_id: str
    kind: PostLoanKind
    due_on: date  # chase: the day chasing became due; ID: the card's valid_to
    days: int  # chase: days since approval; ID: days left (negative: expired)


@dataclass(frozen=True)
class PostLoanCounts:
    new: int
    still_open: int
    resolved: int


def registration_chases(session: Session, *, now: datetime, rules: PostLoanRules) -> list[Finding]:
    """Approved dossiers without a registration certificate after their product's chase days."""
    has_registration = sa.exists(
        sa.select(Document.id).where(
            Document.dossier_id == Dossier.id,
            Document.type == str(DocumentType.VEHICLE_REGISTRATION),
        )
    )
    rows = session.execute(
        sa.select(Dossier.id, Dossier.application_id, Dossier.product, Dossier.decided_at)
        .where(Dossier.decision.in_(APPROVED), Dossier.decided_at.is_not(None), ~has_registration)  # type: ignore[union-attr,attr-defined]
        .order_by(Dossier.decided_at, Dossier.id)
    ).all()
    findings = []
    for row in rows:
        chase_from = row.decided_at + timedelta(days=rules(row.product).registration_chase_days)
        if chase_from <= now:
            findings.append(
                Finding(
                    dossier_id=row.id,
                    application_id=row.application_id,
                    kind=PostLoanKind.REGISTRATION_CHASE,
                    due_on=beijing_day(chase_from),
                    days=(now - row.decided_at).days,
                )
            )
    return findings


def id_expiries(session: Session, *, now: datetime, rules: PostLoanRules) -> list[Finding]:
    """Approved customers whose ID card expires within their product's warning days."""
    today = beijing_day(now)
    findings = []
    for dossier_id, (application_id, product, valid_to) in _id_valid_to(session).items():
        expires = _parse_day(valid_to)
        if expires is None:
            continue
        days_left = (expires - today).days
        if days_left <= rules(product).id_expiry_warning_days:
            findings.append(
                Finding(dossier_id, application_id, PostLoanKind.ID_EXPIRY, expires, days_left)
            )
    return sorted(findings, key=lambda f: (f.due_on, f.dossier_id))


def record_findings(
    session: Session, *, kind: PostLoanKind, findings: list[Finding], now: datetime
) -> PostLoanCounts:
    """Write new findings of ``kind``, refresh open ones, resolve the ones no longer found."""
    existing = {
        item.dossier_id: item
        for item in session.exec(select(PostLoanItem).where(PostLoanItem.kind == kind))
    }
    found_ids = {finding.dossier_id for finding in findings}
    new = 0
    for finding in findings:
        item = existing.get(finding.dossier_id)
        detail = {"application_id": finding.application_id, "days": finding.days}
        if item is None:
            session.add(
                PostLoanItem(
                    dossier_id=finding.dossier_id,
                    kind=kind,
                    due_on=finding.due_on.isoformat(),
                    found_at=now,
                    detail=detail,
                )
            )
            new += 1
        else:
            item.due_on, item.detail, item.resolved_at = finding.due_on.isoformat(), detail, None
    resolved = 0
    for dossier_id, item in existing.items():
        if dossier_id not in found_ids and item.resolved_at is None:
            item.resolved_at = now
            resolved += 1
    session.flush()
    return PostLoanCounts(new=new, still_open=len(findings) - new, resolved=resolved)


def open_items(session: Session, kind: PostLoanKind) -> list[PostLoanItem]:
    """Unresolved items of ``kind``, the most urgent first."""
    return list(
        session.exec(
            select(PostLoanItem)
            .where(PostLoanItem.kind == kind, PostLoanItem.resolved_at.is_(None))  # type: ignore[union-attr]
            .order_by(PostLoanItem.due_on, PostLoanItem.dossier_id)
        )
    )


def _id_valid_to(session: Session) -> dict[int, tuple[str, str, object]]:
    """Each approved dossier's ID card valid_to: a person's reading wins over the machine's."""
    rows = session.execute(
        sa.select(
            Dossier.id,
            Dossier.application_id,
            Dossier.product,
            DocumentField.value,
            DocumentField.source,
            DocumentField.confidence,
        )
        .join(Document, Document.dossier_id == Dossier.id)
        .join(DocumentField, DocumentField.document_id == Document.id)
        .where(
            Dossier.decision.in_(APPROVED),  # type: ignore[attr-defined]
            Document.type == str(DocumentType.ID_CARD_BACK),
            DocumentField.field == "valid_to",
        )
    ).all()
    best: dict[int, tuple[tuple[bool, float], tuple[str, str, object]]] = {}
    for dossier_id, application_id, product, value, source, confidence in rows:
        rank = (source in BY_PEOPLE, confidence)
        if dossier_id not in best or rank > best[dossier_id][0]:
            best[dossier_id] = (rank, (application_id, product, value))
    return {dossier_id: entry for dossier_id, (_, entry) in best.items()}


def _parse_day(value: object) -> date | None:
    """A ``YYYY-MM-DD`` valid_to; ``长期`` and unreadable values give None (nothing to warn)."""
    if not isinstance(value, str) or value == NO_EXPIRY:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
