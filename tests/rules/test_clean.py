from autopass.dossier import Decision, Status
from autopass.rules import decide, evaluate

from .conftest import GOOD_FACE, TODAY, make_application, make_documents


def test_clean_dossier_passes_every_rule(standard):
    checks = evaluate(standard, application=make_application(), documents=make_documents(),
                      face=GOOD_FACE, face_engine="dlib", today=TODAY)
    assert [c.id for c in checks] == [r.id for r in standard.rules]
    assert {c.id: c.detail for c in checks if c.status != Status.PASS} == {}
    assert decide(checks) == Decision.AUTO_PASS
