"""Agreement: one fact read from several sources (the application, documents) states one value.
What the agreement rule types share, and the values a second look may confirm."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autopass.dossier import Application, DocumentResult, FieldRef
from autopass.references import APPLICATION, split_reference
from autopass.rules.base import (
    DossierFacts,
    FieldReading,
    Outcome,
    amount_of,
    fails,
    misread_of,
    needs_review,
    passes,
    same,
    summary,
)

if TYPE_CHECKING:
    from autopass.standards import Standard


def agreement(dossier: DossierFacts, references: list[str], tolerance: float,
               need_document: bool) -> Outcome:
    kind, readings, absent, groups = _sides(dossier, references, tolerance)
    what = split_reference(references[0])[1].rsplit(".", 1)[-1].replace("_", " ")
    others = [r for r in readings if r.where.document != APPLICATION]
    if not others:
        missing = ", ".join(split_reference(ref)[0] for ref in references[1:])
        return needs_review(f"no {missing} to compare with" if need_document else "nothing to compare")
    present = [r for r in readings if r not in absent]
    if len(groups) > 1:
        anchor = next((g for g in groups if any(r.reference == references[0] for r in g)), groups[0])
        differing = [r for g in groups if g is not anchor for r in g]
        sides = "; ".join(f"{r.label}{dossier.shown(r)}" for r in differing)
        base = f"{anchor[0].label}{dossier.shown(anchor[0])}"
        return fails(f"{what} differs: {sides} vs {base}", [anchor[0], *differing])
    doubtful = list(absent)
    if groups:
        consensus = groups[0][0].value
        doubtful += [
            r for r in present if not r.trusted and not same(kind, r.value, consensus, tolerance)
            and not misread_of(kind, r, consensus)
        ]
    else:
        doubtful += present
    if doubtful:
        return needs_review(f"{what} unsure on {summary(doubtful)}", doubtful)
    return passes(f"{what} agrees on {summary(readings)}")


def _sides(dossier: DossierFacts, references: list[str], tolerance: float,
           ) -> tuple[str, list[FieldReading], list[FieldReading], list[list[FieldReading]]]:
    """What an agreement compares: the field kind, every reading, those absent, and the trusted
    present readings grouped by the value they state."""
    kind = dossier.standard.field_kind(references[-1])[0]
    readings = [r for reference in references for r in dossier.readings(reference)]
    absent = [r for r in readings if r.missing or (kind == "amount" and amount_of(r.value) is None)]
    groups = _group([r for r in readings if r.trusted and r not in absent], kind, tolerance)
    return kind, readings, absent, groups


@dataclass(frozen=True)
class Expectation:
    """A document value in doubt, and what every trusted source says it is."""

    where: FieldRef
    kind: str
    value: Any


def expected_values(standard: Standard, application: Application,
                    documents: list[DocumentResult]) -> list[Expectation]:
    """The doubtful document values of the standard's agreements whose trusted sources all state
    one value: what a second look at each document's image may confirm (or not)."""
    dossier = DossierFacts(standard, application, documents, None, "", application.submitted_at.date())
    expectations: dict[tuple[str, str], Expectation] = {}
    for rule in standard.rules:
        compared = rule.compared()
        if compared is None:
            continue
        references, tolerance = compared
        kind, readings, _, groups = _sides(dossier, references, tolerance)
        if len(groups) != 1:
            continue
        consensus = groups[0][0].value
        for reading in readings:
            if reading.where.document != APPLICATION and not reading.trusted \
                    and not reading.type_doubtful and not same(kind, reading.value, consensus, tolerance):
                key = (reading.where.document, reading.where.field)
                expectations.setdefault(key, Expectation(reading.where, kind, consensus))
    return list(expectations.values())


def _group(readings: list[FieldReading], kind: str, tolerance: float) -> list[list[FieldReading]]:
    groups: list[list[FieldReading]] = []
    for reading in readings:
        for group in groups:
            if same(kind, group[0].value, reading.value, tolerance):
                group.append(reading)
                break
        else:
            groups.append([reading])
    return groups
