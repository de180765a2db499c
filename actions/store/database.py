"""Engine, schema migrations (Alembic) and session factory; SQLite by default, PostgreSQL in production."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from bot.private_files import private_sqlite_file

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE_REVISION = "0001"  # the tables made before migrations existed
MIGRATION_LOCK_ID = 4_712_001  # PostgreSQL advisory lock: replicas starting together migrate once
# Alembic keeps the running migration in module globals (`alembic.context`, `alembic.op`): two threads
# of one process migrating at once (the web app's first identification request and its console
# housekeeping, on a fresh database) break each other, so a process migrates one engine at a time.
_MIGRATING = threading.Lock()


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configuration pointing at this package's migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head", attempts: int = 3) -> None:
    """Bring the schema to `revision`; a database made before migrations is adopted, not recreated.

    Two processes starting together (the actions server and the web app on one SQLite file) may
    race; the loser's transaction fails, and on the next attempt it finds the schema up to date.
    """
    for attempt in range(1, attempts + 1):
        try:
            with _MIGRATING:
                _migrate_once(engine, revision)
            return
        except OperationalError:
            if attempt == attempts:
                raise
            time.sleep(0.5 * attempt)


def _migrate_once(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        inspector = inspect(connection)
        config = alembic_config(connection)
        if inspector.has_table("path_feedback") and not inspector.has_table("alembic_version"):
            command.stamp(config, BASELINE_REVISION)
        command.upgrade(config, revision)


def make_engine(database_url: str, migrate_schema: bool = True) -> Engine:
    """Create an engine (a SQLite file is made first, mode 0600 in a 0700 folder) and bring the schema up to date."""
    connect_args = {}
    if private_sqlite_file(database_url) is not None:
        connect_args = {"timeout": 15}
    elif database_url.startswith("postgresql"):
        connect_args = {"connect_timeout": 5}  # a database that is down fails a request fast, not after minutes
    engine = create_engine(database_url, future=True, pool_pre_ping=True, connect_args=connect_args)
    if migrate_schema:
        migrate(engine)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, future=True, expire_on_commit=False)
