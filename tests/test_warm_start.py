"""The web app loads what the first resident needs before it listens (`WebRuntime.warm_up`), and a
part that cannot be loaded then is logged, not fatal: the request that needs it meets the error
again. (The actions server's warm start is in tests/test_actions_server.py.)"""
from __future__ import annotations

import logging

import sqlalchemy

from bot.settings import Settings
from bot.web.runtime import WebRuntime

BROKEN_URL = "postgresql+psycopg2://nobody@127.0.0.1:1/none"


def test_warm_up_loads_the_library_and_migrates_the_database(tmp_path):
    runtime = WebRuntime(Settings(database_url=f"sqlite:///{tmp_path / 'assistant.db'}"))
    runtime.warm_up()
    assert runtime._library is not None  # loaded, not waiting for the first chat-config request
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'assistant.db'}")
    assert "alembic_version" in sqlalchemy.inspect(engine).get_table_names()
    engine.dispose()


def test_a_part_that_cannot_load_at_start_is_logged_and_the_rest_still_loads(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("GUIDANCE_LIBRARY_DIR", str(tmp_path / "no-such-folder"))
    runtime = WebRuntime(Settings(database_url=f"sqlite:///{tmp_path / 'assistant.db'}"))
    with caplog.at_level(logging.ERROR, logger="bot.web.runtime"):
        runtime.warm_up()  # does not raise
    assert any("guidance library could not be loaded at start" in r.getMessage() for r in caplog.records)
    assert runtime._sessions is not None  # the database was still opened


def test_a_database_that_is_down_at_start_is_logged_not_fatal(caplog):
    runtime = WebRuntime(Settings(database_url=BROKEN_URL))
    with caplog.at_level(logging.ERROR, logger="bot.web.runtime"):
        runtime.warm_up()
    assert any("database could not be loaded at start" in r.getMessage() for r in caplog.records)
    assert runtime._library is not None
