"""What the centre measures of its own error (``autopass.quality``) beside what the generator
knows: are the QA estimates within their interval of the truth? For generated dossiers only."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from pydantic import BaseModel

from autopass.devtools.evaluation import EvaluatedDossier
from autopass.devtools.truthful_operators import truthful_answer
from autopass.quality.measure import (
    QA,
    answered_reviews,
    false_auto_passes,
    observations,
    standards_in_use,
)
from autopass.quality.qa import ASKED_AS, FIELD, SIGNATURE, key_fields, same_value
from autopass.quality.stats import wilson
from autopass.settings import Settings
from autopass.store import Dossier, session_scope


class Estimate(BaseModel):
    errors: int
    n: int
    low: float | None
    high: float | None


class QualityAgainstTruth(BaseModel):
    qa_trusted_error: Estimate  # key-field values of QA-reviewed dossiers, as QA settled them
    all_trusted_error: Estimate  # every trusted value people saw (QA and tasks)
    true_trusted_error: Estimate  # every key-field value of every auto_pass dossier vs truth.json
    qa_false_auto_pass: Estimate  # QA reviews whose settled values would not pass / reviews
    true_false_auto_pass: Estimate  # defective dossiers among auto_pass ones (truth.json)

    @property
    def qa_error_inside(self) -> bool | None:
        """Is the true trusted-value error inside the QA estimate's interval?"""
        qa, true = self.qa_trusted_error, self.true_trusted_error
        if not qa.n or not true.n or qa.low is None or qa.high is None:
            return None
        return qa.low <= true.errors / true.n <= qa.high


def against_truth(settings: Settings, evaluated: Sequence[EvaluatedDossier]) -> QualityAgainstTruth:
    """The store's measured figures (after the loop) beside the truth of the processed results."""
    with session_scope(settings) as session:
        standards = standards_in_use(session, settings)
        seen = observations(session, standards=standards)
        reviews = answered_reviews(session)
        changed = false_auto_passes(session, reviews)
        products = dict(session.execute(sa.select(Dossier.application_id, Dossier.product)).all())
    qa = [o for o in seen if o.origin == QA]
    trusted = [o for o in seen if o.trusted]
    passed = [d for d in evaluated if d.result["decision"] == "auto_pass"]
    wrong = total = 0
    for dossier in passed:
        standard = standards.get(products.get(dossier.result["application_id"], ""))
        if standard is None:
            continue
        wanted = key_fields(standard)
        for document in dossier.result["documents"]:
            for name, read in document["fields"].items():
                if (document["type"], name) not in wanted or read["value"] is None:
                    continue
                kind = ASKED_AS[SIGNATURE if isinstance(read["value"], bool) else FIELD]
                key = f"{document['file']}#{document.get('page', 1)}"
                key = f"{key}#{document['type']}" if document.get("region") else key
                truth = truthful_answer(kind, {"subjects": [{"document": key, "field": name}]},
                                        dossier.truth, dossier.result["documents"])
                if truth is None:
                    continue
                total += 1
                wrong += not same_value(next(iter(truth.values())), read["value"])
    defective = sum(bool(d.truth["defects"]) for d in passed)
    return QualityAgainstTruth(
        qa_trusted_error=_estimate(sum(not o.correct for o in qa), len(qa)),
        all_trusted_error=_estimate(sum(not o.correct for o in trusted), len(trusted)),
        true_trusted_error=_estimate(wrong, total),
        qa_false_auto_pass=_estimate(changed, len(reviews)),
        true_false_auto_pass=_estimate(defective, len(passed)))


def _estimate(errors: int, n: int) -> Estimate:
    found = wilson(errors, n)
    return Estimate(errors=errors, n=n, low=found.low, high=found.high)
