"""Alembic environment: runs on the connection that `actions.store.database.migrate` hands over."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from actions.store.models import Base

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` run by hand with -x url=...
        url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
        with create_engine(url, future=True).begin() as own:
            _run_on(own)
        return
    _run_on(connection)


def _run_on(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
