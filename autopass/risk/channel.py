"""Channel risk: the dealers and salespeople through whom bad dossiers arrive.

Per channel (a ``dealer_id`` or a ``salesperson_id``) and per window of the standard (30 and 90
days), over the product's dossiers received in it: how many, the shares with a risk finding, with
a failed check (defects), rejected and sent back to the dealer, and the rings (connected components
of the link graph) they touched. The score weighs those (``risk.channel.weights``) into 0..1. A
channel at or above ``watch_at`` in any window, with at least ``min_dossiers`` there, is put under
watch by the nightly batch: its dossiers never go straight through, a senior looks at each
(``review_channel``), until a supervisor clears it. A watch is a routing decision, never a reject.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session

from autopass.dossier import CheckResult, Status
from autopass.standards import ChannelPolicy, Standard
from autopass.store.channels import (
    ChannelDossier,
    active_watches,
    channel_dossiers,
    latest_watch,
    put_under_watch,
    ring_members,
)
from autopass.store.models import ChannelKind, ChannelWatch, WatchState

CHANNEL_CHECK_ID = "channel_not_under_watch"


class ChannelVerdict(StrEnum):
    """A senior's answer to ``review_channel``: a watched channel's dossier, looked at whole."""

    PASS = "pass"
    REJECT = "reject"

    @property
    def label(self) -> str:
        return _VERDICT_LABELS[self]


_VERDICT_LABELS = {
    ChannelVerdict.PASS: "放行 Pass: nothing wrong with this dossier",
    ChannelVerdict.REJECT: "拒绝 Reject: this dossier is not genuine",
}


@dataclass(frozen=True)
class ChannelFigures:
    kind: ChannelKind
    channel_id: str
    window_days: int
    dossiers: int
    with_findings: int
    defects: int
    rejects: int
    sent_back: int
    rings: int
    score: float | None  # None: fewer dossiers than ``min_dossiers``

    def share(self, count: int) -> float:
        return count / self.dossiers if self.dossiers else 0.0

    def as_dict(self) -> dict[str, object]:
        return {key: str(value) if isinstance(value, ChannelKind) else value
                for key, value in asdict(self).items()}


def rings_by_application(members: Iterable[Sequence[str]]) -> dict[str, str]:
    """Application id -> its ring (the smallest application id of the connected component): the
    findings' member lists joined where they share an application."""
    parent: dict[str, str] = {}

    def root(item: str) -> str:
        parent.setdefault(item, item)
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for group in members:
        roots = sorted({root(member) for member in group})
        for other in roots[1:]:
            parent[other] = roots[0]
    return {member: root(member) for member in parent}


def score_of(policy: ChannelPolicy, *, dossiers: int, with_findings: int, defects: int,
             rejects: int, sent_back: int, rings: int) -> float | None:
    """The weighted shares, 0..1; None below ``min_dossiers``."""
    if dossiers < policy.min_dossiers:
        return None
    weights = policy.weights
    terms = {
        "findings": with_findings / dossiers, "defects": defects / dossiers,
        "rejects": rejects / dossiers, "sent_back": sent_back / dossiers,
        "rings": min(1.0, rings / policy.rings_full_at),
    }
    total = sum(getattr(weights, name) for name in terms)
    return sum(getattr(weights, name) * share for name, share in terms.items()) / total


def figures_of(rows: Sequence[ChannelDossier], rings: dict[str, str], policy: ChannelPolicy, *,
               kind: ChannelKind, window_days: int, until: datetime) -> list[ChannelFigures]:
    """Each channel's figures over the ``window_days`` before ``until``, the highest score first."""
    since = until - timedelta(days=window_days)
    grouped: dict[str, list[ChannelDossier]] = {}
    for row in rows:
        if since <= row.received_at < until:
            grouped.setdefault(row.channel(kind), []).append(row)
    figures = []
    for channel_id, mine in grouped.items():
        counts = {
            "dossiers": len(mine),
            "with_findings": sum(row.has_finding for row in mine),
            "defects": sum(row.defect for row in mine),
            "rejects": sum(row.decision == "reject" for row in mine),
            "sent_back": sum(row.sent_back for row in mine),
            "rings": len({rings[row.application_id] for row in mine
                          if row.application_id in rings}),
        }
        figures.append(ChannelFigures(kind, channel_id, window_days, **counts,
                                      score=score_of(policy, **counts)))
    return sorted(figures, key=lambda f: (-(f.score or 0), -f.dossiers, f.channel_id))


