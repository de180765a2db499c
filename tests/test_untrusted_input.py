"""Input made to break handlers: JSON nested thousands deep on every route of the web app (a 422 in
the staff doors' error style, one log line, never a 500 or a traceback), and library ids in button
payloads (anyone can send `/choose_path{"path_id": ...}`) that nothing keeps unless the library has them."""
from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import urllib.error
import urllib.request

import pytest
from rasa.core.actions.action import ActionExtractSlots
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message
from sanic import Sanic
from sqlalchemy import select

from actions import messages
from actions.guidance import ActionGuidance, ActionStoreFeedback
from actions.store.office_hours import OfficeHours
from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.handoffs import HandoffStore
from actions.store.messages import MessageStore
from actions.store.models import AnalyticsEvent, PathFeedback
from actions.store.outbox import OutboxStore
from actions.store.own_space import OwnSpaceStore
from actions.store.tickets import StoreUnavailable, TicketStore
from bench.stack import free_port
from bot.handoff import HandoffSettings
from bot.settings import Secret, Settings
from bot.web.app import create_app
from bot.web.team_stores import TeamStores
from tests.chat_harness import Chat, answer_to_the_urgency, texts
from tests.conftest import PROJECT_DIR, build_runtime
from tests.helpers import Answer, cheap_hashes, send  # noqa: F401 - cheap_hashes: a fixture
from tests.servers import ThreadedServer
from tests.test_console import PASSWORD, FakeRelay
from tests.test_team_api import draft

Sanic.test_mode = True
CONVERSATION = "0123456789abcdef0123456789abcdef"
UNKNOWN = "ei-ole-olemassa"
# ~40 KB, under the 64 KiB body limit, and far deeper than Python's recursion limit
DEEP_ARRAY = ("[" * 20_000 + "]" * 20_000).encode()
DEEP_OBJECT = ('{"text": ' * 5_000 + "1" + "}" * 5_000).encode()
# The routes that read a JSON body (all through bot.web.team_input.json_body). A route added later
# that reads one is listed here too, or the sweep below fails: it must answer as these do.
BODY_ROUTES = {
    ("POST", "/team/api/session"), ("PATCH", "/team/api/tickets/<ticket_id>"),
    ("POST", "/team/api/tickets/<ticket_id>/notes"), ("POST", "/team/api/tickets/<ticket_id>/close"),
    ("POST", "/team/api/accounts"),
    ("POST", "/console/api/session"), ("POST", "/console/api/handoffs/<handoff_id>/messages"),
    ("POST", "/console/api/handoffs/<handoff_id>/path"), ("POST", "/console/api/handoffs/<handoff_id>/ticket"),
    ("POST", "/management/api/session"),
} | {("POST", f"/{door}/api/tickets/<ticket_id>/{what}") for door in ("team", "console")  # issue 18
     for what in ("messages", "answered", "person/programmes", "person/plan-notes")} | {
    ("POST", "/team/api/contacts"), ("POST", "/console/api/contacts"),  # issue 20
    ("POST", "/console/api/tickets/<ticket_id>/close")}
PERSON_SECRET = Secret("test-secret-of-the-person-keys-0123456789")  # the staff stores' person keys


