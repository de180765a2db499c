"""The professionals' console over real HTTP (a Sanic server in a thread) on SQLite and PostgreSQL,
with a fake relay in place of the Rasa server: sign-in and roles, CSRF, single-winner take-over,
messages, paths, tickets, hand-back, stale heartbeats and expiry, and the access log."""
from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import pytest
from sanic import Sanic

from actions.store.handoffs import HandoffStore
from actions.store.tickets import TicketStore, conversation_key
from bench.stack import free_port
from bot.handoff import HandoffSettings
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.team_stores import TeamStores
from tests.helpers import Answer, cheap_hashes, send, staff_stores  # noqa: F401 - cheap_hashes: a fixture
from tests.servers import ThreadedServer

Sanic.test_mode = True
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone.utc)
PASSWORD = "salasana-joka-on-pitka"
CONVERSATION = "0123456789abcdef0123456789abcdef"


@dataclass
class FakeRelay:
    """Records what would go to the Rasa server; the transcript is whatever the test puts in."""

    calls: list = field(default_factory=list)
    entries: list = field(default_factory=list)

    async def message(self, conversation_id, text, name, links=(), path_id=None):
        self.calls.append(("message", conversation_id, text, name, path_id))

    async def control(self, conversation_id, event, handoff_id, name=None):
        self.calls.append(("control", conversation_id, event, name))

    async def transcript(self, conversation_id, after=0):
        return [e for e in self.entries if e["index"] >= after]

    async def typing(self, conversation_id, name):
        self.calls.append(("typing", conversation_id, name))


