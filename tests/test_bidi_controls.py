"""Names and messages shown to others carry no bidirectional control characters (U+202A-U+202E,
U+2066-U+2069, U+200E, U+200F, U+061C): a resident's message as Rasa takes it in (the console's
transcript, handoff summaries and tickets are made from it), a professional's display name and
message on their way to the resident, ticket texts and notes in the team API. Passwords are
compared as typed."""
from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

from sanic import Sanic

from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from bench.stack import free_port
from bot.channels.identified_access import UNBOUND
from bot.channels.rest import GuardedRestInput
from bot.channels.webchat import WebchatInput
from tests.servers import ThreadedServer
from tests.test_console import CONVERSATION, PASSWORD, Browser, console, server  # noqa: F401 - fixtures
from tests.test_webchat import FakeSocketServer

Sanic.test_mode = True
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
SPOOFED = "Kuume \u202etxt.exe\u202c jatkuu \u2066\u2067\u2068\u2069\u200e\u200f\u061cedelleen"
PLAIN = "Kuume txt.exe jatkuu edelleen"
NAME = "Maija \u202eäsiniem\u202c Meikäläinen"  # shows as "Maija meinisä Meikäläinen"


def shows_no_controls(value: object) -> bool:
    return not any(char in json.dumps(value, ensure_ascii=False) for char in CONTROLS)


class Unbound:
    """Identification store stand-in: no conversation is bound to an identified session."""

    async def check(self, conversation_id, token):
        return UNBOUND


def test_a_residents_web_chat_message_reaches_rasa_without_controls(monkeypatch):
    sio = FakeSocketServer()
    monkeypatch.setattr("bot.channels.webchat.AsyncServer", lambda **kwargs: sio)
    channel = WebchatInput.from_credentials(None)  # as Rasa makes the channel: its patches installed
    channel.access = Unbound()
    received = []

    async def on_new_message(message):
        received.append(message)

    channel.blueprint(on_new_message)
    asyncio.run(sio.handlers["session_request"]("sid-1", None))
    asyncio.run(sio.handlers["user_uttered"]("sid-1", {"message": SPOOFED}))
    assert [message.text for message in received] == [PLAIN]


def test_a_message_to_the_rest_channel_reaches_rasa_without_controls():
    received = []

    async def on_new_message(message):
        received.append(message.text)

    channel = GuardedRestInput.from_credentials(None)
    channel._access = Unbound()
    port = free_port()
    app = Sanic(f"test_bidi_rest_{port}")
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/rest")
    running = ThreadedServer(app, port, f"http://127.0.0.1:{port}/webhooks/rest/")
    try:
        body = json.dumps({"sender": "a" * 32, "message": SPOOFED}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/webhook", body,
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
    finally:
        running.stop()
    assert received == [PLAIN]


class TeamApi:
    """The team API of the same app, with a bearer token."""

    def __init__(self, console_url: str, username: str, password: str = PASSWORD) -> None:
        self.url = console_url.replace("/console/api", "/team/api")
        self.token = self.call("POST", "/session", {"username": username, "password": password})[1]["token"]

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if getattr(self, "token", None):
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url + path, json.dumps(body).encode() if body else None, headers,
                                         method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


def test_staff_names_and_texts_reach_residents_and_colleagues_without_controls(console, database_url):  # noqa: F811
    accounts = AccountStore(make_session_factory(make_engine(database_url)))
    accounts.create("maija", NAME, "professional", PASSWORD)  # the command-line way in
    handoff, _ = console.handoffs.enqueue(CONVERSATION, {"topic_title": "Flunssa"})
    pro = Browser(console.server.url)
    assert pro.sign_in("maija").status == 201
    assert pro.call("GET", "/session").json["account"]["display_name"] == "Maija äsiniem Meikäläinen"
    assert pro.call("POST", f"/handoffs/{handoff.id}/take").status == 200
    assert pro.call("POST", f"/handoffs/{handoff.id}/messages", {"text": SPOOFED}).status == 201
    ticket = pro.call("POST", f"/handoffs/{handoff.id}/ticket", {
        "reason": "health", "contact_role": "resident", "urgency": "normal", "words": SPOOFED,
        "phone": "040 123 4567", "reach_time": "aamulla \u202e21-91 ollek\u202c", "consent": True})
    assert ticket.status == 201
    relayed = console.server.relay.calls  # what the resident sees: the name in the notice, the message
    assert relayed[0] == ("control", CONVERSATION, "taken", "Maija äsiniem Meikäläinen")
    assert relayed[1] == ("message", CONVERSATION, PLAIN, "Maija äsiniem Meikäläinen", None)

    team = TeamApi(console.server.url, "maija")
    ticket_id = ticket.json["ticket_id"]
    assert team.call("POST", f"/tickets/{ticket_id}/notes", {"text": "Soitettu " + SPOOFED})[0] == 201
    status, shown = team.call("GET", f"/tickets/{ticket_id}")
    assert status == 200 and shown["resident_words"] == PLAIN and shown["reach_time"] == "aamulla 21-91 ollek"
    assert shown["notes"][0]["text"] == "Soitettu " + PLAIN
    assert shows_no_controls(shown)

    accounts.create("admin", "Ylläpito", "admin", PASSWORD)
    status, made = TeamApi(console.server.url, "admin").call("POST", "/accounts", {
        "username": "pekka", "display_name": "\u2067Pekka\u2069 Puupää", "role": "professional",
        "password": PASSWORD})
    assert status == 201 and made["display_name"] == "Pekka Puupää"


def test_a_password_is_compared_as_typed(console, database_url):  # noqa: F811
    typed = PASSWORD + "\u200f"
    AccountStore(make_session_factory(make_engine(database_url))).create("liisa", "Liisa", "professional", typed)
    assert Browser(console.server.url).call("POST", "/session", {"username": "liisa", "password": typed}
                                            ).status == 201
    assert Browser(console.server.url).call("POST", "/session", {"username": "liisa", "password": PASSWORD}
                                            ).status == 401
