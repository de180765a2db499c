"""The resident web chat: channel output, session ids, and the page itself."""
from __future__ import annotations

import asyncio
import re
import urllib.request

import pytest

from bench.stack import free_port
from bot.channels.webchat import SESSION_ID, WebchatInput, WebchatOutput
from bot.settings import Settings
from bot.web.app import create_app
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
def web_app_url():
    port = free_port()
    app = create_app(Settings(webchat_port=port), name=f"test_web_{port}")
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


def test_chat_config_points_the_page_at_the_socket(web_app_url):
    with urllib.request.urlopen(web_app_url + "/chat-config.json") as response:
        assert response.read().decode() == '{"socket_url":null,"socket_path":"\\/socket.io"}'
