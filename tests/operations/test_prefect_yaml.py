"""prefect.yaml parses as Prefect reads it, and every deployment names an existing flow."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from prefect.cli.deploy._models import PrefectYamlModel

from autopass.flows.dispatch import FINALIZE_DEPLOYMENT
from autopass.flows.intake import PROCESS_DEPLOYMENT

PREFECT_YAML = Path(__file__).resolve().parents[2] / "prefect.yaml"


def load() -> PrefectYamlModel:
    return PrefectYamlModel.model_validate(yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8")))


def test_deployments_name_existing_flows_with_matching_names():
    project = load()
    found = {}
    for deployment in project.deployments:
        module_path, function = deployment.entrypoint.split(":")
        module = importlib.import_module(module_path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, function)
        found[deployment.name] = f"{flow.name}/{deployment.name}"
        assert deployment.work_pool.name == "autopass-pool"
    assert found == {
        "intake": "intake/intake",
        "process-dossier": PROCESS_DEPLOYMENT,
        "finalize-dossier": FINALIZE_DEPLOYMENT,
        "nightly-batch": "nightly-batch/nightly-batch",
        "notify-dealers": "notify-dealers/notify-dealers",
    }


def test_schedules():
    deployments = {d.name: d for d in load().deployments}
    intake = deployments["intake"].schedules[0]
    assert intake.interval.total_seconds() == 60
    nightly = deployments["nightly-batch"].schedules[0]
    assert (nightly.cron, nightly.timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert deployments["intake"].concurrency_limit.limit == 1
    assert deployments["notify-dealers"].schedules[0].interval.total_seconds() == 60
    assert not deployments["process-dossier"].schedules
