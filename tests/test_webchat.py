"""The resident web chat: channel output, session ids, and the page itself."""
from __future__ import annotations

import asyncio
import json
import re
import urllib.request
from types import SimpleNamespace

import pytest
from rasa.core.actions.action import ActionSessionStart
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bench.stack import free_port
from bot.channels.relay import RelayRoutes
from bot.channels.webchat import SESSION_ID, WebchatInput, WebchatOutput
from bot.constants import IDENTITY_SLOT
from bot.handoff import HandoffSettings
from bot.settings import Settings
from bot.web.app import create_app
from guidance_library.loader import load_library
from tests.servers import ThreadedServer


class FakeSocketServer:
    """Records what the channel emits; stands in for socketio.AsyncServer."""

    def __init__(self):
        self.emitted = []
        self.rooms = {}
        self.handlers = {}

    async def emit(self, event, data=None, room=None):
        self.emitted.append((event, data, room))

    async def enter_room(self, sid, room):
        self.rooms[sid] = room

    def on(self, event):
        def register(handler):
            self.handlers[event] = handler
            return handler
        return register


def test_a_bot_message_goes_out_as_one_event_with_text_buttons_and_custom_data():
    sio = FakeSocketServer()
    message = {"text": "Vastaus\n\nToinen kappale", "buttons": [{"title": "Kyllä", "payload": "/affirm"}],
               "custom": {"path_id": "flunssa", "topic": "flunssa"}}
    asyncio.run(WebchatOutput(sio, "bot_uttered").send_response("conv-1", message))
    assert sio.emitted == [("bot_uttered", {"text": "Vastaus\n\nToinen kappale",
                                            "buttons": [{"title": "Kyllä", "payload": "/affirm"}],
                                            "custom": {"path_id": "flunssa", "topic": "flunssa"}}, "conv-1")]


@pytest.fixture()
def channel(monkeypatch):
    sio = FakeSocketServer()
    monkeypatch.setattr("bot.channels.webchat.AsyncServer", lambda **kwargs: sio)
    received = []

    async def on_new_message(message):
        received.append(message)

    WebchatInput().blueprint(on_new_message)
    return sio, received


def test_the_server_makes_unguessable_session_ids_and_ignores_forged_ones(channel):
    sio, _ = channel
    asyncio.run(sio.handlers["session_request"]("sid-1", {"session_id": "../../etc"}))
    session_id = sio.emitted[-1][1]
    assert SESSION_ID.match(session_id) and session_id != "../../etc"
    asyncio.run(sio.handlers["session_request"]("sid-2", {"session_id": session_id}))
    assert sio.emitted[-1][1] == session_id  # a reload with the id it was given continues


def test_messages_belong_to_the_socket_s_own_session(channel):
    sio, received = channel
    asyncio.run(sio.handlers["session_request"]("sid-1", None))
    own = sio.emitted[-1][1]
    asyncio.run(sio.handlers["user_uttered"]("sid-1", {"message": "hei", "session_id": "f" * 32}))
    assert received[0].sender_id == own and received[0].text == "hei"
    asyncio.run(sio.handlers["user_uttered"]("sid-unknown", {"message": "hei"}))
    assert len(received) == 1  # no session, no message


@pytest.fixture(scope="module")
def web_app_url(tmp_path_factory):
    port = free_port()
    database = f"sqlite:///{tmp_path_factory.mktemp('web') / 'assistant.db'}"  # never the developer's var/
    app = create_app(Settings(webchat_port=port, database_url=database), name=f"test_web_{port}")
    url = f"http://127.0.0.1:{port}"
    running = ThreadedServer(app, port, url + "/chat-config.json")
    yield url
    running.stop()


def test_the_chat_page_is_accessible_and_renders_untrusted_text_as_text(web_app_url):
    with urllib.request.urlopen(web_app_url + "/") as response:
        page = response.read().decode()
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert '<html lang="fi">' in page
    assert 'aria-live="polite"' in page
    assert re.search(r'<label for="chat-input">', page)
    with urllib.request.urlopen(web_app_url + "/static/chat.js") as response:
        script = response.read().decode()
    assert "innerHTML" not in script and "textContent" in script
    assert "sessionStorage" in script  # survives a reload, not a closed tab


