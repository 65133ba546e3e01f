"""Alembic environment of the store.

``autopass.store.db.upgrade`` hands over an open connection (``config.attributes["connection"]``);
run from the ``alembic`` command instead, it connects to ``Settings().store_url``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import autopass.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from autopass.settings import get_settings
    from autopass.store.db import get_engine

    url = context.config.get_main_option("sqlalchemy.url") or get_settings().store_url
    with get_engine(url).connect() as own_connection:
        _run(own_connection)
        own_connection.commit()


if context.is_offline_mode():
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    _run_online()
