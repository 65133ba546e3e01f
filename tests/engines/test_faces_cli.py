"""``autopass faces evaluate`` end to end on a small pairs file written from the face fixtures."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from autopass.cli import app
from autopass.cli.faces import (
    ScoredPair,
    Separation,
    describe,
    false_accepts_and_rejects,
    separation,
)

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
    assert f"engine: sface; pairs: {len(rows)}" in result.output
    assert f"     same: n={same} " in result.output
    assert "     0.40     0/" in result.output
    assert "all pairs: " in result.output


def test_evaluate_pairs_every_photo_of_a_folder_by_identity(tmp_path: Path, face_pairs) -> None:  # type: ignore[no-untyped-def]
    """A folder of <identity>/<photo>: two photos of one person, one of another, and a WebP
    named .jpg that the pipeline refuses (left out, named)."""
    same_first, same_second, _ = face_pairs[0]
    other = next((second for _, second, label in face_pairs if label == "different"), None)
    if other is None:  # scikit-image's fallback holds one person: a grey picture is "another"
        other = np.full((200, 200, 3), 128, np.uint8)
    for identity, photo_name, photo in (("alice", "1.png", same_first),
                                        ("alice", "2.png", same_second),
                                        ("bob", "1.png", other)):
        (tmp_path / "faces" / identity).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tmp_path / "faces" / identity / photo_name), photo)
    webp = cv2.imencode(".webp", same_first)[1].tobytes()
    (tmp_path / "faces" / "bob" / "2.jpg").write_bytes(webp)
    groups = tmp_path / "manifest.csv"
    groups.write_text("identity,group\nalice,team_a\nbob,team_b\n", encoding="utf-8")
    environment = {name: None for name in PREFECT_ENVIRONMENT} | {"PREFECT_HOME": str(tmp_path)}

    result = CliRunner().invoke(
        app, ["faces", "evaluate", str(tmp_path / "faces"), "--groups", str(groups)],
        env=environment,
    )

    assert result.exit_code == 0, result.output
    assert "left out: " in result.output and "bob/2.jpg" in result.output
    assert "engine: sface; pairs: 3" in result.output  # alice 1-2 same; alice-bob different
    assert "     same: n=1 " in result.output
    assert "group team_a: needs scored same- and different-person pairs" in result.output


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


def test_separation_of_scores() -> None:
    pairs = [ScoredPair("a", str(i), "same", score) for i, score in enumerate((0.9, 0.8, 0.4))]
    pairs += [ScoredPair("b", str(i), "different", score)
              for i, score in enumerate((0.1, 0.2, 0.5, 0.3))]
    pairs.append(ScoredPair("a", "c", "same", None))  # faceless: counted, passes no band
    assert separation(pairs) == Separation(
        roc_auc=pytest.approx(11 / 12), equal_error_rate=pytest.approx(0.25 / 2 + 1 / 6),
        highest_different=0.5, same_above_every_different=2, same=4, different=4,
    )
    assert separation([p for p in pairs if p.label == "same"]) is None
