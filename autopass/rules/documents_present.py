"""Every document the product requires is in the dossier, its type trusted; a missing one is a
failure (reject, review, or sent back to the dealer), a doubtful one a review."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from autopass.documents import DocumentType
from autopass.dossier import DocumentResult, FieldRef, Status
from autopass.rules.base import (
    DossierFacts,
    Outcome,
    RuleModel,
    passes,
)


class DocumentsPresent(RuleModel):
    """Every document the standard marks required is in the dossier."""

    type: Literal["documents_present"]
    on_failure: Literal["reject", "review", "ask_dealer"] = Field(
        description="What a document missing beyond doubt does: reject the dossier, send it to a "
        "human, or (ask_dealer) send it back to its dealer for the missing documents: it waits "
        "for them up to the standard's dealer_deadline_days, then is rejected."
    )

    def check(self, dossier: DossierFacts) -> Outcome:
        """Every required document is in the dossier, classified with confidence."""
        missing: list[DocumentType] = []
        doubtful: list[DocumentResult] = []
        required = dossier.standard.required_documents
        for document_type in required:
            found = dossier.documents_of(document_type)
            if any(dossier.type_trusted(d) for d in found):
                continue
            if found:
                doubtful.extend(found)
            else:
                missing.append(document_type)
        if missing:
            # Pages whose type is in doubt may hold it (the machine never trusts its own `other`);
            # a page a person called something else, `other` included, does not.
            candidates = [d for d in dossier.documents if not dossier.type_trusted(d)]
            names = ", ".join(missing)
            if candidates:
                return Outcome(
                    Status.REVIEW,
                    f"no {names} recognised; {len(candidates)} page(s) unread or unclassified may hold it",
                    [FieldRef(document=d.key, field="type") for d in candidates],
                )
            # Pages one person typed are the failure's subjects: on one person's word the document
            # may still be among them (a slip of the hand), so a second look is asked before a reject.
            typed_by_one = [d for d in dossier.documents if d.by_one_person("type")]
            return Outcome(Status.FAIL, f"required document(s) missing: {names}",
                           [FieldRef(document=d.key, field="type") for d in typed_by_one], missing)
        if doubtful:
            return Outcome(
                Status.REVIEW,
                f"document type uncertain for {len(doubtful)} page(s)",
                [FieldRef(document=d.key, field="type") for d in doubtful],
            )
        return passes(f"all {len(required)} required documents present")
