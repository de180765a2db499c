"""Honest answers under faults: the channels' notice, the Rasa patches, the shared socket.io rooms,
and the nginx template (offline; the running production set is tests/test_production.py)."""
from __future__ import annotations

import asyncio
import shutil
import subprocess

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bench.cluster import NGINX_TEMPLATE, render_nginx_config, server_lines
from bench.stack import free_port
from bot.channels.replicas import client_manager_options
from bot.channels.webchat import WebchatInput
from bot.rasa_internals import install
from bot.service_faults import (ACCESS_FAULT, ACTIONS_FAULT, MESSAGE_FAULT, NOTICES, ServiceFault,
                                TrackerStoreUnavailable, answering_faults, fault_message, is_fault_message)
from tests.test_webchat import FakeSocketServer


def test_every_notice_is_finnish_and_gives_the_urgent_numbers():
    for kind, text in NOTICES.items():
        assert "tekninen häiriö" in text and "112" in text and "116117" in text, kind
        assert fault_message(kind)["custom"] == {"service_fault": kind}
    assert is_fault_message({"data": {"custom": {"service_fault": "x"}}}) and not is_fault_message({"text": "hei"})


def test_a_message_that_fails_is_answered_with_the_notice_not_silence():
    async def broken(_message):
        raise ConnectionError("tracker store gone")

    output = CollectingOutputChannel()
    asyncio.run(answering_faults(broken)(UserMessage("hei", output, "conv-1")))
    assert output.messages[0]["text"] == NOTICES[MESSAGE_FAULT]
    assert output.messages[-1]["custom"] == {"service_fault": MESSAGE_FAULT}

    async def no_access(_message):
        raise ServiceFault(ACCESS_FAULT, "database")

    output = CollectingOutputChannel()
    asyncio.run(answering_faults(no_access)(UserMessage("hei", output, "conv-1")))
    assert output.messages[0]["text"] == NOTICES[ACCESS_FAULT]


def _tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("conv-1", list(events))


def test_an_unreachable_actions_server_gives_one_notice_per_turn_and_a_plain_session_start():
    install()
    action = RemoteAction("action_guidance", EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook"))
    domain = Domain.empty()
    tracker = _tracker(UserUttered("mikä on flunssan hoito"))
    events = asyncio.run(action.run(CollectingOutputChannel(), None, tracker, domain))
    assert len(events) == 1 and isinstance(events[0], BotUttered)
    assert events[0].text == NOTICES[ACTIONS_FAULT] and events[0].data["custom"] == {"service_fault": ACTIONS_FAULT}
    tracker.update(events[0])
    assert asyncio.run(action.run(CollectingOutputChannel(), None, tracker, domain)) == []  # once per turn
    start = RemoteAction("action_session_start", EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook"))
    events = asyncio.run(start.run(CollectingOutputChannel(), None, _tracker(), domain))
    assert any(isinstance(e, SessionStarted) for e in events)


class FlakyStore(InMemoryTrackerStore):
    """Fails its first `failures` calls, like a pool with stale connections after a database restart."""

    def __init__(self, failures: int) -> None:
        super().__init__(Domain.empty())
        self.failures = failures

    async def retrieve(self, sender_id):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("server closed the connection unexpectedly")
        return await super().retrieve(sender_id)

    async def save(self, tracker):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("server closed the connection unexpectedly")
        await super().save(tracker)


def test_the_tracker_store_is_retried_once_then_fails_honestly_never_falls_back_to_a_blank_tracker():
    install()
    primary = FlakyStore(failures=0)
    asyncio.run(primary.save(_tracker(UserUttered("hei"))))
    primary.failures = 1
    store = FailSafeTrackerStore(primary)
    assert asyncio.run(store.retrieve("conv-1")).latest_message.text == "hei"  # the retry got it
    primary.failures = 2
    with pytest.raises(TrackerStoreUnavailable):
        asyncio.run(store.retrieve("conv-1"))
    primary.failures = 2
    with pytest.raises(TrackerStoreUnavailable):
        asyncio.run(store.save(_tracker(UserUttered("toinen"))))
    assert store._fallback_tracker_store is None  # nothing was kept in memory instead


def test_a_socket_message_whose_access_cannot_be_checked_gets_the_notice(monkeypatch):
    sio = FakeSocketServer()
    monkeypatch.setattr("bot.channels.webchat.AsyncServer", lambda **kwargs: sio)

    class DownAccess:
        async def check(self, conversation_id, token):
            raise ServiceFault(ACCESS_FAULT, "database down")

    received = []

    async def on_new_message(message):
        received.append(message)

    channel = WebchatInput(access=DownAccess())
    channel.blueprint(on_new_message)
    asyncio.run(sio.handlers["session_request"]("sid-1", None))  # a new conversation needs no check
    asyncio.run(sio.handlers["user_uttered"]("sid-1", {"message": "hei"}))
    assert received == []
    event, payload, room = sio.emitted[-1]
    assert event == "bot_uttered" and payload["text"] == NOTICES[ACCESS_FAULT] and room == "sid-1"


def test_socket_rooms_are_shared_through_redis_only_when_configured():
    assert client_manager_options({}) == {}
    options = client_manager_options({"ASSISTANT_SOCKETIO_REDIS_URL": "redis://127.0.0.1:6379/7",
                                       "ASSISTANT_SOCKETIO_CHANNEL": "sote-test"})
    manager = options["client_manager"]
    assert manager.redis_url == "redis://127.0.0.1:6379/7" and manager.channel == "sote-test"


def test_the_nginx_template_renders_and_nginx_accepts_it(tmp_path):
    values = {"runtime_dir": str(tmp_path), "public_listen": f"127.0.0.1:{free_port()}",
              "actions_listen": f"127.0.0.1:{free_port()}", "rasa_api_listen": f"127.0.0.1:{free_port()}",
              "rasa_servers": server_lines([5005, 5006]), "actions_servers": server_lines([5055, 5056]),
              "web_servers": server_lines([8080])}
    config = render_nginx_config(NGINX_TEMPLATE.read_text(encoding="utf-8"), values)
    assert "hash $socketio_route consistent" in config and "{{" not in config
    with pytest.raises(ValueError, match="web_servers"):
        render_nginx_config(NGINX_TEMPLATE.read_text(encoding="utf-8"),
                            {k: v for k, v in values.items() if k != "web_servers"})
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if shutil.os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        pytest.skip("nginx not installed (Debian package nginx; scripts/setup installs it)")
    (tmp_path / "nginx.conf").write_text(config, encoding="utf-8")
    check = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                            "-e", str(tmp_path / "error.log")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
