"""``autopass samples`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from autopass.cli import app


def test_samples_command_writes_dossiers_and_says_where(
    tmp_path: Path, faces_dir: Path | None
) -> None:
    args = [
        "samples",
        "--out",
        str(tmp_path / "out"),
        "--count",
        "1",
        "--seed",
        "4",
        "--difficulty",
        "hard",
    ]
    if faces_dir:
        args += ["--faces", str(faces_dir)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"wrote 1 dossiers to {(tmp_path / 'out').resolve()}" in result.output
    truth = json.loads(
        (tmp_path / "out" / "dossier_0001" / "truth.json").read_text(encoding="utf-8")
    )
    assert truth["difficulty"] == "hard"


def test_samples_without_faces_uses_shipped_photos(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["samples", "--out", str(tmp_path), "--count", "1", "--seed", "1", "--difficulty", "easy"],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "dossier_0001" / "application.json").is_file()


def test_samples_help_lists_options() -> None:
    result = CliRunner().invoke(app, ["samples", "--help"])
    assert result.exit_code == 0
    for option in ("--out", "--count", "--seed", "--defect-rate", "--difficulty", "--faces",
                   "--templates"):
        assert option in result.output


def test_samples_templates_option_draws_from_that_group_only(tmp_path: Path) -> None:
    """--templates holdout: every document printed several ways (all but the ID card) from a
    held-out template, and truth.json says which template drew each document, which group the
    dossier belongs to, and how tall each capture's key text came out."""
    from autopass.devtools.samples.templates import get_template

    args = ["samples", "--out", str(tmp_path), "--count", "2", "--seed", "3", "--difficulty",
            "easy", "--templates", "holdout"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    for folder in ("dossier_0001", "dossier_0002"):
        truth = json.loads((tmp_path / folder / "truth.json").read_text(encoding="utf-8"))
        assert truth["template_group"] == "holdout"
        assert set(truth["templates"]) == set(truth["fields"])
        for key, name in truth["templates"].items():
            drawn = get_template(name)
            kind = key.split("#")[1] if "#" in key else truth["documents"][key]
            assert drawn.document_type.value == kind
            if kind not in ("id_card_front", "id_card_back"):
                assert drawn.group.value == "holdout", name
        assert set(truth["key_text_px"]) == set(truth["templates"])


def test_samples_refuses_an_unknown_template_group(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["samples", "--out", str(tmp_path), "--templates", "best"])
    assert result.exit_code == 2
    assert "tuning" in result.output and "holdout" in result.output