class Browser:
    """A cookie-keeping client, like one professional's browser."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf: str | None = None

    def call(self, method: str, path: str, body: Any = None, csrf: bool = True, headers: dict | None = None
             ) -> Answer:
        sent = {"Content-Type": "application/json"}
        if csrf and self.csrf:
            sent["X-CSRF-Token"] = self.csrf
        sent.update(headers or {})
        data = json.dumps(body).encode() if body is not None else None
        return send(urllib.request.Request(self.url + path, data=data, method=method, headers=sent), self.opener)

    def sign_in(self, username: str) -> Answer:
        answer = self.call("POST", "/session", {"username": username, "password": PASSWORD})
        if answer.status == 201:
            self.csrf = answer.json["csrf_token"]
        return answer


@dataclass
class Server:
    url: str
    relay: FakeRelay
    source: dict = field(default_factory=dict)
    app: Any = None


@pytest.fixture(scope="module")
def server() -> Server:
    port = free_port()
    relay = FakeRelay()
    served = Server(f"http://127.0.0.1:{port}/console/api", relay)
    settings = Settings(webchat_port=port, handoff=HandoffSettings(internal_token="x", max_wait_seconds=300,
                                                                   heartbeat_timeout_seconds=3600))
    served.app = create_app(settings, name=f"test_console_{port}", team_stores=lambda: served.source["stores"](),
                            relay=relay)
    running = ThreadedServer(served.app, port, f"http://127.0.0.1:{port}/console")
    yield served
    running.stop()


@dataclass
class Console:
    server: Server
    handoffs: HandoffStore
    tickets: TicketStore
    clock: dict

    def browser(self, username: str | None = None) -> Browser:
        browser = Browser(self.server.url)
        if username:
            assert browser.sign_in(username).status == 201
        return browser

    def sweep(self) -> None:
        """One housekeeping round, as the background task runs it."""
        import asyncio

        from bot.web.console import sweep
        asyncio.run(sweep(self.server.app.ctx.runtime))


@pytest.fixture
def console(server: Server, database_url: str):
    made = staff_stores(database_url, NOW, accounts_on_the_clock=False)  # real time: sessions stay live
    engine, clock, tickets, accounts, handoffs = made.engine, made.clock, made.tickets, made.accounts, made.handoffs
    stores = TeamStores(tickets, accounts, None, handoffs)
    server.source["stores"] = lambda: stores
    server.relay.calls.clear()
    server.relay.entries[:] = [{"index": 0, "who": "resident", "text": "<img src=x onerror=alert(1)>", "at": 1}]
    for username, role in (("pro", "professional"), ("pro2", "professional"), ("editor", "editor")):
        accounts.create(username, username.capitalize() + " Ammattilainen", role, PASSWORD)
    yield Console(server, handoffs, tickets, clock)
    engine.dispose()


def test_the_page_is_served_with_a_strict_policy(console) -> None:
    with urllib.request.urlopen(console.server.url.removesuffix("/api"), timeout=5) as page:
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
        assert "console.js" in page.read().decode()


def test_only_signed_in_professionals_get_in(console) -> None:
    anonymous = console.browser()
    assert anonymous.call("GET", "/queue").status == 401
    assert anonymous.sign_in("pro").status == 201 and anonymous.call("GET", "/queue").status == 200
    editor = console.browser()
    assert editor.sign_in("editor").status == 403
    assert editor.call("GET", "/queue").status == 401  # no session was left behind for the editor
    wrong = console.browser()
    assert wrong.call("POST", "/session", {"username": "pro", "password": "väärä-salasana-123"}).status == 401
    cookie = next(iter(anonymous.jar))
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.path == "/console"
    assert cookie.get_nonstandard_attr("SameSite") == "Strict"


def test_changes_need_the_csrf_token_and_a_same_site_origin(console) -> None:
    handoff, _ = console.handoffs.enqueue(CONVERSATION, {"topic_title": "Flunssa"})
    pro = console.browser("pro")
    assert pro.call("POST", f"/handoffs/{handoff.id}/take", csrf=False).json["error"] == "csrf"
    assert pro.call("POST", f"/handoffs/{handoff.id}/take", headers={"X-CSRF-Token": "0" * 64}).status == 403
    assert pro.call("POST", f"/handoffs/{handoff.id}/take", headers={"Origin": "https://evil.example"}).status == 403
    other = console.browser("pro2")
    assert pro.call("POST", f"/handoffs/{handoff.id}/take", headers={"X-CSRF-Token": other.csrf}).status == 403
    assert console.handoffs.get(handoff.id).status == "waiting" and console.server.relay.calls == []
    login = console.browser()
    assert login.call("POST", "/session", {"username": "pro", "password": PASSWORD},
                      headers={"Origin": "https://evil.example"}).status == 403  # no login CSRF either


def test_take_over_has_one_winner_and_the_whole_conversation_works(console) -> None:
    handoff, _ = console.handoffs.enqueue(CONVERSATION, {"topic_title": "Flunssa", "topic_id": "flunssa",
                                                         "path_id": "flunssa", "recent_messages": ["kuumetta"]})
    pro, pro2 = console.browser("pro"), console.browser("pro2")
    queue = pro.call("GET", "/queue").json["handoffs"]
    assert queue[0]["id"] == handoff.id and queue[0]["status"] == "waiting" and "conversation_id" not in queue[0]
    assert pro.call("POST", f"/handoffs/{handoff.id}/take").status == 200
    conflict = pro2.call("POST", f"/handoffs/{handoff.id}/take")
    assert conflict.status == 409 and conflict.json["error"] == "conflict"
    assert pro2.call("GET", f"/handoffs/{handoff.id}").status == 409  # only the holder reads it
    assert pro2.call("GET", "/queue").json["handoffs"][0]["taken_by"] == "Pro Ammattilainen"
    read = pro.call("GET", f"/handoffs/{handoff.id}")
    assert read.status == 200 and read.json["summary"]["recent_messages"] == ["kuumetta"]
    assert read.json["transcript"][0]["text"] == "<img src=x onerror=alert(1)>"  # data; the page uses textContent
    assert pro.call("POST", f"/handoffs/{handoff.id}/messages", {"text": "Hei, olen hoitaja."}).status == 201
    assert pro.call("POST", f"/handoffs/{handoff.id}/heartbeat").status == 200
    found = pro.call("GET", "/paths?q=flunssa").json["paths"]
    assert any(p["id"] == "flunssa" for p in found)
    assert pro.call("POST", f"/handoffs/{handoff.id}/path", {"path_id": "flunssa"}).status == 201
    assert pro.call("POST", f"/handoffs/{handoff.id}/path", {"path_id": "ei-ole"}).status == 422
    no_consent = pro.call("POST", f"/handoffs/{handoff.id}/ticket", {
        "reason": "health", "contact_role": "resident", "urgency": "normal", "words": "Kuume jatkuu.",
        "phone": "040 123 4567", "consent": False})
    assert no_consent.status == 422 and no_consent.json["field"] == "consent"
    ticket = pro.call("POST", f"/handoffs/{handoff.id}/ticket", {
        "reason": "health", "contact_role": "resident", "urgency": "normal", "words": "Kuume jatkuu.",
        "phone": "040 123 4567", "reach_time": "aamulla", "consent": True})
    assert ticket.status == 201 and ticket.json["reference"]
    stored = console.tickets.by_idempotency_key(f"{CONVERSATION}:handoff-{handoff.id}")
    assert stored.path_id == "flunssa" and stored.prefilled["recent_messages"] == ["kuumetta"]
    assert pro.call("POST", f"/handoffs/{handoff.id}/hand-back").status == 200
    assert console.handoffs.get(handoff.id).status == "returned"
    calls = console.server.relay.calls
    assert calls[0] == ("control", CONVERSATION, "taken", "Pro Ammattilainen")
    assert calls[1] == ("message", CONVERSATION, "Hei, olen hoitaja.", "Pro Ammattilainen", None)
    assert calls[2][0] == "message" and calls[2][4] == "flunssa"
    assert calls[-1] == ("control", CONVERSATION, "returned", None)
    log = console.tickets.access_log(limit=50)
    reads = [e for e in log if e.action == "handoff-read"]
    assert reads and all(e.ticket_id is None and conversation_key(CONVERSATION) in e.detail for e in reads)
    assert not any(CONVERSATION in e.detail for e in log)


def test_only_the_holder_tells_the_resident_they_are_typing(console) -> None:
    handoff, _ = console.handoffs.enqueue(CONVERSATION, {"topic_title": "Flunssa"})
    pro, pro2 = console.browser("pro"), console.browser("pro2")
    assert pro.call("POST", f"/handoffs/{handoff.id}/typing").status == 409  # waiting: nobody holds it yet
    assert pro.call("POST", f"/handoffs/{handoff.id}/take").status == 200
    console.server.relay.calls.clear()
    assert pro.call("POST", f"/handoffs/{handoff.id}/typing", csrf=False).status == 403
    assert pro.call("POST", f"/handoffs/{handoff.id}/typing", headers={"Origin": "https://evil.example"}).status == 403
    assert console.browser().call("POST", f"/handoffs/{handoff.id}/typing").status in (401, 403)  # no session
    refused = pro2.call("POST", f"/handoffs/{handoff.id}/typing")
    assert refused.status == 409 and refused.json["error"] == "conflict"
    assert pro2.call("POST", "/handoffs/999999/typing").status == 404
    assert console.server.relay.calls == []  # nothing reached the resident from the refused ones
    assert pro.call("POST", f"/handoffs/{handoff.id}/typing").status == 204
    assert console.server.relay.calls == [("typing", CONVERSATION, "Pro")]  # the first name only
    assert not any(e.action == "handoff-read" for e in console.tickets.access_log(limit=50))  # not a read


def test_a_stale_heartbeat_returns_the_conversation_and_a_long_wait_expires(console) -> None:
    stale, _ = console.handoffs.enqueue(CONVERSATION, {})
    pro = console.browser("pro")
    assert pro.call("POST", f"/handoffs/{stale.id}/take").status == 200
    console.clock["now"] += dt.timedelta(hours=2)  # no heartbeat for longer than the limit (1 h here)
    console.sweep()
    assert console.handoffs.get(stale.id).status == "waiting"
    assert ("control", CONVERSATION, "requeued", None) in console.server.relay.calls
    assert pro.call("POST", f"/handoffs/{stale.id}/heartbeat").status == 409
    console.clock["now"] += dt.timedelta(seconds=301)
    console.sweep()
    assert console.handoffs.get(stale.id).status == "expired"
    assert console.server.relay.calls[-1] == ("control", CONVERSATION, "expired", None)


def test_signing_out_returns_held_conversations_to_the_queue(console) -> None:
    handoff, _ = console.handoffs.enqueue(CONVERSATION, {})
    pro = console.browser("pro")
    pro.call("POST", f"/handoffs/{handoff.id}/take")
    assert pro.call("DELETE", "/session").status == 204
    assert console.handoffs.get(handoff.id).status == "waiting"
    assert pro.call("GET", "/queue").status == 401


def test_a_ticket_from_an_identified_handoff_is_in_the_residents_own_space(console) -> None:
    from actions.store.person_key import person_key

    resident = "131052-308T"
    handoff, _ = console.handoffs.enqueue("conv-identified", {"topic_title": "Flunssa", "identity": {
        "code": resident, "name": "Maija Mallikas"}})
    anonymous, _ = console.handoffs.enqueue("conv-anonymous", {"topic_title": "Flunssa"})
    pro = console.browser("pro")
    fields = {"reason": "health", "contact_role": "resident", "urgency": "normal", "words": "Kuume jatkuu.",
              "phone": "040 123 4567", "consent": True}
    for queued in (handoff, anonymous):
        assert pro.call("POST", f"/handoffs/{queued.id}/take").status == 200
        assert pro.call("POST", f"/handoffs/{queued.id}/ticket", fields).status == 201
    key = person_key(resident, console.server.app.ctx.runtime.person_secret)
    [own] = console.tickets.of_person(key)  # Omat asiat lists it
    assert (own.conversation_id, own.identity_code, own.channel) == ("conv-identified", resident, "identified_chat")
    other = console.tickets.by_idempotency_key(f"conv-anonymous:handoff-{anonymous.id}")
    assert other.person_key is None and other.identity_code is None


# -- "Kirjaa yhteydenotto" (issue 20): the team API's contact handlers behind the console's cookie and CSRF --

CONTACT_FORM = {"idempotency_key": "console-form-1", "channel": "phone", "contactor": "resident",
                "reasons": ["health", "booking"], "onward": "referred_within_region",
                "service_area": "primary_health_care", "note": "Soitti kuumeesta, hetu 131052-308T."}


def test_the_console_records_a_contact_with_its_csrf_token(console: Console) -> None:
    pro = console.browser("pro")
    options = pro.call("GET", "/contact-options")
    assert options.status == 200
    assert [c["label"] for c in options.json["channels"]][:2] == ["Puhelin", "Chat"]
    assert any(a["code"] == "primary_health_care" for a in options.json["service_areas"])
    assert options.json["send_channels"] == []  # no sender configured in this app: nothing is offered
    assert pro.call("POST", "/contacts", CONTACT_FORM, csrf=False).status == 403
    made = pro.call("POST", "/contacts", CONTACT_FORM)
    assert made.status == 201, made.text
    assert made.json["channel"] == "phone" and made.json["service_area"] == "primary_health_care"
    assert "131052-308T" not in made.json["note"] and made.json["recorded_by"] == "pro"
    assert pro.call("POST", "/contacts", CONTACT_FORM).json["id"] == made.json["id"]  # the same form twice
    refused = pro.call("POST", "/contacts", {**CONTACT_FORM, "idempotency_key": "console-form-2",
                                             "service_area": None})
    assert refused.status == 422 and refused.json["field"] == "service_area"
    assert refused.json["message"] == "Valitse palvelualue, jolle asiakas ohjattiin."
    no_sender = pro.call("POST", "/contacts", {**CONTACT_FORM, "idempotency_key": "console-form-3",
                                               "path_id": "flunssa", "path_sent_via": "email",
                                               "send_to": "maija@esimerkki.fi"})
    assert no_sender.status == 422 and no_sender.json["field"] == "path_sent_via"
    assert console.browser().sign_in("editor").status == 403  # only professionals sign in here
    assert console.browser().call("GET", "/contacts").status == 401
    assert console.browser().call("POST", "/contacts", CONTACT_FORM).status == 403  # no session, no CSRF token
    assert console.browser("pro").call("GET", "/contact-report").status == 404  # no figures in the console


def test_a_live_chat_handed_back_from_the_console_is_recorded_once(console: Console) -> None:
    handoff, _ = console.handoffs.enqueue("conv-record", {"topic_title": "Flunssa"})
    pro = console.browser("pro")
    assert pro.call("POST", f"/handoffs/{handoff.id}/take").status == 200
    chat = {**CONTACT_FORM, "idempotency_key": "chat-1", "channel": "chat", "handoff_id": handoff.id}
    assert pro.call("POST", "/contacts", chat).status == 201
    again = pro.call("POST", "/contacts", {**chat, "idempotency_key": "chat-2"})
    assert again.status == 409
    assert pro.call("POST", f"/handoffs/{handoff.id}/hand-back").status == 200


def test_a_ticket_closed_in_the_console_gets_its_one_contact_record(console: Console) -> None:
    from tests.test_ticket_store import draft
    ticket, _ = console.tickets.create(draft(conversation_id="conv-close"), "conv-close:form")  # from a chat
    pro = console.browser("pro")
    assert pro.call("POST", f"/tickets/{ticket.id}/close", {"onward": "no_further_need"}).status == 409  # not held
    assert pro.call("POST", f"/tickets/{ticket.id}/claim").status == 200
    no_area = pro.call("POST", f"/tickets/{ticket.id}/close", {"onward": "referred_within_region"})
    assert no_area.status == 422 and no_area.json["field"] == "service_area"
    assert no_area.json["message"] == "Valitse palvelualue, jolle asiakas ohjattiin."
    assert pro.call("POST", f"/tickets/{ticket.id}/close", {"onward": "no_further_need"}, csrf=False).status == 403
    closed = pro.call("POST", f"/tickets/{ticket.id}/close", {
        "onward": "referred_within_region", "service_area": "primary_health_care", "contactor": "relative",
        "reasons": ["social", "documents"], "note": "Ohjattu, puh. 040 123 4567."})
    assert closed.status == 200, closed.text
    assert closed.json["status"] == "closed"
    record = closed.json["contact_record"]
    assert record["channel"] == "chat" and record["source_ticket_id"] == ticket.id
    assert record["contactor"] == "relative" and record["reasons"] == ["social", "documents"]
    assert record["service_area"] == "primary_health_care" and "040 123 4567" not in record["note"]
    assert pro.call("POST", f"/tickets/{ticket.id}/close", {"onward": "no_further_need"}).status == 409
