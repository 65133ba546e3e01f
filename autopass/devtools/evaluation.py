"""How the whole pipeline does on generated dossiers, compared with their truth.json (CONTRACT §4).

Documents and fields are compared as the reading evaluation compares them; on top of that come
the figures a centre cares about: straight-through rate on clean dossiers and every defective
dossier that came out ``auto_pass`` (there must be none).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel, Field

from autopass.capture_check import LEGIBLE_TEXT_PX
from autopass.dossier import DocumentResult
from autopass.reading.evaluation import Mismatch, compare_documents
from autopass.settings import get_settings
from autopass.standards import load_standard


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
    # Legibility measured (issue 26 item 8): clean dossiers whose every capture prints its key
    # fields at least LEGIBLE_TEXT_PX tall (truth.json's key_text_px), apart from the rest.
    clean_legible: int = 0
    clean_legible_auto_pass: int = 0
    straight_through_legible: float = 0.0
    clean_illegible: int = 0
    clean_illegible_auto_pass: int = 0
    # Sent straight back to the dealer (a failed ``ask_dealer`` rule, nobody asked first): the
    # right answer for a capture below what a person can read.
    clean_illegible_photo_requested: int = 0
    illegible_handled: float = 0.0  # (auto_pass + better photo asked) / clean illegible dossiers
    clean_unmeasured: int = 0  # clean dossiers whose truth records no key text height
    seconds_per_dossier: float = 0.0
    mismatches: list[Mismatch] = Field(default_factory=list)


LINK_CHECK = "no_links_to_other_applicants"


def _held_only_by_links(result: dict[str, Any]) -> bool:
    """Every check that did not pass is the cross-dossier link check."""
    held = {check["id"] for check in result["checks"] if check["status"] != "pass"}
    return held == {LINK_CHECK}


def key_text_legible(truth: dict[str, Any]) -> bool | None:
    """Whether every capture of the dossier prints its key fields at least ``LEGIBLE_TEXT_PX``
    tall; None when the truth does not say (drawn before the generator measured it)."""
    heights = truth.get("key_text_px")
    if heights is None:
        return None
    return all(height is None or height >= LEGIBLE_TEXT_PX for height in heights.values())


def asks_dealer_at_once(result: dict[str, Any], product: str) -> bool:
    """The machine sent the dossier straight back to its dealer: ``review`` with a failed check of
    a rule whose ``on_failure`` is ``ask_dealer`` (a document to photograph again or send)."""
    if result.get("decision") != "review" or not product:
        return False
    asking = {rule.id for rule in load_standard(product, get_settings()).rules
              if getattr(rule, "on_failure", None) == "ask_dealer"}
    return any(check["id"] in asking and check["status"] == "fail" for check in result["checks"])


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
    legibility: Counter[str] = Counter()
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
        elif dossier.truth.get("fraud") is not None or in_voice_ring(dossier.truth):
            fraud, call = dossier.truth.get("fraud") or {}, dossier.truth.get("call") or {}
            planted = fraud.get("planted") or (call.get("ring") or {}).get("planted")
            if planted and decision == "auto_pass":
                false_passes.append(dossier.name)  # a planted ring member must not pass either
        else:
            clean += 1
            clean_passed += decision == "auto_pass"
            legible = key_text_legible(dossier.truth)
            if legible is None:
                legibility["unmeasured"] += 1
            elif legible:
                legibility["legible"] += 1
                legibility["legible_passed"] += decision == "auto_pass"
            else:
                legibility["illegible"] += 1
                legibility["illegible_passed"] += decision == "auto_pass"
                legibility["illegible_asked"] += asks_dealer_at_once(
                    dossier.result, str(dossier.truth.get("product", "")))
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
        clean_legible=legibility["legible"],
        clean_legible_auto_pass=legibility["legible_passed"],
        straight_through_legible=_share(legibility["legible_passed"], legibility["legible"]),
        clean_illegible=legibility["illegible"],
        clean_illegible_auto_pass=legibility["illegible_passed"],
        clean_illegible_photo_requested=legibility["illegible_asked"],
        illegible_handled=_share(legibility["illegible_passed"] + legibility["illegible_asked"],
                                 legibility["illegible"]),
        clean_unmeasured=legibility["unmeasured"],
        seconds_per_dossier=sum(d.seconds for d in dossiers) / len(dossiers) if dossiers else 0.0,
        mismatches=mismatches,
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


FACE_SET_KINDS = frozenset({"face", "id_photo", "selfie_photo"})
"""Finding kinds a small face set raises on clean dossiers: one sample person, and one sample
photo, under several names (counted apart, as the link-only holds above)."""


class FraudReport(BaseModel):
    """Findings across dossiers against the rings ``autopass samples --fraud-rate`` planted."""

    planted: dict[str, int] = Field(default_factory=dict)  # ring kind -> planted dossiers
    found: dict[str, int] = Field(default_factory=dict)  # ... of them with the right finding
    found_share: dict[str, float] = Field(default_factory=dict)
    missed: dict[str, list[str]] = Field(default_factory=dict)  # ring kind -> dossiers missed
    planted_total: int = 0
    found_total: int = 0
    clean_dossiers: int = 0  # no defect, in no ring
    clean_flagged: list[str] = Field(default_factory=list)  # ... carrying any finding
    clean_flagged_by_face_set: list[str] = Field(default_factory=list)  # ... of them only a
    # repeated sample face or photo
    clean_finding_kinds: dict[str, int] = Field(default_factory=dict)
    flagged_auto_pass: list[str] = Field(default_factory=list)  # must stay empty
    clean_straight_through: float = 0.0  # clean dossiers decided auto_pass
    clean_straight_through_without_findings: float = 0.0  # ... had no finding held them


def evaluate_fraud(dossiers: list[EvaluatedDossier],
                   findings: dict[str, set[str]]) -> FraudReport:
    """``findings``: application id -> the kinds of its findings (``RiskFinding.kinds``)."""
    report = FraudReport()
    faces = Counter(d.truth.get("face_identity") for d in dossiers)
    clean_passed = clean_unheld = 0
    for dossier in dossiers:
        kinds = findings.get(dossier.result["application_id"], set())
        decision = dossier.result["decision"]
        if kinds and decision == "auto_pass":
            report.flagged_auto_pass.append(dossier.name)
        fraud = dossier.truth.get("fraud")
        if fraud is not None:
            if fraud["planted"]:
                kind = fraud["kind"]
                report.planted[kind] = report.planted.get(kind, 0) + 1
                if kinds & set(fraud["expected_findings"]):
                    report.found[kind] = report.found.get(kind, 0) + 1
                else:
                    report.missed.setdefault(kind, []).append(dossier.name)
            continue
        if dossier.truth["defects"] or in_voice_ring(dossier.truth):
            continue  # voice rings: ``evaluate_voices``
        report.clean_dossiers += 1
        clean_passed += decision == "auto_pass"
        clean_unheld += decision == "auto_pass" or (
            decision == "review" and _held_only_by_links(dossier.result))
        if kinds:
            report.clean_flagged.append(dossier.name)
            for kind in kinds:
                report.clean_finding_kinds[kind] = report.clean_finding_kinds.get(kind, 0) + 1
            if kinds <= FACE_SET_KINDS and faces[dossier.truth.get("face_identity")] > 1:
                report.clean_flagged_by_face_set.append(dossier.name)
    report.found_share = {kind: report.found.get(kind, 0) / count
                          for kind, count in sorted(report.planted.items())}
    report.planted_total = sum(report.planted.values())
    report.found_total = sum(report.found.values())
    if report.clean_dossiers:
        report.clean_straight_through = clean_passed / report.clean_dossiers
        report.clean_straight_through_without_findings = clean_unheld / report.clean_dossiers
    return report


CALL_CHECK = "call_recording_has_applicant_voice"


def in_voice_ring(truth: dict[str, Any]) -> bool:
    """The dossier's call is answered by a ring's voice (``autopass samples --voice-rings``)."""
    call = truth.get("call")
    return bool(call and call.get("ring"))


class VoiceReport(BaseModel):
    """The calls' voice links against the voice rings ``autopass samples --voice-rings`` planted:
    a ring is found when each member after the first is linked by voice to an earlier one; a
    clean applicant (a call whose speaker answers for no one else) is flagged when any voice
    link names them."""

    calls: int = 0  # dossiers with a call in their truth
    without_voiceprint: list[str] = Field(default_factory=list)  # a call a senior is asked about
    rings: int = 0
    rings_found: int = 0
    rings_missed: list[str] = Field(default_factory=list)  # ring ids
    planted_members: int = 0  # ring members after the first
    planted_members_linked: int = 0  # ... linked by voice to an earlier member
    clean_applicants: int = 0
    clean_flagged: list[str] = Field(default_factory=list)


def voice_partners(links_by_application: dict[str, list[dict[str, Any]]]) -> dict[str, set[str]]:
    """Application id -> the other applications a voice link joins it with (both ways)."""
    partners: dict[str, set[str]] = {}
    for links in links_by_application.values():
        for link in links:
            if link["kind"] != "voice":
                continue
            joined = set(link["applications"])
            for application_id in joined:
                partners.setdefault(application_id, set()).update(joined - {application_id})
    return partners


def evaluate_voices(dossiers: list[EvaluatedDossier],
                    partners: dict[str, set[str]]) -> VoiceReport:
    """``partners``: ``voice_partners`` of the store's findings."""
    report = VoiceReport()
    rings: dict[str, list[bool]] = {}
    for dossier in dossiers:
        call = dossier.truth.get("call")
        if call is None:
            continue
        report.calls += 1
        if any(check["id"] == CALL_CHECK and check["status"] != "pass"
               for check in dossier.result["checks"]):
            report.without_voiceprint.append(dossier.name)
        linked = partners.get(dossier.result["application_id"], set())
        ring = call.get("ring")
        if ring is None:
            report.clean_applicants += 1
            if linked:
                report.clean_flagged.append(dossier.name)
            continue
        found = rings.setdefault(ring["id"], [])
        if ring["position"] > 0:
            hit = bool(linked & set(ring["members"][:ring["position"]]))
            found.append(hit)
            report.planted_members += 1
            report.planted_members_linked += hit
    rings = {ring: hits for ring, hits in rings.items() if hits}  # a later member evaluated
    report.rings = len(rings)
    report.rings_missed = sorted(ring for ring, hits in rings.items() if not all(hits))
    report.rings_found = report.rings - len(report.rings_missed)
    return report
