"""What the Prefect UI shows of a dossier processed in the embedded mode: its flow run and each
small task of it, with the state it ended in.

The hole: Prefect's ephemeral server ran without its task-run recorder, so the UI listed every
``process-dossier`` run with 0 task runs. The processes here are real (``autopass process``, then a
second process reading Prefect's database as the UI would), on the data dir of the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.processes import autopass, ephemeral_environment, generated_dossier

READ_RUNS = """
import json
from autopass.settings import get_settings, prepare_prefect_environment
prepare_prefect_environment(get_settings())
from prefect.client.orchestration import get_client
with get_client(sync_client=True) as client:
    [flow_run] = client.read_flow_runs()
    tasks = client.read_task_runs()
print(json.dumps({"flow": [flow_run.name, flow_run.state.type.value],
                  "tasks": [[task.task_key.rsplit("-", 1)[0], task.state.type.value]
                            for task in tasks if task.flow_run_id == flow_run.id]}))
"""
STEPS = {"open_dossier", "store_originals", "read_file", "match_faces",
         "evaluate_checklist", "route", "record_result"}  # task keys: the tasks' functions


def test_every_small_task_of_a_dossier_is_in_prefects_store_once_the_process_ended(
    tmp_path: Path, faces_dev_dir: Path | None
) -> None:
    environment = ephemeral_environment(tmp_path / "data")
    folder = generated_dossier(tmp_path / "samples", environment, faces_dev_dir, seed=7)

    processed = subprocess.run(autopass("process", str(folder), "--json"), env=environment,
                               capture_output=True, text=True, timeout=600)
    assert processed.returncode == 0, processed.stderr

    runs = subprocess.run([sys.executable, "-c", READ_RUNS], env=environment,
                          capture_output=True, text=True, timeout=240)
    assert runs.returncode == 0, runs.stderr
    shown = json.loads(runs.stdout)
    assert shown["flow"][1] == "COMPLETED"
    names = {name for name, _ in shown["tasks"]}
    assert STEPS <= names, f"task runs recorded: {sorted(names)}"
    assert {state for _, state in shown["tasks"]} == {"COMPLETED"}
