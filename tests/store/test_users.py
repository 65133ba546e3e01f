"""Users of the queue page, and the `autopass db upgrade` / `autopass users ...` commands."""

from __future__ import annotations

import re
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
    list_users,
    session_scope,
    set_active,
    set_password,
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


def test_someone_who_left_is_deactivated_and_a_forgotten_password_replaced(store: Settings) -> None:
    with session_scope(store) as session:
        add_user(session, username="olga", password="first-pass", role="operator")
        add_user(session, username="anna", password="anna-pass", role="senior")
    with session_scope(store) as session:
        set_active(session, username="olga", active=False)
        set_active(session, username="olga", active=False)  # already: nothing more recorded
    with session_scope(store) as session:
        assert authenticate(session, username="olga", password="first-pass") is None
        assert [(u.username, u.active) for u in list_users(session)] == [
            ("anna", True), ("olga", False)]
        set_active(session, username="olga", active=True)
        set_password(session, username="olga", password="second-pass")
    with session_scope(store) as session:
        assert authenticate(session, username="olga", password="first-pass") is None
        assert authenticate(session, username="olga", password="second-pass") is not None
        actions = [(e.action, e.detail["username"]) for e in
                   session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
        assert actions[2:] == [("user_deactivated", "olga"), ("user_reactivated", "olga"),
                               ("user_password_changed", "olga")]
    for change, message in ((lambda s: set_active(s, username="nobody", active=False),
                             "no user nobody"),
                            (lambda s: set_password(s, username="olga", password="short"),
                             "password of olga: use at least 8 characters")):
        with pytest.raises(StoreError, match=message), session_scope(store) as session:
            change(session)


def test_the_commands_list_deactivate_and_give_a_new_password(tmp_path: Path) -> None:
    runner = CliRunner()
    with use_settings(Settings(data_dir=tmp_path / "cli")) as settings:
        try:
            with session_scope(settings) as session:
                add_user(session, username="olga", password="first-pass", role="operator")
            left = runner.invoke(app, ["users", "deactivate", "olga"])
            assert left.exit_code == 0, left.output
            listed = runner.invoke(app, ["users", "list"], env={"COLUMNS": "120"})
            assert listed.exit_code == 0, listed.output
            assert re.search(r"olga\s*│\s*operator\s*│\s*no", listed.stdout), listed.stdout
            renewed = runner.invoke(app, ["users", "password", "olga"],
                                    input="second-pass\nsecond-pass\n")
            assert renewed.exit_code == 0, renewed.output
            back = runner.invoke(app, ["users", "activate", "olga"])
            assert back.exit_code == 0, back.output
            for command in ("deactivate", "password"):  # no password asked for nobody
                unknown = runner.invoke(app, ["users", command, "nobody"])
                assert unknown.exit_code == 2 and "no user nobody" in unknown.output
                assert "Password" not in unknown.output
            with session_scope(settings) as session:
                assert authenticate(session, username="olga", password="second-pass") is not None
        finally:
            dispose_engine(settings.store_url)
