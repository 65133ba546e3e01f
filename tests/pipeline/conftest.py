"""Generated dossiers shared by the pipeline tests (generating and reading them is the slow part)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autopass.samples.generator import generate_samples


@pytest.fixture(scope="session")
def sample_dossiers(tmp_path_factory: pytest.TempPathFactory, faces_dev_dir: Path | None) -> dict[str, Path]:
    """Seed 3 gives: an unsigned contract, a clean dossier, and an application whose ID number
    has a bad check digit (its ID card sides photocopied on one A4 page). Keyed by defect kind."""
    out = tmp_path_factory.mktemp("samples")
    folders = generate_samples(out, 3, seed=3, defect_rate=0.5, faces_dir=faces_dev_dir)
    found: dict[str, Path] = {}
    for folder in folders:
        truth = read_truth(folder)
        found[truth["defects"][0] if truth["defects"] else "clean"] = folder
    assert set(found) == {"clean", "contract_unsigned", "application_id_number_bad_checksum"}
    assert photocopied_file(read_truth(found["application_id_number_bad_checksum"]))
    return found


def photocopied_file(truth: dict) -> str | None:
    """The file holding several documents (both ID card sides on one A4 page), if any."""
    return next((f for f, kinds in truth["documents"].items() if isinstance(kinds, list)), None)


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