def test_chat_config_points_the_page_at_the_socket_and_gives_the_offline_numbers(web_app_url):
    with urllib.request.urlopen(web_app_url + "/chat-config.json") as response:
        config = json.loads(response.read().decode())
    assert config["socket_url"] is None and config["socket_path"] == "/socket.io"
    assert config["ack_ms"] == 20_000  # the default wait for a message's acknowledgement
    numbers = [call["number"] for call in config["offline_calls"]]
    assert numbers[:2] == ["112", "116117"]
    assert numbers[2] == load_library().contact("client_guidance").phone  # the region profile's own


# -- the relay: a conversation made by identification begins with its session start ----------------------
class _Processor:
    """Rasa's own `MessageProcessor.fetch_tracker_with_initial_session` over an in-memory tracker store; the
    session start is the events of Rasa's default `ActionSessionStart` (the model is not needed)."""

    fetch_tracker_with_initial_session = MessageProcessor.fetch_tracker_with_initial_session

    def __init__(self) -> None:
        self.store = InMemoryTrackerStore(Domain.empty())
        self.session_starts = 0

    async def get_tracker(self, conversation_id):  # as Rasa's: a new conversation's tracker is empty
        return await self.store.get_or_create_tracker(conversation_id, append_action_listen=False)

    async def _update_tracker_session(self, tracker, output_channel, metadata=None):
        self.session_starts += 1
        tracker.update(ActionExecuted(ACTION_SESSION_START_NAME))
        for event in await ActionSessionStart().run(output_channel, None, tracker, Domain.empty()):
            tracker.update(event)

    async def save_tracker(self, tracker):
        await self.store.save(tracker)


def test_identifying_before_writing_makes_a_conversation_whose_first_message_rules_can_match():
    """Without the session start, the new conversation's first message had no `action_listen` before it,
    so no rule matched it and "haluan tehdä alkoholitestin" got guidance instead of the self-assessment; and
    the identity must be stamped after the session start, or the SQL tracker store's latest session (what
    the actions get) leaves it out and the resident is anonymous to the actions."""
    processor = _Processor()
    agent = SimpleNamespace(lock_store=InMemoryLockStore(), processor=processor)
    request = SimpleNamespace(app=SimpleNamespace(ctx=SimpleNamespace(agent=agent)))
    routes = RelayRoutes(FakeSocketServer(), "bot_uttered", HandoffSettings(internal_token="x"))
    identity = [SlotSet(IDENTITY_SLOT, {"code": "131052-308T", "name": "Testi"}, timestamp=1.0),
                BotUttered("Olet tunnistautunut.", timestamp=1.0)]  # made before the session start

    asyncio.run(routes._append(request, "conv-new", identity, None))
    tracker = asyncio.run(processor.store.retrieve_full_tracker("conv-new"))
    assert [type(e).__name__ for e in tracker.events] == [
        "ActionExecuted", "SessionStarted", "ActionExecuted", "SlotSet", "BotUttered"]
    assert tracker.latest_action_name == ACTION_LISTEN_NAME and tracker.events[3].value["name"] == "Testi"
    started = tracker.events[1].timestamp  # the SQL tracker store reads a session by the events' time stamps
    assert all(e.timestamp >= started for e in list(tracker.events)[3:])

    asyncio.run(routes._append(request, "conv-new", [BotUttered("Toinen viesti.")], None))  # no second start
    going = DialogueStateTracker.from_events("conv-old", [ActionExecuted(ACTION_LISTEN_NAME), UserUttered("hei")])
    asyncio.run(processor.save_tracker(going))
    asyncio.run(routes._append(request, "conv-old", identity, None))  # carried over: as it was, plus the identity
    assert processor.session_starts == 1
    assert [type(e).__name__ for e in asyncio.run(processor.store.retrieve_full_tracker("conv-old")).events] == [
        "ActionExecuted", "UserUttered", "SlotSet", "BotUttered"]


@pytest.mark.parametrize("value, expected", [(None, 20), ("10", 10), ("120", 120), ("5", ValueError),
                                             ("121", ValueError), ("5s", ValueError)])
def test_the_acknowledgement_wait_is_a_setting_with_limits(monkeypatch, value, expected):
    from bot.settings import Settings

    if value is None:
        monkeypatch.delenv("ASSISTANT_CHAT_ACK_SECONDS", raising=False)
    else:
        monkeypatch.setenv("ASSISTANT_CHAT_ACK_SECONDS", value)
    if expected is ValueError:
        with pytest.raises(ValueError, match="ASSISTANT_CHAT_ACK_SECONDS must be a whole number"):
            Settings.from_env()
    else:
        assert Settings.from_env().chat_ack_seconds == expected
