"""Small generated runs shared by the sample-generator tests (generation is the slow part)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autopass.devtools.samples.generator import generate_samples

SAMPLE_SEED = 25


@pytest.fixture(scope="session")
def faces_dir(faces_dev_dir: Path | None) -> Path | None:
    return faces_dev_dir


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory, faces_dir: Path | None) -> list[Path]:
    """Three dossiers (seed 25, defect rate 0.5): an A4 photocopy with a loan above the LTV
    limit, another over-limit loan, and a clean used-car dossier with an A4 photocopy."""
    out = tmp_path_factory.mktemp("samples")
    return generate_samples(out, 3, SAMPLE_SEED, defect_rate=0.5, faces_dir=faces_dir)
