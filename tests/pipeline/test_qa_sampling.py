"""``process-dossier`` queues a blind QA review of a drawn straight-through dossier after its
decision, with crops of its key fields and faces (#30 item 1)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from autopass.settings import Settings, use_settings
from autopass.store import AuditEvent, Dossier, DossierStatus, session_scope
from autopass.store.models import QaReview, QaState
from autopass.flows.process_dossier import ProcessDossierRequest, process_dossier

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _standards_reviewing_everything(tmp_path: Path) -> Path:
    """A copy of the shipped standards whose new-car product QA-reviews every auto_pass."""
    folder = tmp_path / "standards"
    shutil.copytree(Settings().standards_dir, folder)
    path = folder / "new_car_loan.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["qa"] = {"sample_rate": 1.0}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def test_a_drawn_straight_through_dossier_gets_a_qa_review_after_its_decision(
        sample_dossiers: dict[str, Path], tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data",
                        standards_dir=_standards_reviewing_everything(tmp_path))
    with use_settings(settings):
        result = process_dossier(ProcessDossierRequest(folder=str(sample_dossiers["clean"])))
    with session_scope(settings) as session:
        dossier = session.scalars(sa.select(Dossier)).one()
        reviews = session.scalars(sa.select(QaReview)).all()
        if result["decision"] != "auto_pass":  # only straight-through dossiers are reviewed
            assert reviews == []
            return
        assert (dossier.status, dossier.decision) == (DossierStatus.DECIDED, "auto_pass")
        [review] = reviews
        assert (review.state, review.reason) == (QaState.OPEN, "sampled")
        kinds = {item["kind"] for item in review.items}
        fields = {f"{item['document_type']}.{item['field']}" for item in review.items}
        assert {"field", "face"} <= kinds and "id_card_front.id_number" in fields
        assert "bank_card.card_number" in fields and "vehicle_invoice.vin" in fields
        assert all((settings.crops_dir / path).is_file()
                   for item in review.items for path in item["crops"].values())
        assert session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.action == "qa_sampled")).all() == ["qa_sampled"]
