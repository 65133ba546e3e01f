"""Open a dossier folder and its product's standard: the first I/O boundary of every flow."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from autopass.dossier_folder import APPLICATION_FILE, DossierFolder, open_dossier_folder
from autopass.errors import DossierError, StandardsError
from autopass.settings import get_settings
from autopass.standards import Standard, load_standard
from autopass.store import ResubmissionRefused, refuse_another_dealers_folder, session_scope


def read_dossier(folder: str | Path, product: str | None = None) -> tuple[DossierFolder, Standard]:
    """The dossier folder and the standard it is judged by, or a ``DossierError`` naming what is
    wrong (the folder, the file, the problem); a folder from another dealer than the one whose
    dossier has its application id is one (it would replace that dealer's dossier)."""
    settings = get_settings()
    dossier = open_dossier_folder(Path(folder), settings)
    try:
        standard = load_standard(product or dossier.application.product, settings)
    except StandardsError as exc:
        source = "--product" if product else APPLICATION_FILE
        raise DossierError(dossier.folder, source, str(exc)) from None
    try:
        with session_scope(settings) as session:
            refuse_another_dealers_folder(session, dossier.application)
    except ResubmissionRefused as exc:
        raise DossierError(dossier.folder, APPLICATION_FILE, str(exc)) from None
    return dossier, standard


@task(name="open-dossier", cache_policy=NO_CACHE)
def open_dossier(folder: str, product: str | None = None) -> tuple[DossierFolder, Standard]:
    """Read application.json and the product's standard; a bad dossier fails here, cleanly."""
    return read_dossier(folder, product)
