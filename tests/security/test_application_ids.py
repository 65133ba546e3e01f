"""Ids the store cannot hold are refused at the door, on SQLite and PostgreSQL alike.

The hole: an application_id (dealer_id, salesperson_id, product) longer than its 64-character
column went through the whole pipeline and then failed on PostgreSQL (StringDataRightTruncation,
exit code 3), while SQLite stored it; an id with a line break or an invisible character was
stored as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from autopass.cli import app
from autopass.dossier import MAX_ID_LENGTH
from autopass.settings import Settings, use_settings
from autopass.store import Dossier, dispose_engine, session_scope
from tests.factories import APPLICATION
from tests.security.dossiers import (  # noqa: F401  (keep_umask: a fixture)
    autopass_lines,
    keep_umask,
    make_dossier,
)

pytestmark = pytest.mark.usefixtures("prefect_harness", "keep_umask")

TOO_LONG = "String should have at most 64 characters"
CONTROL = ("Value error, must not contain control characters (line breaks, tabs, invisible "
           "formatting characters)")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return Settings(data_dir=tmp_path / "data")
    return Settings(data_dir=tmp_path / "data",
                    database_url=request.getfixturevalue("postgres_url"))


def stored(settings: Settings, application_id: str) -> list[Dossier]:
    try:
        with session_scope(settings) as session:
            return list(session.exec(
                select(Dossier).where(Dossier.application_id == application_id)))
    finally:
        if settings.database_url is None:
            dispose_engine(settings.store_url)


def process(settings: Settings, folder: Path, *options: str):  # type: ignore[no-untyped-def]
    with use_settings(settings):
        return CliRunner().invoke(app, ["process", str(folder), "--json", *options])


@pytest.mark.parametrize(
    ("key", "value", "options", "problem"),
    [
        ("application_id", "A" * 65, (), TOO_LONG),
        ("dealer_id", "D" * 65, (), TOO_LONG),
        ("salesperson_id", "S" * 65, (), TOO_LONG),
        # The standard is named on the command line: the application's product is still stored.
        ("product", "p" * 65, ("--product", "new_car_loan"), TOO_LONG),
        ("dealer_id", "D-QD-017\nD-QD-018", (), CONTROL),
        ("salesperson_id", "S-0442\t", (), CONTROL),
        ("dealer_id", "D-QD-\u202e710", (), CONTROL),  # right-to-left override: shows "D-QD-017"
    ],
    ids=["application_id", "dealer_id", "salesperson_id", "product", "line-break", "tab",
         "invisible-override"],
)
def test_an_id_the_store_cannot_hold_is_refused_at_the_door(
    tmp_path: Path, store: Settings, key: str, value: str, options: tuple[str, ...], problem: str
) -> None:
    application_id = f"A-{tmp_path.name}"[:MAX_ID_LENGTH]  # the PostgreSQL store is shared
    application = {**APPLICATION, "application_id": application_id, key: value}
    if key == "application_id":
        application_id = value
    folder = make_dossier(tmp_path, {"a.jpg": b""}, application=application)

    outcome = process(store, folder, *options)

    assert outcome.exit_code == 2, outcome.output
    assert outcome.stdout == ""
    assert autopass_lines(outcome.stderr) == [
        f"autopass: {folder}: application.json: {key}: {problem}"]
    assert stored(store, application_id) == []


def test_ids_as_long_as_the_columns_are_stored(tmp_path: Path, store: Settings) -> None:
    longest = f"A-{tmp_path.name}-".ljust(MAX_ID_LENGTH, "9")[:MAX_ID_LENGTH]
    application = {**APPLICATION, "application_id": longest, "dealer_id": "D" * MAX_ID_LENGTH,
                   "salesperson_id": "S" * MAX_ID_LENGTH}
    folder = make_dossier(tmp_path, {"a.jpg": b""}, application=application)

    outcome = process(store, folder)

    assert outcome.exit_code == 0, outcome.output
    [dossier] = stored(store, longest)
    assert (dossier.dealer_id, dossier.salesperson_id) == ("D" * 64, "S" * 64)


def test_the_store_and_the_application_share_one_length() -> None:
    columns = Dossier.__table__.columns  # type: ignore[attr-defined]
    names = ("application_id", "product", "dealer_id", "salesperson_id")
    assert {name: columns[name].type.length for name in names} == dict.fromkeys(
        names, MAX_ID_LENGTH)