class Client:
    """Cookies, a bearer token and a CSRF token, as a staff member's browser or script sends them."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.headers: dict[str, str] = {}

    def call(self, method: str, path: str, body: bytes | None = None) -> Answer:
        return send(urllib.request.Request(self.base + path, data=body, method=method,
                                           headers={"Content-Type": "application/json", **self.headers}), self.opener)

    def sign_in(self, path: str, username: str) -> "Client":
        answer = self.call("POST", path, json.dumps({"username": username, "password": PASSWORD}).encode())
        assert answer.status == 201, answer.text
        self.headers["X-CSRF-Token" if "csrf_token" in answer.json else "Authorization"] = (
            answer.json["csrf_token"] if "csrf_token" in answer.json else f"Bearer {answer.json['token']}")
        return self


@pytest.fixture(scope="module")
def app_server():
    port = free_port()
    source: dict = {}
    settings = Settings(webchat_port=port, handoff=HandoffSettings(internal_token="x", max_wait_seconds=300,
                                                                   heartbeat_timeout_seconds=3600))
    def stores() -> TeamStores:
        if "stores" not in source:  # the console's housekeeping may look before a test has put any in
            raise StoreUnavailable("no stores yet")
        return source["stores"]()

    app = create_app(settings, name=f"test_untrusted_input_{port}", team_stores=stores, relay=FakeRelay())
    running = ThreadedServer(app, port, f"http://127.0.0.1:{port}/console")
    yield app, f"http://127.0.0.1:{port}", source
    running.stop()


@pytest.fixture
def doors(app_server, tmp_path):
    app, base, source = app_server
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    sessions = make_session_factory(engine)
    tickets = TicketStore(sessions, OfficeHours())
    accounts = AccountStore(sessions)
    handoffs = HandoffStore(sessions)
    source["stores"] = lambda: TeamStores(tickets, accounts, None, handoffs, sessions,
                                          MessageStore(sessions, PERSON_SECRET), OwnSpaceStore(sessions, PERSON_SECRET),
                                          OutboxStore(sessions))
    for username, role in (("pro", "professional"), ("admin", "admin"), ("johtaja", "manager")):
        accounts.create(username, username.capitalize(), role, PASSWORD)
    yield app, base, tickets, handoffs, sessions
    engine.dispose()


def test_json_nested_too_deeply_is_a_422_on_every_route_never_a_500(doors, caplog) -> None:
    app, base, tickets, handoffs, _sessions = doors
    ticket, _ = tickets.create(draft(conversation_id=CONVERSATION), f"{CONVERSATION}:form")
    handoff, _ = handoffs.enqueue(CONVERSATION, {})
    pro_api, admin_api = Client(base).sign_in("/team/api/session", "pro"), Client(base).sign_in("/team/api/session", "admin")
    console = Client(base).sign_in("/console/api/session", "pro")
    assert console.call("POST", f"/console/api/handoffs/{handoff.id}/take").status == 200
    management = Client(base).sign_in("/management/api/session", "johtaja")
    # Every route of the app that takes a body (Sanic reads none for GET or DELETE): staff and residents (/auth)
    routes = sorted({(method, re.sub(r"<(\w+):[^>]*>", r"<\1>", "/" + route.path)) for route in app.router.routes
                     for method in route.methods if method in ("POST", "PUT", "PATCH")})
    refused = set()
    caplog.clear()
    for method, route in routes:
        path = route.replace("<ticket_id>", str(ticket.id)).replace("<handoff_id>", str(handoff.id))
        clients = ([pro_api, admin_api] if route.startswith("/team/api") else [console] if route.startswith("/console")
                   else [management] if route.startswith("/management") else [Client(base)])
        for body in (DEEP_ARRAY, DEEP_OBJECT):
            for client in clients:  # the team API's admin routes answer 403 to a professional
                answer = client.call(method, path, body)
                if answer.status != 403:
                    break
            assert answer.status < 500, (method, route, answer.status, answer.text[:200])
            assert "Traceback" not in answer.text and "RecursionError" not in answer.text
            if answer.status == 422 and answer.json.get("field") == "body":
                assert answer.json == {"error": "invalid", "field": "body",
                                       "message": "JSON nested too deeply; send a flat JSON object"}
                refused.add((method, route))
    assert refused == BODY_ROUTES
    assert not [r for r in caplog.records if r.name == "sanic.error" or (r.exc_info and r.exc_info[0] is RecursionError)]
    lines = [r.getMessage() for r in caplog.records if "nested too deeply" in r.getMessage()]
    assert len(lines) == 2 * len(BODY_ROUTES)  # one line per refused body, naming the route ...
    assert all(re.fullmatch(r"refused a JSON body nested too deeply: \w+ /\S+ \(\d+ bytes\)", line) for line in lines)
    assert not any("[[[" in line or '{"text"' in line for line in lines)  # ... and never the body
    assert {e.action for e in tickets.access_log(ticket.id)} == {"create", "claim"}  # claim reads no body


def test_a_body_just_deep_enough_to_parse_is_refused_field_by_field(doors) -> None:
    _app, base, _tickets, _handoffs, _sessions = doors
    nested = json.dumps({"username": json.loads("[" * 500 + "]" * 500), "password": PASSWORD}).encode()
    answer = Client(base).call("POST", "/team/api/session", nested)
    assert (answer.status, answer.json["field"]) == (422, "username")


# -- library ids from button payloads -------------------------------------------------------------

@pytest.fixture
def runtime(tmp_path, live_library, analyzer):
    return build_runtime(f"sqlite:///{tmp_path / 'store.db'}", live=live_library, analyzer=analyzer)


def test_no_entity_of_a_button_payload_is_kept_in_a_slot_by_rasa_itself() -> None:
    """Rasa fills `from_entity` slots before any action runs, so such a slot would keep a forged id in the
    tracker store; the actions check each id first, so no slot may be filled straight from an entity."""
    domain = Domain.load(str(PROJECT_DIR / "bot" / "domain.yml"))
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    for intent in ("choose_path", "feedback", "request_contact", "start_assessment", "assessment_answer",
                   "contact_answer", "emergency", "choose_programme", "programme_worse"):
        text = f"/{intent}" + json.dumps({entity: UNKNOWN for entity in domain.entities})
        [message] = RegexMessageHandler().process([Message.build(text)], domain)
        assert {e["entity"] for e in message.get("entities")} == set(domain.entities)
        tracker = DialogueStateTracker.from_events("resident", [
            ActionExecuted("action_listen"), UserUttered(text, message.get("intent"), message.get("entities"))],
            domain.slots)
        events = asyncio.run(ActionExtractSlots(None).run(CollectingOutputChannel(), nlg, tracker, domain))
        assert events == [], (intent, events)


def _tracker(text: str, intent: str, entities: dict, slots: dict | None = None):
    from rasa_sdk import Tracker

    message = {"text": text, "intent": {"name": intent, "confidence": 1.0},
               "entities": [{"entity": k, "value": v} for k, v in entities.items()], "guidance_ranking": []}
    return Tracker("resident-1", slots or {}, message, [{"event": "user", "text": text}], False, None, {},
                   "action_listen")


def _run(action, tracker):
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    return dispatcher.messages, action.run(dispatcher, tracker, {})


def test_feedback_on_an_unknown_path_stores_nothing(runtime) -> None:
    text = f'/feedback{{"helpful": "no", "path_id": "{UNKNOWN}"}}'
    replies, events = _run(ActionStoreFeedback(runtime), _tracker(text, "feedback", {"helpful": "no", "path_id": UNKNOWN}))
    assert [r["text"] for r in replies] == [messages.FEEDBACK_NOTHING_TO_RATE] and events == []
    with runtime.sessions() as session:
        assert session.execute(select(PathFeedback)).first() is None
        assert session.execute(select(AnalyticsEvent)).first() is None


def test_choosing_an_unknown_path_keeps_no_id(runtime) -> None:
    text = f'/choose_path{{"path_id": "{UNKNOWN}"}}'
    replies, events = _run(ActionGuidance(runtime), _tracker(text, "choose_path", {"path_id": UNKNOWN},
                                                             {"last_path_id": "flunssa"}))
    assert [r["text"] for r in replies] == [messages.PATH_MISSING]
    assert [(e["name"], e["value"]) for e in events] == [("last_path_id", None)]
    with runtime.sessions() as session:
        counted = session.execute(select(AnalyticsEvent)).scalars().all()
    assert [(e.kind, e.outcome, e.path_id, e.topic_id) for e in counted] == [("guidance", "answer", None, None)]


def test_a_contact_request_from_a_forged_path_button_leaves_the_path_out(runtime) -> None:
    chat = Chat(runtime)
    chat.slots["last_path_id"] = None
    chat.say(f'/request_contact{{"path_id": "{UNKNOWN}"}}')
    assert chat.form is not None and UNKNOWN not in json.dumps(chat.form)  # the form slot is stored by Rasa
    answer_to_the_urgency(chat, "health", "Kuume on jatkunut jo viikon ajan.")
    chat.say("040 123 4567", intent="ask_guidance")
    chat.say('/contact_answer{"form_value": "Aamupäivällä"}')
    chat.say("kyllä", intent="affirm")
    [ticket] = runtime.tickets.queue(AccountStore(runtime.sessions).create("hoitaja", "Hoitaja", "professional",
                                                                           "pitka-salasana-123"))
    assert (ticket.path_id, ticket.topic_id) == (None, None)
    with runtime.sessions() as session:
        assert all(e.path_id is None for e in session.execute(select(AnalyticsEvent)).scalars())


def test_a_known_path_from_the_button_still_comes_with_the_request(runtime) -> None:
    chat = Chat(runtime)
    chat.say('/request_contact{"path_id": "flunssa"}')
    assert (chat.form["data"]["path_id"], chat.form["data"]["topic_id"]) == ("flunssa", "flunssa")


def test_a_forged_urgency_after_an_assessment_is_not_understood_and_not_kept(runtime) -> None:
    chat = Chat(runtime)
    chat.say('/start_assessment{"instrument": "phq9"}')
    for _ in range(9):
        chat.say('/assessment_answer{"points": "2"}')
    assert chat.state["stage"] == "urgency"
    replies = chat.say(f'/assessment_answer{{"urgency": "{UNKNOWN}"}}')
    assert "En ollut varma vastauksestasi." in texts(replies)
    assert chat.form is None and UNKNOWN not in json.dumps(chat.state)
    chat.say('/assessment_answer{"urgency": "urgent"}')
    assert chat.form["data"]["urgency"] == "urgent"


def test_an_unknown_instrument_starts_nothing(runtime) -> None:
    chat = Chat(runtime)
    replies = chat.say(f'/start_assessment{{"instrument": "{UNKNOWN}"}}')
    assert replies[-1]["text"] == messages.ASSESSMENT_WHICH and chat.state is None
