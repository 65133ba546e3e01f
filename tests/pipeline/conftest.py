"""Generated dossiers shared by the pipeline tests (generating and reading them is the slow part)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from autopass.documents import DocumentType
from autopass.devtools.samples.capture import Difficulty
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.generator import dossier_rng, plan_dossier, write_dossier
from autopass.devtools.samples.templates import TemplateSelection
from autopass.settings import Settings
from autopass.standards import Standard, load_standard
from tests.factories import SINGLE_LAYOUTS


@pytest.fixture(scope="session")
def standard() -> Standard:
    """The shipped new-car standard."""
    return load_standard("new_car_loan", Settings())


@pytest.fixture(scope="session")
def sample_dossiers(tmp_path_factory: pytest.TempPathFactory, faces_dev_dir: Path | None) -> dict[str, Path]:
    """A clean dossier, one with an unsigned contract, and one whose application has an ID
    number with a bad check digit and whose ID card sides are photocopied on one A4 page.
    Planned explicitly, so they are the same kinds whichever face photos are available."""
    out = tmp_path_factory.mktemp("samples")
    faces = load_face_source(faces_dev_dir)
    wanted = {"clean": None, "contract_unsigned": "contract_unsigned",
              "application_id_number_bad_checksum": "application_id_number_bad_checksum"}
    found: dict[str, Path] = {}
    for index, (key, defect) in enumerate(wanted.items(), start=1):
        rng = dossier_rng(3, index)
        plan = plan_dossier(rng, faces, 0.0, defect=defect, templates=TemplateSelection.TUNING)
        # The layouts these tests were written on (each template has tests of its own).
        plan.pinned_templates = {DocumentType.LOAN_CONTRACT: "contract_bank_lines",
                                 DocumentType.VEHICLE_INVOICE: "invoice_paper_a", **SINGLE_LAYOUTS}
        plan.facts = replace(plan.facts, unsigned_marks="none")
        plan.photocopy = defect == "application_id_number_bad_checksum"
        found[key] = out / f"dossier_{index:04d}"
        write_dossier(found[key], plan, rng, Difficulty.NORMAL)
    assert photocopied_file(read_truth(found["application_id_number_bad_checksum"]))
    return found


def read_truth(folder: Path) -> dict:
    return json.loads((folder / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture
def dossier_copy(tmp_path: Path, sample_dossiers: dict[str, Path]):
    """A writable copy of a generated dossier, to spoil in one test without touching the others."""

    def copy(kind: str = "clean") -> Path:
        target = tmp_path / f"dossier-{kind}"
        shutil.copytree(sample_dossiers[kind], target)
        return target

    return copy


def photocopied_file(truth: dict) -> str | None:
    """The file holding several documents (both ID card sides on one A4 page), if any."""
    return next((f for f, kinds in truth["documents"].items() if isinstance(kinds, list)), None)
