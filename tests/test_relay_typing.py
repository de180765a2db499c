"""The relay's typing route on the Rasa side over real HTTP: the internal token is required, the event goes
to the resident's room as `typing` {"by": "professional", "name": ...}, and nothing is written to the
conversation's tracker (the signal is not part of the record)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from sanic import Blueprint, Sanic

from bench.stack import free_port
from bot.channels.relay import RelayRoutes
from bot.handoff import RELAY_PREFIX, TOKEN_HEADER, HandoffSettings
from tests.servers import ThreadedServer
from tests.test_webchat import FakeSocketServer

Sanic.test_mode = True
TOKEN = "internal-token-for-the-typing-test"
KNOWN = "conv-typing-1"


class TrackerStore:
    """Knows one conversation; any write would be a test failure."""

    def __init__(self) -> None:
        self.writes: list = []

    async def exists(self, conversation_id: str) -> bool:
        return conversation_id == KNOWN


class Processor:
    """Records tracker saves: the typing route must never make one."""

    def __init__(self, writes: list) -> None:
        self.writes = writes

    async def fetch_tracker_with_initial_session(self, *args, **kwargs):
        self.writes.append(("fetch", args))
        raise AssertionError("the typing route read a tracker to change it")

    async def save_tracker(self, tracker):
        self.writes.append(("save", tracker))


@pytest.fixture(scope="module")
def relay():
    port = free_port()
    app = Sanic(f"test_relay_typing_{port}")
    sio = FakeSocketServer()
    store = TrackerStore()
    app.ctx.agent = SimpleNamespace(tracker_store=store, processor=Processor(store.writes), lock_store=None)
    blueprint = Blueprint("webchat_relay_test", url_prefix="/webhooks/webchat")
    RelayRoutes(sio, "bot_uttered", HandoffSettings(internal_token=TOKEN)).mount(blueprint)
    app.blueprint(blueprint)
    running = ThreadedServer(app, port, f"http://127.0.0.1:{port}{RELAY_PREFIX}/typing")
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}{RELAY_PREFIX}/typing", sio=sio, store=store)
    running.stop()


def post(url: str, body: object, token: str | None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", **({TOKEN_HEADER: token} if token is not None else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_the_token_is_required(relay) -> None:
    relay.sio.emitted.clear()
    for token in (None, "", "wrong-token"):
        status, body = post(relay.url, {"conversation_id": KNOWN, "name": "Maija"}, token)
        assert status == 401 and body["error"] == "unauthenticated"
    assert relay.sio.emitted == []


def test_typing_is_emitted_to_the_residents_room_and_not_recorded(relay) -> None:
    relay.sio.emitted.clear()
    status, _ = post(relay.url, {"conversation_id": KNOWN, "name": "Maija"}, TOKEN)
    assert status == 200
    assert relay.sio.emitted == [("typing", {"by": "professional", "name": "Maija"}, KNOWN)]
    assert relay.store.writes == []  # no tracker events


def test_a_malformed_request_or_unknown_conversation_emits_nothing(relay) -> None:
    relay.sio.emitted.clear()
    assert post(relay.url, {"conversation_id": "no-such-conversation", "name": "Maija"}, TOKEN)[0] == 404
    assert post(relay.url, {"conversation_id": "../etc", "name": "Maija"}, TOKEN)[0] == 422
    assert post(relay.url, {"conversation_id": KNOWN, "name": ""}, TOKEN)[0] == 422
    assert post(relay.url, {"conversation_id": KNOWN, "name": "x" * 61}, TOKEN)[0] == 422
    assert post(relay.url, {"conversation_id": KNOWN}, TOKEN)[0] == 422
    assert relay.sio.emitted == []
