"""The operators' doors: /health says only ok or unavailable; /metrics answers only the metrics token;
JSON log lines carry the redacted message."""
from __future__ import annotations

import json
import logging
import re

import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from sanic import Sanic

from bench.stack import free_port
from bot import metrics
from bot.log_format import JsonFormatter
from bot.handoff import HandoffSettings
from bot.log_redaction import install_log_redaction
from bot.settings import Settings
from bot.web.app import create_app
from tests.servers import ThreadedServer

TOKEN = "metrics-secret-for-the-test-0123"
Sanic.test_mode = True  # several apps served in one test process (Sanic 21.12 rewrites its protocol once otherwise)


@dataclass
class Answer:
    status: int
    headers: dict
    text: str

    @property
    def json(self):
        return json.loads(self.text)


class Client:
    def __init__(self, url: str) -> None:
        self.url = url

    def get(self, path: str, headers: dict | None = None) -> tuple[None, Answer]:
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return None, Answer(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read().decode())
        except urllib.error.HTTPError as error:
            return None, Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode())


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv(metrics.ENV_METRICS_TOKEN, TOKEN)
    port = free_port()
    workdir = tmp_path_factory.mktemp("operations")
    settings = Settings(webchat_port=port, database_url=f"sqlite:///{workdir / 'assistant.db'}",
                        handoff=HandoffSettings(rasa_url="http://127.0.0.1:9"))  # nothing listens there
    url = f"http://127.0.0.1:{port}"
    running = ThreadedServer(create_app(settings, name=f"test_operations_{port}"), port, url + "/chat-config.json")
    yield Client(url)
    running.stop()
    monkeypatch.undo()


def test_health_names_what_is_down_and_nothing_more(client):
    _, answer = client.get("/health")
    assert answer.status == 503
    assert answer.json == {"status": "unavailable", "database": "ok", "rasa": "unavailable"}
    assert answer.headers["cache-control"] == "no-store"


def test_metrics_need_the_token_and_count_the_web_apps_answers_by_door(client):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        _, refused = client.get("/metrics", headers=headers)
        assert refused.status == 401 and "sote_" not in refused.text
    client.get("/chat-config.json")
    _, answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/plain")
    served = re.search(r'^sote_replies_total\{door="resident",process="web"\} (\d+)', answer.text, re.MULTILINE)
    assert served and float(served.group(1)) >= 1
    for family in ("sote_reply_seconds", "sote_emergencies_total", "sote_handoff_queue_length", "sote_store_errors_total"):
        assert f"# TYPE {family}" in answer.text


def test_store_errors_are_counted_where_the_database_fails():
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import sessionmaker

    from actions.store.transactions import StoreUnavailable, transaction

    broken = sessionmaker(create_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none",
                                        connect_args={"connect_timeout": 2}))
    before = metrics.STORE_ERRORS.labels(metrics.process())._value.get()
    with pytest.raises(StoreUnavailable), transaction(broken) as session:
        session.execute(text("SELECT 1"))
    assert metrics.STORE_ERRORS.labels(metrics.process())._value.get() == before + 1


def test_json_log_lines_carry_the_redacted_message():
    install_log_redaction()
    record = logging.getLogger("sote.test").makeRecord("sote.test", logging.WARNING, __file__, 1,
                                                       "ticket for %s", ("131052-308T",), None)
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "WARNING" and line["logger"] == "sote.test"
    assert "131052-308T" not in line["message"] and "[HETU]" in line["message"]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", line["time"])


def test_the_web_apps_retention_run_deletes_old_conversations_on_the_apps_own_engine(tmp_path):
    import datetime as dt

    from sqlalchemy import create_engine

    from bot.settings import PrivacySettings
    from bot.web.retention_task import run_once
    from bot.web.runtime import WebRuntime
    from tests.test_privacy import EVENTS_TABLE, add_transcript, transcript_senders

    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    tracker = create_engine(tracker_url, future=True)
    EVENTS_TABLE.create(tracker)
    tracker.dispose()
    now = dt.datetime.now(dt.timezone.utc)
    add_transcript(tracker_url, "old-one", now - dt.timedelta(days=45))
    add_transcript(tracker_url, "recent-one", now - dt.timedelta(days=2))
    runtime = WebRuntime(Settings(database_url=f"sqlite:///{tmp_path / 'assistant.db'}",
                                  privacy=PrivacySettings(tracker_url=tracker_url)))
    engine = runtime.sessions()
    result = run_once(runtime)
    assert result.conversations == 1 and transcript_senders(tracker_url) == {"recent-one"}
    assert runtime.sessions() is engine  # no engine of its own
