"""How the whole pipeline does on generated dossiers, compared with their truth.json (CONTRACT §4).

Documents and fields are compared as the reading evaluation compares them; on top of that come
the figures a centre cares about: straight-through rate on clean dossiers and every defective
dossier that came out ``auto_pass`` (there must be none).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel, Field

from autopass.dossier import DocumentResult
from autopass.reading.evaluation import Mismatch, compare_documents


class EvaluationReport(BaseModel):
    dossiers: int = 0
    documents: int = 0
    type_accuracy: float = 0.0
    field_accuracy: dict[str, float] = Field(default_factory=dict)  # "type.field" -> exact match
    field_counts: dict[str, int] = Field(default_factory=dict)
    decisions: dict[str, int] = Field(default_factory=dict)
    clean_dossiers: int = 0
    clean_auto_pass: int = 0
    straight_through_clean: float = 0.0  # share of clean dossiers decided auto_pass
    false_auto_pass: list[str] = Field(default_factory=list)  # defective dossiers that passed
    clean_rejected: list[str] = Field(default_factory=list)  # clean dossiers the machine rejected
    # Clean dossiers held only by a link to another applicant with the same sample face: the face
    # set repeats a person under several names, which the cross-dossier face search must flag.
    clean_held_by_repeated_face: list[str] = Field(default_factory=list)
    seconds_per_dossier: float = 0.0
    mismatches: list[Mismatch] = Field(default_factory=list)


LINK_CHECK = "no_links_to_other_applicants"


def _held_only_by_links(result: dict[str, Any]) -> bool:
    """Every check that did not pass is the cross-dossier link check."""
    held = {check["id"] for check in result["checks"] if check["status"] != "pass"}
    return held == {LINK_CHECK}


class EvaluatedDossier(BaseModel):
    name: str
    truth: dict[str, Any]
    result: dict[str, Any]
    seconds: float


UNGROUPED = "ungrouped"
"""The group of a dossier whose truth names no template group (drawn before templates had one)."""


def template_group(dossier: EvaluatedDossier) -> str:
    """``tuning`` or ``holdout``: which group of the generator's templates drew the dossier."""
    return str(dossier.truth.get("template_group", UNGROUPED))


def evaluate_by_group(dossiers: list[EvaluatedDossier]) -> dict[str, EvaluationReport]:
    """One report per template group, in a fixed order (tuning before holdout): the gap between
    them is how much the reader learnt the templates it was tuned on rather than the documents."""
    groups = sorted({template_group(d) for d in dossiers}, key=lambda g: (g != "tuning", g))
    return {group: evaluate_results([d for d in dossiers if template_group(d) == group])
            for group in groups}


def evaluate_results(dossiers: list[EvaluatedDossier]) -> EvaluationReport:
    """Aggregate the comparison of every dossier's result with its truth."""
    types: list[bool] = []
    hits: dict[str, list[bool]] = defaultdict(list)
    mismatches: list[Mismatch] = []
    decisions: Counter[str] = Counter()
    clean_passed, clean, false_passes, clean_rejects, repeated = 0, 0, [], [], []
    faces = Counter(d.truth.get("face_identity") for d in dossiers)
    for dossier in dossiers:
        documents = [DocumentResult.model_validate(d) for d in dossier.result["documents"]]
        for file_name, expected in dossier.truth["documents"].items():
            expected_types = [expected] if isinstance(expected, str) else list(expected)
            read = [d for d in documents if d.file == file_name]
            compare_documents(dossier.name, file_name, expected_types, read,
                              dossier.truth.get("fields", {}), types, hits, mismatches)
        decision = dossier.result["decision"]
        decisions[decision] += 1
        if dossier.truth["defects"]:
            if decision == "auto_pass":
                false_passes.append(dossier.name)
        else:
            clean += 1
            clean_passed += decision == "auto_pass"
            if decision == "reject":
                clean_rejects.append(dossier.name)
            if decision == "review" and _held_only_by_links(dossier.result) and faces.get(
                    dossier.truth.get("face_identity"), 0) > 1:
                repeated.append(dossier.name)
    return EvaluationReport(
        dossiers=len(dossiers),
        documents=len(types),
        type_accuracy=sum(types) / len(types) if types else 0.0,
        field_accuracy={key: sum(v) / len(v) for key, v in sorted(hits.items())},
        field_counts={key: len(v) for key, v in sorted(hits.items())},
        decisions=dict(decisions),
        clean_dossiers=clean,
        clean_auto_pass=clean_passed,
        straight_through_clean=clean_passed / clean if clean else 0.0,
        false_auto_pass=false_passes,
        clean_rejected=clean_rejects,
        clean_held_by_repeated_face=repeated,
        seconds_per_dossier=sum(d.seconds for d in dossiers) / len(dossiers) if dossiers else 0.0,
        mismatches=mismatches,
    )
