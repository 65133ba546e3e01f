"""What every kind of micro-task says about itself (``MicroTaskType``), and the helpers they share.

Pure: no store, no web. The store, the page, the API, routing, crops and the finalize flow ask a
kind through ``autopass.microtasks.kind_of`` instead of testing its name.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from autopass.documents import DocumentType
from autopass.dossier import (
    CheckResult,
    DocumentResult,
    FaceResult,
    FieldRef,
    FieldSource,
    FieldValue,
    Status,
)
from autopass.errors import AutopassError
from autopass.microtasks import CHOICE_KINDS, MicroTaskKind
from autopass.references import APPLICATION
from autopass.standards import Standard

if TYPE_CHECKING:
    from autopass.crops import PayloadView

TYPED = "typed"  # resolve_mismatch: the source of a value the senior typed instead of choosing
FACE_FIELDS = frozenset({"face", "portrait"})


class AnswerError(AutopassError):
    """An answer that does not fit its micro-task (wrong shape, or a choice it did not offer)."""


class AnswerModel(BaseModel):
    """The answer to one kind of micro-task: what the page and the API validate, what the store
    keeps (``MicroTask.resolution``) and the finalize flow reads back."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class MicroTaskSpec:
    """A micro-task to create: what to ask, about which fields, answered by how many people."""

    kind: MicroTaskKind
    check_ids: tuple[str, ...]
    subjects: tuple[FieldRef, ...]
    question: str
    required_answers: int = 1
    role: str = "operator"
    options: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class SettledTask:
    """A micro-task people have settled: what it was about and the answer it settled on."""

    kind: MicroTaskKind
    subjects: tuple[FieldRef, ...]
    resolution: Any
    answered_by: str
    decisive: bool = False  # two people agreed on it, or a senior chose: no one else need look


@dataclass
class Facts:
    """A dossier's documents (by key) and face comparison while settled answers are folded in."""

    standard: Standard
    documents: dict[str, DocumentResult]
    face: FaceResult | None

    def documents_about(self, task: SettledTask) -> Iterator[tuple[FieldRef, DocumentResult]]:
        """The task's subjects that are documents of the dossier (not the application)."""
        for ref in task.subjects:
            document = self.documents.get(ref.document)
            if document is None or ref.document == APPLICATION:
                continue
            yield ref, document


class Witness(Protocol):
    """What a simulated operator knows of the task in front of it (``autopass.devtools``)."""

    def same_person(self) -> bool:
        """Do the ID portrait and the selfie show one person?"""

    def fraud(self) -> bool:
        """Is the applicant one of a planted ring?"""

    def genuine(self) -> bool:
        """Is the dossier free of every planted defect and fraud?"""

    def subject(self) -> FieldRef | None:
        """The task's first subject on a document (None when it is about none)."""

    def true_type(self) -> str:
        """The true type of the subject's document."""

    def knows_value(self) -> bool:
        """Does the truth hold the subject's field (else no truthful answer fits)?"""

    def true_value(self) -> Any:
        """The true value of the subject's field."""


ValueShown = Callable[[Any], str]
"""A value as the dossier page shows it (numbers of people masked)."""


