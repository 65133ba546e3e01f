"""The ``autopass`` command loads the module of the command asked for, and no other.

The hole: every command imported every other command's modules first (the web app, the sample
generator, SciPy: 2.4 s of CPU), and ``autopass process`` started Prefect's server after them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import typer.main

from autopass.cli import COMMAND_MODULES, app
from tests.processes import PROJECT

STARTS_PROCESS = """
import json, sys
sys.argv = ["autopass", "process", "--help"]
from autopass.cli import main
try:
    main()
except SystemExit:
    pass
import autopass.orchestration  # what `process` imports before it starts Prefect's server
print(json.dumps(sorted(name for name in ("prefect", "scipy", "fastapi", "autopass.web",
                                          "autopass.devtools") if name in sys.modules)))
"""


def test_each_command_is_mapped_to_the_module_that_registers_it() -> None:
    registered = {}
    for command in app.registered_commands:
        name = command.name or typer.main.get_command_name(command.callback.__name__)
        registered[name] = command.callback.__module__
    for group in app.registered_groups:
        callbacks = [command.callback for command in group.typer_instance.registered_commands]
        registered[group.name] = callbacks[0].__module__

    assert {name: module.removeprefix("autopass.cli.") for name, module in registered.items()} \
        == COMMAND_MODULES


def test_the_process_command_starts_without_prefect_scipy_the_web_app_or_the_dev_tools() -> None:
    started = subprocess.run([sys.executable, "-c", STARTS_PROCESS], cwd=PROJECT,
                             capture_output=True, text=True, timeout=120)

    assert started.returncode == 0, started.stderr
    assert "Usage: autopass process" in started.stdout
    assert json.loads(started.stdout.splitlines()[-1]) == []
