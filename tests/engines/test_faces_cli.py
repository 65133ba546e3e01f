"""``autopass faces evaluate`` end to end on a small pairs file written from the face fixtures."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
from typer.testing import CliRunner

from autopass.cli import app
from autopass.cli.faces import ScoredPair, describe, false_accepts_and_rejects

# The CLI callback sets these with setdefault; naming them here makes CliRunner restore them.
PREFECT_ENVIRONMENT = (
    "PREFECT_HOME",
    "DO_NOT_TRACK",
    "PREFECT_UI_ENABLED",
    "PREFECT_SERVER_ANALYTICS_ENABLED",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY",
)


def test_evaluate_prints_distributions_and_error_counts(tmp_path: Path, face_pairs) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for index, (first, second, label) in enumerate(face_pairs):
        names = (f"{index}a.png", f"{index}b.png")
        cv2.imwrite(str(tmp_path / names[0]), first)
        cv2.imwrite(str(tmp_path / names[1]), second)
        rows.append({"img1": names[0], "img2": names[1], "label": label})
    pairs_csv = tmp_path / "pairs.csv"
    with pairs_csv.open("w", newline="") as file:
        writer = csv.DictWriter(file, ["img1", "img2", "label"])
        writer.writeheader()
        writer.writerows(rows)
    environment = {name: None for name in PREFECT_ENVIRONMENT} | {"PREFECT_HOME": str(tmp_path)}
    result = CliRunner().invoke(
        app, ["faces", "evaluate", str(pairs_csv), "--thresholds", "0.4,0.6"], env=environment
    )
    assert result.exit_code == 0, result.output
    same = sum(1 for row in rows if row["label"] == "same")
    assert f"engine: dlib; pairs: {len(rows)}" in result.output
    assert f"     same: n={same} " in result.output
    assert "     0.40     0/" in result.output


def test_false_accepts_and_rejects_count_faceless_same_pairs_as_rejects() -> None:
    pairs = [
        ScoredPair("a", "b", "same", 0.7),
        ScoredPair("a", "c", "same", None),
        ScoredPair("a", "d", "different", 0.65),
        ScoredPair("a", "e", "different", 0.2),
    ]
    assert false_accepts_and_rejects(pairs, 0.6) == (1, 1)
    assert false_accepts_and_rejects(pairs, 0.7) == (0, 1)


def test_describe() -> None:
    assert describe([]) == "n=0"
    assert describe([0.5, 0.5]) == ("n=2 min=0.500 p5=0.500 median=0.500 p95=0.500 max=0.500")
