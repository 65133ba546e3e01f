"""``autopass dealers ...``: the keys dealers' systems call the dealer API with."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from autopass.cli._app import app
from autopass.cli.db import store_errors_exit
from autopass.settings import get_settings
from autopass.store import session_scope
from autopass.store.dealers import issue_key, list_keys, revoke_key

dealers_app = typer.Typer(
    help="Dealers' systems: keys to the dealer API (/api/v1).", no_args_is_help=True
)
app.add_typer(dealers_app, name="dealers")
_console = Console(stderr=True)


@dealers_app.command("add")
def dealers_add(
    dealer_id: Annotated[str, typer.Argument(help="The dealer's id, as in application.json.")],
    name: Annotated[str, typer.Option(help="What the key is for (the dealer's system).")] = "",
) -> None:
    """Issue a key for the dealer's system; it acts for this dealer only.

    The key is printed once, on standard output; the store keeps only its hash. Revoke it with
    `autopass dealers revoke PREFIX` (the prefix is the 12 hex digits after `ap_`).
    """
    with store_errors_exit() as session:
        issued = issue_key(session, dealer_id=dealer_id, name=name)
    _console.print(f"key {issued.row.prefix} issued for dealer {dealer_id}; it is shown only "
                   "now: give it to the dealer's system")
    print(issued.key, flush=True)


@dealers_app.command("list")
def dealers_list() -> None:
    """Every key with its dealer, name, and whether it still works."""
    table = Table("prefix", "dealer", "name", "issued", "revoked")
    with session_scope(get_settings()) as session:
        for key in list_keys(session):
            table.add_row(key.prefix, key.dealer_id, key.name, f"{key.created_at:%Y-%m-%d}",
                          f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "")
    Console().print(table)


@dealers_app.command("revoke")
def dealers_revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix, as `dealers list` shows it.")],
) -> None:
    """Stop a key working at once (a leaked key, a system retired)."""
    with store_errors_exit() as session:
        key = revoke_key(session, prefix=prefix)
    _console.print(f"key {prefix} of dealer {key.dealer_id} is revoked")
