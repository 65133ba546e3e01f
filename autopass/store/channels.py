"""The store's side of channel risk (``autopass.risk.channel``): what each dealer's and
salesperson's dossiers came to, and who is under watch. SQL lives here, the scoring does not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from autopass.dossier import Status
from autopass.store.audit import record_event
from autopass.store.models import (
    MACHINE,
    AuditEvent,
    ChannelKind,
    ChannelWatch,
    Check,
    Dossier,
    FindingState,
    RiskFinding,
    WatchState,
)
from autopass.store.queue import NEW_PHOTO_REQUESTED

CHANNEL_WATCHED = "channel_watched"  # audit actions: the batch put a channel under watch...
CHANNEL_CLEARED = "channel_cleared"  # ...and a supervisor cleared it


@dataclass(frozen=True)
class ChannelDossier:
    """One dossier as channel risk counts it."""

    id: int
    application_id: str
    dealer_id: str
    salesperson_id: str
    received_at: datetime
    decision: str | None
    has_finding: bool  # carries a risk finding of its own (not superseded)
    defect: bool  # a check failed
    sent_back: bool  # sent back to its dealer at least once

    def channel(self, kind: ChannelKind) -> str:
        return self.dealer_id if kind is ChannelKind.DEALER else self.salesperson_id


def channel_dossiers(session: Session, *, product: str, since: datetime,
                     until: datetime) -> list[ChannelDossier]:
    """The dossiers of ``product`` received in ``[since, until)``, with what became of them."""
    received = Dossier.received_at
    window = sa.and_(Dossier.product == product, received >= since,  # type: ignore[arg-type]
                     received < until)  # type: ignore[arg-type]
    rows = session.execute(
        sa.select(Dossier.id, Dossier.application_id, Dossier.dealer_id, Dossier.salesperson_id,
                  Dossier.received_at, Dossier.decision).where(window).order_by(Dossier.id)
    ).all()
    joined = sa.select(Dossier.id).where(window)
    findings = set(session.scalars(sa.select(RiskFinding.dossier_id).where(
        RiskFinding.dossier_id.in_(joined),  # type: ignore[attr-defined]
        RiskFinding.state != FindingState.SUPERSEDED)))
    defects = set(session.scalars(sa.select(Check.dossier_id).where(
        Check.dossier_id.in_(joined),  # type: ignore[attr-defined]
        Check.status == Status.FAIL.value)))
    sent_back = set(session.scalars(sa.select(AuditEvent.dossier_id).where(
        AuditEvent.dossier_id.in_(joined),  # type: ignore[union-attr]
        AuditEvent.action == NEW_PHOTO_REQUESTED)))
    return [ChannelDossier(row.id, row.application_id, row.dealer_id, row.salesperson_id,
                           row.received_at, row.decision, row.id in findings, row.id in defects,
                           row.id in sent_back) for row in rows]


def ring_members(session: Session, *, since: datetime) -> list[list[str]]:
    """The application ids each finding recorded since ``since`` names (one ring may have
    several findings: one per dossier that joined it)."""
    return [list(members) for members in session.scalars(
        sa.select(RiskFinding.members).where(
            RiskFinding.created_at >= since,  # type: ignore[operator]
            RiskFinding.state != FindingState.SUPERSEDED).order_by(RiskFinding.id))]


def latest_watch(session: Session, *, product: str, kind: ChannelKind,
                 channel_id: str) -> ChannelWatch | None:
    return session.scalars(sa.select(ChannelWatch).where(
        ChannelWatch.product == product, ChannelWatch.kind == kind,
        ChannelWatch.channel_id == channel_id,
    ).order_by(ChannelWatch.id.desc())).first()  # type: ignore[union-attr]


def active_watches(session: Session, *, product: str, dealer_id: str,
                   salesperson_id: str) -> list[ChannelWatch]:
    """The watches that hold a dossier of ``product`` from this dealer and salesperson."""
    return list(session.scalars(sa.select(ChannelWatch).where(
        ChannelWatch.product == product, ChannelWatch.state == WatchState.WATCHED,
        sa.or_(sa.and_(ChannelWatch.kind == ChannelKind.DEALER,
                       ChannelWatch.channel_id == dealer_id),
               sa.and_(ChannelWatch.kind == ChannelKind.SALESPERSON,
                       ChannelWatch.channel_id == salesperson_id)),
    ).order_by(ChannelWatch.id)))


def watches(session: Session, *, state: WatchState | None = None,
            limit: int = 200) -> list[ChannelWatch]:
    """Watches, the newest first (all states unless ``state``)."""
    newest = ChannelWatch.id.desc()  # type: ignore[union-attr]
    query = sa.select(ChannelWatch).order_by(newest).limit(limit)
    if state is not None:
        query = query.where(ChannelWatch.state == state)
    return list(session.scalars(query))


def put_under_watch(session: Session, *, product: str, kind: ChannelKind, channel_id: str,
                    score: float, figures: list[dict[str, Any]], now: datetime) -> ChannelWatch:
    """A new watch, audited (``channel_watched``), in the caller's transaction."""
    watch = ChannelWatch(product=product, kind=kind, channel_id=channel_id, score=score,
                         figures=figures, state=WatchState.WATCHED, watched_at=now)
    session.add(watch)
    session.flush()
    record_event(session, actor=MACHINE, action=CHANNEL_WATCHED,
                 detail={"watch": watch.id, "product": product, "kind": str(kind),
                         "channel": channel_id, "score": round(score, 4)}, at=now)
    return watch


class WatchNotOpen(LookupError):
    """The watch does not exist or was cleared already."""


def clear_watch(session: Session, *, watch_id: int, actor: str, note: str,
                now: datetime) -> ChannelWatch:
    """A supervisor clears a watch (audited ``channel_cleared``): the channel's next dossiers go
    straight through again when nothing else holds them."""
    watch = session.scalars(sa.select(ChannelWatch).where(
        ChannelWatch.id == watch_id).with_for_update()).first()
    if watch is None or watch.state != WatchState.WATCHED:
        raise WatchNotOpen(f"channel watch {watch_id} is not under watch (cleared already, or "
                           "no such watch)")
    watch.state, watch.cleared_by, watch.cleared_at, watch.note = (
        WatchState.CLEARED, actor, now, note)
    session.add(watch)
    record_event(session, actor=actor, action=CHANNEL_CLEARED,
                 detail={"watch": watch.id, "product": watch.product, "kind": str(watch.kind),
                         "channel": watch.channel_id, "note": note}, at=now)
    session.flush()
    return watch


def recent_findings(session: Session, *, limit: int = 30) -> list[RiskFinding]:
    """The latest findings that still stand (open, cleared or fraud), newest first."""
    return list(session.scalars(sa.select(RiskFinding).where(
        RiskFinding.state != FindingState.SUPERSEDED).order_by(
        RiskFinding.id.desc()).limit(limit)))  # type: ignore[union-attr]


def dossiers_named(session: Session, application_ids: list[str]) -> list[Dossier]:
    """The stored dossiers of these application ids (those that exist), in the order given."""
    named = Dossier.application_id.in_(application_ids)  # type: ignore[attr-defined]
    found = {dossier.application_id: dossier
             for dossier in session.scalars(sa.select(Dossier).where(named))}
    return [found[application_id] for application_id in application_ids
            if application_id in found]
