"""Engines, sessions and migrations of the store.

One engine per URL per process. SQLite runs in WAL mode with foreign keys on, a busy timeout, and
every transaction opened with ``BEGIN IMMEDIATE``: a transaction that reads and then writes can
never fail half-way with "database is locked" because another writer got in between (the queue's
claim relies on this). PostgreSQL runs at READ COMMITTED; the queue locks rows explicitly.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from autopass.private_data import keep_private, private_file
from autopass.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
_POSTGRES_MIGRATION_LOCK = 0x6175746F70617373  # "autopass": one upgrade at a time per database

_engines: dict[str, Engine] = {}
_upgraded: set[str] = set()
_lock = threading.Lock()


def get_engine(url: str) -> Engine:
    """The process's engine for ``url``, created on first use."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _create_engine(url)
        return engine


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError(f"{url}: the store needs a SQLite file, not an in-memory database")
        _private_sqlite_file(Path(parsed.database))
        engine = sa.create_engine(
            url, pool_size=20, max_overflow=10, connect_args={"check_same_thread": False}
        )
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _private_sqlite_file(database: Path) -> None:
    """The store holds password hashes and unmasked numbers: its file is created ``0600`` before
    SQLite opens it, and SQLite gives its ``-wal`` and ``-shm`` files the database's mode."""
    private_file(database)
    for companion in ("-wal", "-shm"):
        keep_private(database.with_name(database.name + companion))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below open transactions, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def dispose_engine(url: str) -> None:
    """Close and forget the engine of ``url`` (a test's database that is about to disappear)."""
    with _lock:
        engine = _engines.pop(url, None)
        _upgraded.discard(url)
    if engine is not None:
        engine.dispose()


def dispose_engines() -> None:
    """Close every pooled connection (tests, and forked worker processes)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _upgraded.clear()


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Run the Alembic migrations of ``settings.store_url`` up to ``revision``."""
    _migrate(settings, command.upgrade, revision)
    with _lock:
        _upgraded.add(settings.store_url)


def downgrade(settings: Settings, revision: str) -> None:
    """Undo migrations down to ``revision`` (``base`` drops every table: tests only)."""
    with _lock:
        _upgraded.discard(settings.store_url)
    _migrate(settings, command.downgrade, revision)


def _migrate(settings: Settings, step: Callable[[Config, str], None], revision: str) -> None:
    """One migration step in one transaction, one process at a time per database."""
    engine = get_engine(settings.store_url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_MIGRATION_LOCK}
            )
        config = alembic_config(settings.store_url)
        config.attributes["connection"] = connection
        step(config, revision)


def alembic_config(url: str) -> Config:
    """An Alembic config that needs no alembic.ini: it works from an installed package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def ensure_store(settings: Settings) -> Engine:
    """The engine of the configured store, migrated to head once per process."""
    if settings.store_url not in _upgraded:
        upgrade(settings)
    return get_engine(settings.store_url)


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises.

    The store is migrated on first use, so a fresh SQLite file just works.
    """
    engine = ensure_store(settings)
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def temporary_postgres_database(admin_url: str, prefix: str) -> Iterator[str]:
    """A fresh database ``<prefix>_<random>`` on the server of ``admin_url``; its URL, dropped
    after (its connections ended first). For the bench and the tests, never for a live store."""
    url = create_postgres_database(admin_url, f"{prefix}_{uuid.uuid4().hex[:10]}")
    try:
        yield url
    finally:
        drop_postgres_database(url)


@contextmanager
def temporary_sqlite_database(prefix: str) -> Iterator[str]:
    """A SQLite store file in a new temporary folder; its URL, the folder removed after. For the
    bench, never for a live store."""
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    url = f"sqlite:///{folder / 'store.db'}"
    try:
        yield url
    finally:
        dispose_engine(url)
        shutil.rmtree(folder, ignore_errors=True)


def create_postgres_database(admin_url: str, name: str) -> str:
    """Create the database ``name`` on the server of ``admin_url``; its URL (same driver)."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        raise RuntimeError(f"{admin_url}: cannot create the database {name} ({exc.orig})") from None
    finally:
        admin.dispose()
    return admin.url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    """Drop the database of ``url`` (its connections ended first), connected to ``postgres``."""
    dispose_engine(url)
    name = make_url(url).database
    admin = sa.create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()