class MicroTaskType(ABC):
    """One kind of micro-task. Subclasses set the class attributes and implement the methods;
    ``KIND = TheirClass()`` at the end of their module registers them."""

    kind: ClassVar[MicroTaskKind]
    answer_model: ClassVar[type[AnswerModel]]
    label: ClassVar[str]
    """The task page's badge (Chinese, then English)."""
    keys: ClassVar[str]
    """The key hint under the task (HTML)."""
    asked_in_order: ClassVar[int]
    """Routing asks the kinds in this order (lowest first) whether a doubt is theirs."""
    senior_only: ClassVar[bool] = False
    """Only seniors are asked, whoever asks: an operator can never open one."""
    offers_options: ClassVar[bool] = False
    """Answered by picking one of ``payload["options"]`` (labelled by ``option_label``)."""
    shows_candidates: ClassVar[bool] = False
    """The page lists the payload's candidate values to choose from."""
    shows_parent_crops: ClassVar[bool] = False
    """After double keying, the page also shows the crops of the task the two people keyed."""
    states_field_value: ClassVar[bool] = False
    """Its answer is a field's true value: the machine's reading is measured against it
    (``autopass.quality.measure``)."""

    @property
    def template(self) -> str:
        """The page's part that shows the task and takes the answer."""
        return f"tasks/{self.kind.value}.html"

    @property
    def answered_by_choice(self) -> bool:
        """Picked, not typed (``ChoiceKind``): two people who disagree leave a senior the same
        question, not values to choose between."""
        return self.kind in CHOICE_KINDS

    # --- routing: when a doubt becomes this kind of task ---------------------------------------
    @abstractmethod
    def ask(self, standard: Standard, check: CheckResult,
            documents: dict[str, DocumentResult]) -> list[MicroTaskSpec] | None:
        """The tasks of this kind that settle ``check`` (not passed); None when the doubt is not
        this kind's (routing asks the next kind)."""

    # --- what the task shows -------------------------------------------------------------------
    @abstractmethod
    def show(self, spec: MicroTaskSpec, view: PayloadView) -> dict[str, Any]:
        """The payload's keys beyond ``checks``, ``subjects`` and ``options``: crops, candidates."""

    def key_hint(self, candidates: int) -> str:
        """The keys the page answers to (HTML), under the task; ``candidates``: how many it
        lists."""
        return self.keys

    def option_label(self, value: str) -> str:
        """The words shown for one of the options (``offers_options``)."""
        raise NotImplementedError(f"{self.kind} offers no options")

    # --- the answer ----------------------------------------------------------------------------
    @abstractmethod
    def from_form(self, payload: dict[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
        """The JSON answer the page's form stands for (buttons and inputs named after it)."""

    def check_choice(self, answer: AnswerModel, payload: dict[str, Any]) -> None:
        """Raise ``AnswerError`` when the answer picks what the task did not offer."""

    @abstractmethod
    def apply(self, answer: Any, task: SettledTask, facts: Facts) -> None:
        """Fold a settled answer into ``facts`` as what people established."""

    @abstractmethod
    def summary(self, answer: Any, shown: ValueShown) -> str:
        """The answer in a few words for the dossier page (values through ``shown``)."""

    # --- the simulated operator (``autopass.devtools.truthful_operators``) --------------------
    @abstractmethod
    def simulated_answer(self, witness: Witness) -> dict[str, Any] | None:
        """The answer of a careful person who knows the truth; None when none fits."""

    @abstractmethod
    def slipped(self, given: dict[str, Any], payload: dict[str, Any],
                rng: random.Random) -> dict[str, Any]:
        """``given`` (a truthful answer) as a hurried person gets it wrong."""


class SeniorVerdict(MicroTaskType):
    """A senior's verdict on a check about more than the dossier's documents (other applicants'
    dossiers, the dealer): one of ``verdicts``, picked. The verdict settles that check where its
    task says; nothing of the documents changes."""

    verdicts: ClassVar[type[Any]]
    """A ``StrEnum`` whose members have a ``label``."""
    check_id: ClassVar[str]
    senior_only = True
    offers_options = True

    @abstractmethod
    def question(self, check: CheckResult) -> str:
        """What the senior is asked about the check's doubt."""

    def ask(self, standard: Standard, check: CheckResult,
            documents: dict[str, DocumentResult]) -> list[MicroTaskSpec] | None:
        if check.id != self.check_id:
            return None
        return [MicroTaskSpec(kind=self.kind, check_ids=(check.id,), subjects=(),
                              question=self.question(check), role="senior",
                              options=tuple(verdict.value for verdict in self.verdicts))]

    def option_label(self, value: str) -> str:
        return str(self.verdicts(value).label)

    def from_form(self, payload: dict[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
        return {"verdict": form.get("verdict", "")}

    def apply(self, answer: Any, task: SettledTask, facts: Facts) -> None:
        """Nothing about the documents."""

    def summary(self, answer: Any, shown: ValueShown) -> str:
        return str(answer.verdict.value)

    def slipped(self, given: dict[str, Any], payload: dict[str, Any],
                rng: random.Random) -> dict[str, Any]:
        return {"verdict": rng.choice([v.value for v in self.verdicts if v != given["verdict"]])}


# --- helpers the kinds share ---------------------------------------------------------------------
def spec_for(
    kind: MicroTaskKind,
    check: CheckResult,
    subjects: tuple[FieldRef, ...] | list[FieldRef],
    question: str,
    *,
    required_answers: int = 1,
    options: tuple[str, ...] = (),
) -> MicroTaskSpec:
    """A task of ``kind`` about ``subjects`` that settles ``check``."""
    return MicroTaskSpec(
        kind=kind,
        check_ids=(check.id,),
        subjects=tuple(subjects),
        question=question,
        required_answers=required_answers,
        options=options,
    )


def second_look(check: CheckResult, document: DocumentResult | None, field_name: str) -> bool:
    """The check fails on what one person gave: two others answer blind before a rejection rests
    on it (``review.decide_after_answers``)."""
    return (check.status is Status.FAIL and document is not None
            and document.by_one_person(field_name))


def answers_to(standard: Standard, kind: MicroTaskKind) -> int:
    """How many operators answer a question of this kind, answered by picking (the standard's
    ``double_answered``)."""
    return 2 if kind.value in standard.double_answered else 1


def candidate_sources(payload: dict[str, Any]) -> list[str]:
    """The ``source`` of each candidate value of a task, in order.

    Candidates from the pipeline name their document (or ``application``); candidates from a
    double-keying mismatch name the operator who typed them (``keyed_by:<username>``).
    """
    return [candidate_source(candidate) for candidate in payload.get("candidates") or []]


def candidate_source(candidate: dict[str, Any]) -> str:
    if candidate.get("source"):
        return str(candidate["source"])
    return f"keyed_by:{candidate.get('operator', '?')}"


def candidate_value(candidate: dict[str, Any]) -> Any:
    """The value a candidate offers: read by OCR, keyed in by the dealer, or typed by an operator."""
    if "value" in candidate:
        return candidate["value"]
    typed = candidate.get("answer")
    return typed.get("value") if isinstance(typed, dict) else typed


YES, NO = "yes", "no"


def yes_or_no(value: Any, kind: MicroTaskKind) -> bool:
    """A page's Y or N button as a boolean."""
    if value not in (YES, NO):
        raise AnswerError(f"answer to a {kind} task: press Y or N (got {value!r})")
    return value == YES


def mistyped(value: str, rng: random.Random) -> str:
    """``value`` with one character wrong, as a hurried person types it (simulated operators):
    a digit for another, or two neighbours swapped (张伟 -> 伟张)."""
    at = rng.randrange(len(value))
    if value[at].isdigit():
        wrong = rng.choice([d for d in "0123456789" if d != value[at]])
        return value[:at] + wrong + value[at + 1:]
    other = at + 1 if at + 1 < len(value) else at - 1
    if other < 0 or value[other] == value[at]:
        return value + value[at]  # one character: typed twice
    first, second = sorted((at, other))
    return value[:first] + value[second] + value[first] + value[second + 1:]


def all_types() -> list[str]:
    """Every document type: the options of a classify task that names none."""
    return [t.value for t in DocumentType]


def coerce(kind: str, value: Any) -> Any:
    """A typed or chosen value in the form CONTRACT §2 gives that kind of field."""
    text = "".join(str(value).split())
    if kind == "amount":
        try:
            return float(text.replace(",", "").replace("¥", ""))
        except ValueError:
            return text  # the checklist sees an unreadable amount and asks again
    if kind == "bool":
        return value if isinstance(value, bool) else text.lower() in {"true", "yes", "y", "1", "是"}
    if kind in {"id_number", "vin", "licence_class"}:
        return text.upper()
    if kind == "card_number":
        return "".join(ch for ch in text if ch.isdigit())
    return text


def given(value: Any, before: FieldValue | None, *, decisive: bool) -> FieldValue:
    """A person's answer as a fact: ``agreed`` when it is decisive, or when it is what another
    person gave before (a second look at the same field); else one person's (``human``)."""
    again = before is not None and before.by_one_person and before.value == value
    return FieldValue(value=value, confidence=1.0, source=people(decisive=decisive, again=again))


def people(*, decisive: bool, again: bool) -> FieldSource:
    """``agreed`` when the answer is decisive or repeats one person's earlier answer, else one
    person's (``human``)."""
    return "agreed" if decisive or again else "human"
