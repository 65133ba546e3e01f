"""``autopass`` commands as real processes with a data dir of their own and Prefect's ephemeral
server, whatever the test session configured for itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def ephemeral_environment(data_dir: Path) -> dict[str, str]:
    """This environment without any Prefect or Autopass setting, the store in ``data_dir``."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PREFECT_", "AUTOPASS_"))}
    return {**env, "AUTOPASS_DATA_DIR": str(data_dir),
            "PYTHONPATH": os.pathsep.join([str(PROJECT), env.get("PYTHONPATH", "")])}


def autopass(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "autopass", *arguments]


def generated_dossier(root: Path, environment: dict[str, str], faces_dir: Path | None,
                      seed: int) -> Path:
    """One dossier from ``autopass samples`` (its own process) under ``root``."""
    faces = ["--faces", str(faces_dir)] if faces_dir else []
    subprocess.run(autopass("samples", "--out", str(root), "--count", "1", "--seed", str(seed),
                            *faces),
                   env=environment, check=True, capture_output=True, timeout=180)
    [folder] = root.iterdir()
    return folder
