"""Run dossier folders through the ``process-dossier`` flow, one after another, in this process."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from autopass.dossier_folder import TRUTH_FILE
from autopass.engines.registry import get_face_engine, get_ocr_engine
from autopass.errors import DossierError, ProcessingFailed
from autopass.settings import Settings, get_settings, without_flow_heartbeats

if TYPE_CHECKING:
    from autopass.devtools.evaluation import EvaluatedDossier


@dataclass(frozen=True)
class Processed:
    folder: Path
    result: dict | None  # CONTRACT §3 result, or None when the dossier could not be read
    error: DossierError | ProcessingFailed | None  # unreadable dossier, or a fault while processing
    seconds: float

    def with_truth(self) -> EvaluatedDossier | None:
        """The result beside the folder's truth.json (a generated sample); None when the dossier
        could not be read or has no truth."""
        from autopass.devtools.evaluation import EvaluatedDossier

        truth = self.folder / TRUTH_FILE
        if self.result is None or not truth.is_file():
            return None
        return EvaluatedDossier(name=self.folder.name, result=self.result, seconds=self.seconds,
                                truth=json.loads(truth.read_text(encoding="utf-8")))


def start_up_alongside_prefect() -> None:
    """Load the flows and the engines' models while Prefect's ephemeral server starts (a process
    of its own, on the other core), not one after the other: the first dossier starts after the
    slower of the two rather than their sum. The server is started first, before this process
    imports Prefect, where it can be (``start_server_before_prefect``). Call it from the main
    thread, which must start the server (``autopass.orchestration``)."""
    from autopass.orchestration import (
        import_prefect,
        start_ephemeral_server,
        start_server_before_prefect,
        wait_for_server_started_before_prefect,
    )

    started = start_server_before_prefect()
    if not started:
        import_prefect()
    loading = threading.Thread(target=_load_flows_and_models, args=(get_settings(),),
                               name="start-up", daemon=True)
    loading.start()
    if started:
        wait_for_server_started_before_prefect()  # Prefect is the other thread's to import
    else:
        start_ephemeral_server()
    loading.join()
    start_ephemeral_server()  # once Prefect is imported: marks the runs of dead processes crashed


def _load_flows_and_models(settings: Settings) -> None:
    import autopass.flows.process_dossier  # noqa: F401  (the tasks and what they import)

    try:
        get_ocr_engine(settings)
        get_face_engine(settings)
    except Exception:  # noqa: BLE001 -- the step that needs the engine meets it and says so
        pass


def process_folders(folders: list[Path], *, product: str | None = None) -> Iterator[Processed]:
    """Each folder's result in order; an unreadable dossier never starts a flow run. Call it from
    the main thread: the ephemeral Prefect server it starts dies with that thread
    (``autopass.orchestration``)."""
    # Progress lines of every task belong in Prefect's UI, not on the terminal.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    start_up_alongside_prefect()
    from autopass.flows.process_dossier import ProcessDossierRequest, process_dossier
    from autopass.orchestration import owned_flow_runs
    from autopass.tasks.open_dossier import read_dossier

    for folder in folders:
        request = ProcessDossierRequest(folder=str(folder), product=product)
        started = time.perf_counter()
        try:
            read_dossier(folder, product)
            with without_flow_heartbeats(), owned_flow_runs():
                result = process_dossier(request)
        except DossierError as exc:
            yield Processed(folder, None, exc, time.perf_counter() - started)
            continue
        except Exception as exc:  # noqa: BLE001 -- one dossier's fault must not end the batch
            failed = ProcessingFailed(folder, exc)
            yield Processed(folder, None, failed, time.perf_counter() - started)
            continue
        yield Processed(folder, result, None, time.perf_counter() - started)
