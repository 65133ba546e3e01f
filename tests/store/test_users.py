"""Users of the queue page, and the `autopass db upgrade` / `autopass users add` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from autopass.cli import app
from autopass.settings import Settings, use_settings
from autopass.store import (
    AuditEvent,
    Role,
    StoreError,
    User,
    add_user,
    authenticate,
    dispose_engine,
    session_scope,
)


def test_a_user_logs_in_with_the_password_only(store: Settings) -> None:
    with session_scope(store) as session:
        user = add_user(session, username="alice", password="correct horse", role="senior")
        assert user.password_hash.startswith("$argon2id$")
        assert user.role == Role.SENIOR
    with session_scope(store) as session:
        assert authenticate(session, username="alice", password="correct horse") is not None
        assert authenticate(session, username="alice", password="wrong horse") is None
        assert authenticate(session, username="nobody", password="correct horse") is None
        session.exec(select(User)).one().active = False
    with session_scope(store) as session:
        assert authenticate(session, username="alice", password="correct horse") is None
        event = session.exec(select(AuditEvent)).one()
        assert (event.action, event.detail) == (
            "user_added",
            {"username": "alice", "role": "senior"},
        )


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        (
            "Alice!",
            "long enough",
            "username 'Alice!': use 2-64 lower-case letters, digits, '.', '_' or '-'",
        ),
        ("bob", "short", "password of bob: use at least 8 characters"),
    ],
)
def test_bad_users_are_refused(
    settings: Settings, username: str, password: str, message: str
) -> None:
    with pytest.raises(StoreError) as error, session_scope(settings) as session:
        add_user(session, username=username, password=password, role="operator")
    assert str(error.value) == message
    dispose_engine(settings.store_url)


def test_the_commands_upgrade_the_store_and_add_a_user(tmp_path: Path) -> None:
    runner = CliRunner()
    with use_settings(Settings(data_dir=tmp_path / "cli")) as settings:
        try:
            upgraded = runner.invoke(app, ["db", "upgrade"])
            assert upgraded.exit_code == 0, upgraded.output
            assert (tmp_path / "cli" / "autopass.db").exists()
            password = "s3cret-pass\ns3cret-pass\n"  # typed twice: the prompt confirms it
            added = runner.invoke(
                app, ["users", "add", "olga", "--role", "operator"], input=password
            )
            assert added.exit_code == 0, added.output
            again = runner.invoke(app, ["users", "add", "olga", "--role", "senior"], input=password)
            assert again.exit_code == 2
            assert "user olga already exists" in again.output
            with session_scope(settings) as session:
                assert authenticate(session, username="olga", password="s3cret-pass") is not None
        finally:
            dispose_engine(settings.store_url)
