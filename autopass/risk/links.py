"""The link graph: dossiers of different applicants that share a value, and the rings they make.

The graph lives in the store as ``risk_attributes`` rows (dossier, kind, value): two dossiers
holding one ``(kind, value)`` are linked when their applicants differ (another ID number; for an
ID number, another name). A ring is the connected component of a dossier, found by walking the
links from it, within the standard's window.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from autopass.risk.attributes import NAME_LINKED, Attribute
from autopass.store.models import Dossier, RiskAttribute


@dataclass(frozen=True)
class Applicant:
    id_number: str
    name: str


@dataclass(frozen=True)
class Link:
    """``dossier`` (another applicant's) holds ``attribute`` too."""

    attribute: Attribute
    dossier_id: int
    application_id: str
    via: int | None = None  # the ring's dossier that holds it too; None: the dossier screened


def differ(kind: str, one: Applicant, other: Applicant) -> bool:
    """Two applicants sharing a value of ``kind`` are different people by their papers."""
    if kind in NAME_LINKED:
        return one.name != other.name
    return one.id_number != other.id_number


def links_of(session: Session, attributes: Iterable[Attribute], applicant: Applicant, *,
             since: datetime, excluding: Collection[int] = ()) -> list[Link]:
    """The stored dossiers recorded since ``since`` that share one of ``attributes`` with an
    applicant other than ``applicant``."""
    wanted = list(attributes)
    if not wanted:
        return []
    rows = session.execute(
        sa.select(RiskAttribute, Dossier.application_id)
        .join(Dossier, Dossier.id == RiskAttribute.dossier_id)  # type: ignore[arg-type]
        .where(sa.tuple_(RiskAttribute.kind, RiskAttribute.value).in_(
                   [(attribute.kind, attribute.value) for attribute in wanted]),
               RiskAttribute.recorded_at >= since,  # type: ignore[operator]
               RiskAttribute.dossier_id.not_in(list(excluding)))  # type: ignore[attr-defined]
        .order_by(RiskAttribute.id)
    ).all()
    return [Link(Attribute(row.kind, row.value), row.dossier_id, application_id)
            for row, application_id in rows
            if differ(row.kind, applicant, Applicant(row.id_number, row.name))]


def ring_of(session: Session, first: list[Link], *, since: datetime, limit: int,
            excluding: Collection[int] = ()) -> list[Link]:
    """Every link of the component reached from ``first`` (links of a new dossier), walking the
    stored links breadth first, nearest dossiers first, up to ``limit`` dossiers."""
    found = list(first)
    seen = {link.dossier_id for link in first} | set(excluding)
    frontier = list(dict.fromkeys(link.dossier_id for link in first))
    while frontier and len(seen) < limit:
        next_frontier: list[int] = []
        for dossier_id in frontier:
            attributes, applicant = _stored(session, dossier_id)
            for link in links_of(session, attributes, applicant, since=since,
                                 excluding={dossier_id, *excluding}):
                found.append(replace(link, via=dossier_id))
                if link.dossier_id not in seen and len(seen) < limit:
                    seen.add(link.dossier_id)
                    next_frontier.append(link.dossier_id)
        frontier = next_frontier
    return found


def _stored(session: Session, dossier_id: int) -> tuple[list[Attribute], Applicant]:
    rows = session.scalars(
        sa.select(RiskAttribute).where(RiskAttribute.dossier_id == dossier_id)
    ).all()
    applicant = Applicant(rows[0].id_number, rows[0].name) if rows else Applicant("", "")
    return [Attribute(row.kind, row.value) for row in rows], applicant
