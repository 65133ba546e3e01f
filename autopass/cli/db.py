"""``autopass db upgrade`` and ``autopass users ...``: set up the store and its people."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlmodel import Session

from autopass.cli._app import app
from autopass.settings import get_settings
from autopass.store import (
    Role,
    StoreError,
    add_user,
    find_user,
    list_users,
    session_scope,
    set_active,
    set_password,
    upgrade,
)

PASSWORD_VARIABLE = "AUTOPASS_NEW_PASSWORD"

db_app = typer.Typer(
    help="The store (database): create or migrate its tables.", no_args_is_help=True
)
users_app = typer.Typer(
    help="People who clear micro-tasks on the queue page.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
_console = Console(stderr=True)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[
        str, typer.Option(help="Alembic revision to migrate to; the newest by default.")
    ] = "head",
) -> None:
    """Create the store's tables, or migrate them to the newest version.

    The store is AUTOPASS_DATABASE_URL (PostgreSQL: postgresql+psycopg://user@host/db) or, when it
    is unset, a SQLite file in AUTOPASS_DATA_DIR. Safe to run again: it does nothing when the store
    is up to date. The other commands also migrate a fresh store on first use.
    """
    settings = get_settings()
    upgrade(settings, revision)
    shown = make_url(settings.store_url).render_as_string(hide_password=True)
    _console.print(f"store {shown} is at revision {revision}")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Log-in name: lower-case letters, digits, . _ -")],
    role: Annotated[
        Role,
        typer.Option(
            case_sensitive=False,
            help="operator: clears micro-tasks; senior: also settles double-keying mismatches; "
            "supervisor: also sees the queue overview.",
        ),
    ] = Role.OPERATOR,
) -> None:
    """Add a user of the queue page; the password is asked for (never on the command line).

    For scripts, the password may come from the AUTOPASS_NEW_PASSWORD environment variable.
    """
    password = _new_password(username)
    with store_errors_exit() as session:
        add_user(session, username=username, password=password, role=role)
    _console.print(f"user {username} added with role {role.value}")


@users_app.command("list")
def users_list() -> None:
    """Every user with their role and whether they may log in."""
    table = Table("user", "role", "active", "added")
    with session_scope(get_settings()) as session:
        for user in list_users(session):
            table.add_row(user.username, str(user.role), "yes" if user.active else "no",
                          f"{user.created_at:%Y-%m-%d}")
    Console().print(table)


@users_app.command("deactivate")
def users_deactivate(username: Annotated[str, typer.Argument(help="Log-in name.")]) -> None:
    """Stop a user logging in (someone who left); their pages end at the next click and stay
    ended if they are activated again, a task they hold returns to the queue when its lease runs
    out. The user stays in the audit trail."""
    with store_errors_exit() as session:
        set_active(session, username=username, active=False)
    _console.print(f"user {username} can no longer log in")


@users_app.command("activate")
def users_activate(username: Annotated[str, typer.Argument(help="Log-in name.")]) -> None:
    """Let a deactivated user log in again."""
    with store_errors_exit() as session:
        set_active(session, username=username, active=True)
    _console.print(f"user {username} can log in")


@users_app.command("password")
def users_password(username: Annotated[str, typer.Argument(help="Log-in name.")]) -> None:
    """Give a user a new password, asked for as in `users add` (or AUTOPASS_NEW_PASSWORD); the
    sessions they have open end (a copy of their cookie, too)."""
    with store_errors_exit() as session:
        if find_user(session, username=username) is None:  # before asking for a password
            raise StoreError(f"no user {username}")
    password = _new_password(username)
    with store_errors_exit() as session:
        set_password(session, username=username, password=password)
    _console.print(f"user {username} has a new password")


def _new_password(username: str) -> str:
    return os.environ.get(PASSWORD_VARIABLE) or typer.prompt(
        f"Password for {username}", hide_input=True, confirmation_prompt=True
    )


@contextmanager
def store_errors_exit() -> Iterator[Session]:
    """A store session; a refusal (unknown user, short password) is one red line and exit 2."""
    try:
        with session_scope(get_settings()) as session:
            yield session
    except StoreError as error:
        _console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
