"""The layers hold (pyproject's import-linter contracts), and every module of the core is placed."""

from __future__ import annotations

import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

PROJECT = Path(__file__).resolve().parents[1]
ABOVE_THE_CORE = {"cli", "web", "__main__", "__init__"}
DEVELOPMENT_TOOLS = {"devtools"}  # benches, sample generator, evaluation, simulated people
NOT_PYTHON_PACKAGES = {"migrations"}  # Alembic's folder


def _contracts() -> list[dict]:
    with (PROJECT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["tool"]["importlinter"]["contracts"]


def test_the_import_contracts_are_kept(monkeypatch) -> None:
    monkeypatch.chdir(PROJECT)
    assert lint_imports(config_filename=str(PROJECT / "pyproject.toml")) == 0


def test_every_module_of_autopass_is_core_a_tool_or_on_top() -> None:
    """A new module joins the core's contract (or is named a tool): none escapes the check."""
    [core_contract] = [c for c in _contracts() if c["type"] == "forbidden"]
    core = {name.removeprefix("autopass.") for name in core_contract["source_modules"]}
    tools = {name.removeprefix("autopass.") for name in core_contract["forbidden_modules"]
             if name.startswith("autopass.")} - {"web", "cli"}
    assert tools == DEVELOPMENT_TOOLS
    modules = {path.stem for path in (PROJECT / "autopass").glob("*.py")} | {
        path.name for path in (PROJECT / "autopass").iterdir()
        if path.is_dir() and not path.name.startswith(("_", "."))}
    unplaced = modules - core - tools - ABOVE_THE_CORE - NOT_PYTHON_PACKAGES
    assert unplaced == set(), f"add these to the core's import contract in pyproject.toml: {unplaced}"