@dataclass(frozen=True)
class ChannelBoard:
    """Every channel of one product as the batch (or the supervisor's page) sees them at ``now``."""

    product: str
    now: datetime
    policy: ChannelPolicy
    rows: list[ChannelDossier]
    rings: dict[str, str]

    def figures(self, kind: ChannelKind, window_days: int,
                until: datetime | None = None) -> list[ChannelFigures]:
        return figures_of(self.rows, self.rings, self.policy, kind=kind,
                          window_days=window_days, until=until or self.now)

    def over_threshold(self) -> dict[tuple[ChannelKind, str], list[ChannelFigures]]:
        """Channels whose score reaches ``watch_at`` in some window: their figures in every
        window."""
        found: dict[tuple[ChannelKind, str], list[ChannelFigures]] = {}
        for kind in ChannelKind:
            limit = getattr(self.policy.watch_at, kind.value)
            per_window = [self.figures(kind, days) for days in self.policy.windows_days]
            over = {f.channel_id for window in per_window for f in window
                    if f.score is not None and f.score >= limit}
            for window in per_window:
                for f in window:
                    if f.channel_id in over:
                        found.setdefault((kind, f.channel_id), []).append(f)
        return found

    def trends(self, kind: ChannelKind, *, window_days: int, points: int,
               step_days: int) -> dict[str, list[float | None]]:
        """Each channel's score over ``window_days`` at ``points`` moments ``step_days`` apart,
        the last one now (None where it had too few dossiers, or none)."""
        trends: dict[str, list[float | None]] = {}
        for point in range(points):
            until = self.now - timedelta(days=(points - 1 - point) * step_days)
            for f in self.figures(kind, window_days, until):
                trends.setdefault(f.channel_id, [None] * points)[point] = f.score
        return trends


def channel_board(session: Session, *, standard: Standard, now: datetime,
                  history_days: int = 0) -> ChannelBoard:
    """The product's dossiers over its longest window (plus ``history_days`` for trends)."""
    policy = standard.risk.channel
    since = now - timedelta(days=max(policy.windows_days) + history_days)
    rows = channel_dossiers(session, product=standard.product, since=since, until=now)
    rings = rings_by_application(ring_members(session, since=since))
    return ChannelBoard(standard.product, now, policy, rows, rings)


def rescore_channels(session: Session, *, standard: Standard, now: datetime) -> list[ChannelWatch]:
    """Put under watch every channel over threshold that is not yet, unless a supervisor cleared
    it less than ``cleared_for_days`` ago; refresh the figures of those already watched. Returns
    the new watches (to alert about). In the caller's transaction."""
    board = channel_board(session, standard=standard, now=now)
    hold = timedelta(days=board.policy.cleared_for_days)
    new = []
    for (kind, channel_id), figures in sorted(board.over_threshold().items()):
        score = max(f.score for f in figures if f.score is not None)
        shown = [f.as_dict() for f in figures]
        last = latest_watch(session, product=standard.product, kind=kind, channel_id=channel_id)
        if last is not None and last.state == WatchState.WATCHED:
            last.score, last.figures = score, shown
            session.add(last)
            continue
        if last is not None and last.cleared_at is not None and now - last.cleared_at < hold:
            continue
        new.append(put_under_watch(session, product=standard.product, kind=kind,
                                   channel_id=channel_id, score=score, figures=shown, now=now))
    session.flush()
    return new


def channel_check(session: Session, *, product: str, dealer_id: str,
                  salesperson_id: str) -> CheckResult:
    """``review`` while the dossier's dealer or salesperson is under watch (a senior looks at it),
    ``pass`` otherwise."""
    watched = active_watches(session, product=product, dealer_id=dealer_id,
                             salesperson_id=salesperson_id)
    if not watched:
        return CheckResult(id=CHANNEL_CHECK_ID, status=Status.PASS, detail="no watch")
    return CheckResult(id=CHANNEL_CHECK_ID, status=Status.REVIEW, detail="; ".join(
        f"渠道受控 {_KIND_LABELS[ChannelKind(watch.kind)]} {watch.channel_id} under watch since "
        f"{watch.watched_at:%Y-%m-%d} (score {watch.score:.2f})" for watch in watched))


def settled_channel_check(verdict: ChannelVerdict, senior: str) -> CheckResult:
    """The check once a senior looked at the dossier: passed, or rejected (hard) by them."""
    if verdict is ChannelVerdict.PASS:
        return CheckResult(id=CHANNEL_CHECK_ID, status=Status.PASS,
                           detail=f"channel under watch; dossier passed by {senior}")
    return CheckResult(id=CHANNEL_CHECK_ID, status=Status.FAIL, hard=True,
                       detail=f"channel under watch; dossier rejected by {senior}")


_KIND_LABELS = {ChannelKind.DEALER: "经销商 dealer", ChannelKind.SALESPERSON: "销售 salesperson"}
