"""The layers hold (pyproject's import-linter contracts), and every module of the core is placed.

The contracts are checked on the wheel a centre installs: there, the repository's top-level flows/
and tasks/ are autopass.flows and autopass.tasks.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from hatchling.builders.wheel import WheelBuilder

PROJECT = Path(__file__).resolve().parents[1]
ABOVE_THE_CORE = {"flows", "tasks", "cli", "web", "__main__", "__init__"}
DEVELOPMENT_TOOLS = {"devtools"}  # benches, sample generator, evaluation, simulated people
NOT_PYTHON_PACKAGES = {"migrations"}  # Alembic's folder


def _contracts() -> list[dict]:
    with (PROJECT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["tool"]["importlinter"]["contracts"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from this checkout, unpacked as pip would install it."""
    build = tmp_path_factory.mktemp("wheel")
    [wheel] = WheelBuilder(str(PROJECT)).build(directory=str(build), versions=["standard"])
    site = build / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def _run_in(site: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Python run where the unpacked wheel comes first on the path, not this checkout."""
    return subprocess.run([sys.executable, "-c", code], cwd=site, capture_output=True, text=True,
                          timeout=300)


def test_the_import_contracts_are_kept(installed: Path) -> None:
    lint = _run_in(installed, "from importlinter.cli import lint_imports; raise SystemExit("
                              f"lint_imports(config_filename={str(PROJECT / 'pyproject.toml')!r}, "
                              "no_cache=True))")
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_wheel_claims_no_top_level_name_but_autopass(installed: Path) -> None:
    top_level = {path.name for path in installed.iterdir() if not path.name.endswith(".dist-info")}
    assert top_level == {"autopass"}
    run = _run_in(installed, "import autopass, autopass.flows.process_dossier, autopass.tasks.read_file;"
                             "from autopass.settings import Settings;"
                             "print(autopass.flows.process_dossier.__file__);"
                             "print(Settings().standards_dir)")
    assert run.returncode == 0, run.stderr
    flow_file, standards = run.stdout.split()
    assert Path(flow_file).is_relative_to(installed / "autopass" / "flows")
    assert Path(standards) == installed / "autopass" / "standards" / "shipped"
    assert (Path(standards) / "new_car_loan.yaml").is_file()


def test_every_module_of_autopass_is_core_a_tool_or_on_top(installed: Path) -> None:
    """A new module joins the core's contract (or is named a tool): none escapes the check."""
    [core_contract] = [c for c in _contracts() if c["type"] == "forbidden"]
    core = {name.removeprefix("autopass.") for name in core_contract["source_modules"]}
    tools = {name.removeprefix("autopass.") for name in core_contract["forbidden_modules"]
             if name.startswith("autopass.")} - ABOVE_THE_CORE
    assert tools == DEVELOPMENT_TOOLS
    package = installed / "autopass"
    modules = {path.stem for path in package.glob("*.py")} | {
        path.name for path in package.iterdir()
        if path.is_dir() and not path.name.startswith(("_", "."))}
    unplaced = modules - core - tools - ABOVE_THE_CORE - NOT_PYTHON_PACKAGES
    assert unplaced == set(), f"add these to the core's import contract in pyproject.toml: {unplaced}"
