"""``autopass db upgrade`` and ``autopass users add``: set up the store and its people."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.engine import make_url

from autopass.cli._app import app
from autopass.settings import get_settings
from autopass.store import Role, StoreError, add_user, session_scope, upgrade

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
    password = os.environ.get(PASSWORD_VARIABLE) or typer.prompt(
        f"Password for {username}", hide_input=True, confirmation_prompt=True
    )
    try:
        with session_scope(get_settings()) as session:
            add_user(session, username=username, password=password, role=role)
    except StoreError as error:
        _console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    _console.print(f"user {username} added with role {role.value}")
