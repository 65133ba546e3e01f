import json
from pathlib import Path

import pytest

from autopass.dossier_folder import open_dossier_folder
from autopass.errors import DossierError
from tests.factories import APPLICATION


def make_dossier(tmp_path: Path, application: object = APPLICATION, files=("b.jpg", "a.png")) -> Path:
    folder = tmp_path / "dossier"
    folder.mkdir()
    if application is not None:
        text = application if isinstance(application, str) else json.dumps(application)
        (folder / "application.json").write_text(text, encoding="utf-8")
    for name in files:
        (folder / name).write_bytes(b"x")
    return folder


def test_reads_application_and_lists_documents_in_name_order(tmp_path, settings):
    folder = make_dossier(tmp_path, files=("b.jpg", "a.png", "notes.txt", "truth.json"))
    dossier = open_dossier_folder(folder, settings)
    assert dossier.application.application_id == "A20261128000123"
    assert [p.name for p in dossier.files] == ["a.png", "b.jpg"]


@pytest.mark.parametrize(
    ("application", "files", "message"),
    [
        (None, ("a.jpg",), "application.json: missing"),
        ("{not json", ("a.jpg",), "application.json: malformed JSON at line 1 column 2: "
         "Expecting property name enclosed in double quotes"),
        ("[1, 2]", ("a.jpg",), "application.json: must hold a JSON object"),
        ({**APPLICATION, "loan": {"amount": "lots"}}, ("a.jpg",),
         "application.json: loan.amount: Input should be a valid number, unable to parse string "
         "as a number; loan.term_months: Field required; loan.bank_card: Field required"),
        (APPLICATION, (), "-: no document images (.jpg, .jpeg, .png or .pdf) in the folder"),
    ],
)
def test_unreadable_dossier_names_folder_file_and_problem(tmp_path, settings, application, files,
                                                         message):
    folder = make_dossier(tmp_path, application, files)
    with pytest.raises(DossierError) as caught:
        open_dossier_folder(folder, settings)
    assert str(caught.value) == f"{folder}: {message}"


def test_application_json_that_is_not_utf8(tmp_path, settings):
    folder = make_dossier(tmp_path)
    (folder / "application.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DossierError, match="application.json: not UTF-8 text"):
        open_dossier_folder(folder, settings)
