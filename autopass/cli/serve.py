"""``autopass serve``: the micro-task queue page and its JSON API."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer
from rich.console import Console

from autopass.cli._app import app
from autopass.settings import Settings, get_settings, secret_key_weakness, weak_secret_message

_console = Console(stderr=True)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the queue page: operators clear micro-tasks, supervisors watch the queue.

    Open http://HOST:PORT/ and log in with a user made by `autopass users add`. The store is the
    one of AUTOPASS_DATABASE_URL / AUTOPASS_DATA_DIR; sessions are signed with AUTOPASS_SECRET_KEY,
    which must be a random value to listen on any address but this machine's own (127.0.0.1).
    """
    settings = get_settings()
    refusal = network_refusal(host, settings)
    if refusal is not None:
        _console.print(f"[red]error:[/red] {refusal}", soft_wrap=True)  # one line: copyable
        raise typer.Exit(2)

    import uvicorn

    from autopass.web import create_app

    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=False)


def network_refusal(host: str, settings: Settings) -> str | None:
    """Why the page must not listen on ``host``, or None: on an address other machines reach,
    a weak secret key lets them sign a session cookie, even in development."""
    if is_this_machine_only(host):
        return None
    reason = secret_key_weakness(settings.secret_key)
    if reason is None:
        return None
    return f"--host {host} opens the queue page to the network. {weak_secret_message(reason)}"


def is_this_machine_only(host: str) -> bool:
    """A loopback address; a host name may resolve to any interface, so it is not."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
