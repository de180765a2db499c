"""The professional's side of issue 18 through the team API, over real HTTP on SQLite and PostgreSQL: a
secure-message ticket's thread (read, reply once per submit, mark answered, the chat announcement), the
queue's unread replies, the identified resident's overview (results, programmes with progress and
diary totals, plan notes), assigning a programme or a single module of one and writing a plan note;
every refusal (no token,
wrong role, ticket not held, anonymous, phone, closed, bad input, unknown programme) stores nothing;
every read and change is in the access log. Answers are checked against the OpenAPI description."""
from __future__ import annotations

import datetime as dt
import ipaddress
import json
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import pytest
from sanic import Sanic
from sqlalchemy import func, select

from actions.store.identification import IdentificationStore
from actions.store.messages import MessageStore
from actions.store.models import OutboxNotification, PlanNote, ProgrammeEnrolment, SecureMessage, Ticket
from actions.store.outbox import OutboxStore
from actions.store.own_space import OwnSpaceStore
from actions.store.person_key import person_key
from actions.store.tickets import TicketDraft
from bench.stack import free_port
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.relay_client import RelayUnavailable
from bot.web.staff_own_space import Announced
from bot.web.team_stores import TeamStores
from tests.helpers import Answer, cheap_hashes, send, staff_stores  # noqa: F401 - cheap_hashes: a fixture
from tests.servers import ThreadedServer
from tests.test_team_api import PASSWORD, WEDNESDAY_10, conforms

Sanic.test_mode = True
SECRET_TEXT = "test-secret-of-the-person-keys-0123456789"
RESIDENT = "131052-308T"
OTHER_RESIDENT = "010190-901R"
ANNOUNCEMENT = "Sinulle on uusi viesti. Voit lukea sen Omat asiat -sivulla."


@dataclass
class FakeRelay:
    """What would go into residents' chats; `fail` makes every call fail as an unreachable Rasa server."""

    calls: list = field(default_factory=list)
    fail: bool = False

    async def message(self, conversation_id, text, name, links=(), path_id=None):
        if self.fail:
            raise RelayUnavailable("relay /message: ClientConnectorError")
        self.calls.append((conversation_id, text, name, list(links)))

    async def control(self, conversation_id, event, handoff_id, name=None):
        self.calls.append(("control", conversation_id, event))

    async def transcript(self, conversation_id, after=0):
        return []


@dataclass
class Server:
    url: str
    relay: FakeRelay
    source: dict = field(default_factory=dict)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None, raw: bytes | None = None
             ) -> Answer:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return send(urllib.request.Request(self.url + path, data=data, method=method, headers=headers))


@pytest.fixture(scope="module")
def server() -> Server:
    port = free_port()
    served = Server(f"http://127.0.0.1:{port}/team/api", FakeRelay())
    app = create_app(Settings(webchat_port=port, trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),)),
                     name=f"test_team_api_own_space_{port}", team_stores=lambda: served.source["stores"](),
                     relay=served.relay)
    served.source["app"] = app
    running = ThreadedServer(app, port, served.url + "/openapi.json")
    yield served
    running.stop()


@dataclass
class World:
    server: Server
    stores: TeamStores
    identification: IdentificationStore
    clock: dict
    tokens: dict
    me: str
    other: str

    def call(self, method: str, path: str, body: Any = None, *, who: str | None = "pro", raw: bytes | None = None
             ) -> Answer:
        return self.server.call(method, path, body, token=self.tokens.get(who) if who else None, raw=raw)

    def ticket(self, key: str, identity: str | None = RESIDENT, method: str = "secure_message",
               conversation: str = "conv-1") -> Ticket:
        values: dict[str, Any] = dict(
            conversation_id=conversation, channel="identified_chat" if identity else "anonymous_chat",
            contact_role="resident", reason="health", urgency="normal",
            resident_words="Haluaisin jutella juomisestani.", contact_method=method,
            phone="040 123 4567" if method == "phone" else None, consent_text="Saa välittää.",
            consent_at=WEDNESDAY_10, identity_code=identity, identity_name="Maija" if identity else None,
            person_key=person_key(identity, self.stores.messages._secret) if identity else None)  # type: ignore[union-attr]
        return self.stores.tickets.create(TicketDraft(**values), key)[0]

    def account(self, username: str) -> Any:
        return self.stores.accounts.by_username(username)

    def log(self, ticket_id: int) -> list[tuple[str, str]]:
        return [(e.actor, e.action) for e in reversed(self.stores.tickets.access_log(ticket_id))]

    def count(self, model: Any) -> int:
        with self.stores.sessions() as session:  # type: ignore[misc]
            return int(session.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.fixture
def world(server: Server, database_url: str):
    from bot.settings import Secret

    made = staff_stores(database_url, WEDNESDAY_10, accounts_on_the_clock=False)  # sessions on real time
    clock = made.clock
    moved = lambda: clock["now"]  # noqa: E731 - one clock for every store
    sessions = made.tickets._sessions
    secret = Secret(SECRET_TEXT)
    stores = TeamStores(made.tickets, made.accounts, frozenset({"mielenterveys"}), made.handoffs, sessions,
                        MessageStore(sessions, secret, clock=moved), OwnSpaceStore(sessions, secret, clock=moved),
                        OutboxStore(sessions, clock=moved))
    server.source["stores"] = lambda: stores
    server.relay.calls.clear()
    server.relay.fail = False
    server.source["app"].ctx.runtime.announced = Announced()  # message ids start again in each database
    for username, role in (("pro", "professional"), ("pro2", "professional"), ("editor", "editor"),
                           ("admin", "admin")):
        made.accounts.create(username, username.capitalize() + " Hoitaja", role, PASSWORD)
    tokens = {}
    for username in ("pro", "pro2", "editor", "admin"):
        answer = server.call("POST", "/session", {"username": username, "password": PASSWORD})
        tokens[username] = answer.json["token"]
    yield World(server, stores, IdentificationStore(sessions, clock=moved), clock, tokens,
                person_key(RESIDENT, secret), person_key(OTHER_RESIDENT, secret))
    made.engine.dispose()


# -- the thread ---------------------------------------------------------------------------------------

def test_the_thread_a_reply_once_per_submit_announced_in_the_live_chat_and_marked_answered(world: World) -> None:
    ticket = world.ticket("conv-1:form-1")
    phone_ticket = world.ticket("conv-2:form-1", method="phone", conversation="conv-2")
    world.stores.outbox.set_address(world.me, "email", "maija@example.fi")  # type: ignore[union-attr]
    messages = world.stores.messages
    messages.add_resident_message(world.me, ticket.id, "Lisäkysymys: saako omaisen ottaa mukaan?", "r1")
    world.identification.open_session("conv-1", dt.timedelta(hours=1), person_key=world.me)
    world.identification.open_session("conv-9", dt.timedelta(hours=1), person_key=world.me)   # another chat of hers
    ended = world.identification.open_session("conv-8", dt.timedelta(hours=1), person_key=world.me)
    world.identification.end_session(ended.key)
    world.identification.open_session("conv-7", dt.timedelta(hours=1), person_key=world.other)  # someone else

    queue = conforms(world.call("GET", "/tickets"), "GET", "/tickets")
    assert {t["id"]: t["unread_replies"] for t in queue["tickets"]} == {ticket.id: 1, phone_ticket.id: 0}
    assert all("person_key" not in t and "conversation_id" not in t for t in queue["tickets"])
    unread = conforms(world.call("GET", "/tickets?unread=true"), "GET", "/tickets")
    assert [t["id"] for t in unread["tickets"]] == [ticket.id]
    by_message = world.call("GET", "/tickets?contact_method=secure_message").json
    assert [t["id"] for t in by_message["tickets"]] == [ticket.id]

    thread = conforms(world.call("GET", f"/tickets/{ticket.id}/messages"), "GET", "/tickets/{ticket_id}/messages")
    assert [(m["sender"], m["author"], m["body"]) for m in thread["messages"]] == [
        ("resident", None, "Lisäkysymys: saako omaisen ottaa mukaan?")]
    assert thread["unread_replies"] == 1  # reading marks nothing

    assert world.call("POST", f"/tickets/{ticket.id}/claim").status == 200
    shown = thread["messages"][-1]["id"]  # the latest resident message the professional saw
    sent = world.call("POST", f"/tickets/{ticket.id}/messages",
                      {"body": "Hei Maija! Saa ottaa. <b>Terveisin</b> hoitaja", "idempotency_key": "k1",
                       "last_seen_id": shown})
    assert sent.status == 201, sent.text
    message = conforms(sent, "POST", "/tickets/{ticket_id}/messages")
    assert (message["sender"], message["author"], message["author_name"]) == ("staff", "pro", "Pro Hoitaja")
    assert message["body"] == "Hei Maija! Saa ottaa. <b>Terveisin</b> hoitaja"  # plain text, as written
    again = world.call("POST", f"/tickets/{ticket.id}/messages", {"body": "Hei Maija! (toinen klikkaus)",
                                                                 "idempotency_key": "k1"})
    assert again.status == 200 and conforms(again, "POST", "/tickets/{ticket_id}/messages")["id"] == message["id"]
    assert world.count(SecureMessage) == 2 and world.count(OutboxNotification) == 1  # one message, one notification
    assert sorted(world.server.relay.calls) == [
        (chat, ANNOUNCEMENT, "Asiakasohjaus", [{"name": "Omat asiat", "url": "/omat-asiat"}])
        for chat in ("conv-1", "conv-9")]  # her live chats only, once; no content of the message
    assert world.call("GET", "/tickets?unread=true").json["count"] == 0  # the reply dealt with her message

    thanks, _ = messages.add_resident_message(world.me, ticket.id, "Kiitos!", "r2")
    assert world.call("GET", "/tickets").json["tickets"][0]["unread_replies"] == 1
    marked = conforms(world.call("POST", f"/tickets/{ticket.id}/answered", {"last_seen_id": thanks.id}),
                      "POST", "/tickets/{ticket_id}/answered")
    assert marked == {"ticket_id": ticket.id, "marked": 1}
    assert world.call("POST", f"/tickets/{ticket.id}/answered", {"last_seen_id": thanks.id}).json["marked"] == 0
    assert world.call("GET", "/tickets?unread=true").json["count"] == 0

    actions = world.log(ticket.id)
    assert ("account:pro", "messages-read") in actions and ("account:pro", "message") in actions
    assert actions.count(("account:pro", "messages-answered")) == 2 and actions.count(("account:pro", "message")) == 1


def test_a_reply_or_mark_answered_leaves_a_message_sent_while_the_professional_typed(world: World) -> None:
    ticket = world.ticket("conv-1:form-1")
    messages = world.stores.messages
    first, _ = messages.add_resident_message(world.me, ticket.id, "Ensimmäinen kysymys.", "r1")  # type: ignore[union-attr]
    world.call("POST", f"/tickets/{ticket.id}/claim")
    shown = world.call("GET", f"/tickets/{ticket.id}/messages").json["messages"]
    assert [m["id"] for m in shown] == [first.id]
    later, _ = messages.add_resident_message(world.me, ticket.id, "Ja vielä yksi asia!", "r2")  # type: ignore[union-attr]

    sent = world.call("POST", f"/tickets/{ticket.id}/messages",
                      {"body": "Vastaus ensimmäiseen.", "idempotency_key": "k1", "last_seen_id": first.id})
    assert sent.status == 201, sent.text
    assert world.call("GET", "/tickets").json["tickets"][0]["unread_replies"] == 1  # the later one still waits
    assert [t["id"] for t in world.call("GET", "/tickets?unread=true").json["tickets"]] == [ticket.id]
    waiting = world.call("GET", f"/tickets/{ticket.id}/messages").json["messages"]
    assert [(m["id"], m["read_at"] is None) for m in waiting if m["sender"] == "resident"] == [
        (first.id, False), (later.id, True)]

    latest, _ = messages.add_resident_message(world.me, ticket.id, "Kolmas viesti.", "r3")  # type: ignore[union-attr]
    assert world.call("POST", f"/tickets/{ticket.id}/answered", {"last_seen_id": later.id}).json["marked"] == 1
    assert world.call("GET", "/tickets").json["tickets"][0]["unread_replies"] == 1  # the third still waits
    unmarked = world.call("POST", f"/tickets/{ticket.id}/messages", {"body": "Hei!", "idempotency_key": "k2"})
    assert unmarked.status == 201 and world.call("GET", "/tickets").json["tickets"][0]["unread_replies"] == 1
    assert world.call("POST", f"/tickets/{ticket.id}/answered", {"last_seen_id": latest.id}).json["marked"] == 1
    assert world.call("GET", "/tickets?unread=true").json["count"] == 0


def test_a_retried_reply_whose_first_try_failed_before_the_announcement_announces_it(world: World, monkeypatch
                                                                                     ) -> None:
    from bot.web import staff_own_space

    ticket = world.ticket("conv-1:form-1")
    world.identification.open_session("conv-1", dt.timedelta(hours=1), person_key=world.me)
    world.call("POST", f"/tickets/{ticket.id}/claim")
    real_texts = staff_own_space.announcement_texts

    def broken(*_args: Any) -> dict[str, str]:
        raise OSError("announcement texts unreadable")

    monkeypatch.setattr(staff_own_space, "announcement_texts", broken)
    failed = world.call("POST", f"/tickets/{ticket.id}/messages", {"body": "Hei!", "idempotency_key": "k1"})
    assert failed.status == 500 and world.count(SecureMessage) == 1  # stored, but nobody was told
    assert world.server.relay.calls == []
    monkeypatch.setattr(staff_own_space, "announcement_texts", real_texts)
    retried = world.call("POST", f"/tickets/{ticket.id}/messages", {"body": "Hei!", "idempotency_key": "k1"})
    assert retried.status == 200 and world.count(SecureMessage) == 1
    assert [call[0] for call in world.server.relay.calls] == ["conv-1"]  # told on the retry
    world.stores.messages.mark_read(world.me, ticket.id)  # type: ignore[union-attr]
    world.call("POST", f"/tickets/{ticket.id}/messages", {"body": "Hei!", "idempotency_key": "k1"})
    assert len(world.server.relay.calls) == 1  # she has read it: no further notice


def test_a_relay_that_cannot_be_reached_loses_no_message(world: World) -> None:
    ticket = world.ticket("conv-1:form-1")
    world.identification.open_session("conv-1", dt.timedelta(hours=1), person_key=world.me)
    world.call("POST", f"/tickets/{ticket.id}/claim")
    world.server.relay.fail = True
    sent = world.call("POST", f"/tickets/{ticket.id}/messages", {"body": "Hei!", "idempotency_key": "k1"})
    assert sent.status == 201, sent.text
    assert [m.body for m in world.stores.messages.thread(world.me, ticket.id)] == ["Hei!"]  # type: ignore[union-attr]


def test_no_announcement_without_a_live_identified_session(world: World) -> None:
    ticket = world.ticket("conv-1:form-1")
    expired = world.identification.open_session("conv-1", dt.timedelta(minutes=5), person_key=world.me)
    world.clock["now"] += dt.timedelta(minutes=10)
    assert expired.expires_at < world.clock["now"]
    world.call("POST", f"/tickets/{ticket.id}/claim")
    assert world.call("POST", f"/tickets/{ticket.id}/messages", {"body": "Hei!", "idempotency_key": "k"}).status == 201
    assert world.server.relay.calls == []


# -- the person overview, assigning, the plan -----------------------------------------------------------

def test_the_overview_with_results_programme_progress_and_diary_totals_then_assign_and_note(world: World) -> None:
    ticket = world.ticket("conv-1:form-1")
    own = world.stores.own_space
    own.record_result(world.me, "auditc", 7, "riskijuomisen raja ylittyy")  # type: ignore[union-attr]
    own.record_result(world.other, "phq9", 20, "vaikeita oireita")  # type: ignore[union-attr]
    enrolment, _ = own.enrol(world.me, "alkoholi", 1, "assessment", goal="reduce")  # type: ignore[union-attr]
    own.record_progress(world.me, enrolment.id, "module_done", "m1", module_id="tavoite-ja-paivakirja")  # type: ignore[union-attr]
    own.record_progress(world.me, enrolment.id, "checkin", "c1", module_id="tavoite-ja-paivakirja",  # type: ignore[union-attr]
                        value="some_days")
    own.record_progress(world.me, enrolment.id, "exercise", "e1", module_id="mielihalu",  # type: ignore[union-attr]
                        value="delay")
    own.record_progress(world.me, enrolment.id, "exercise", "e2", module_id="tilanteet",  # type: ignore[union-attr]
                        value="Saunan jälkeen juon vettä.")
    start = WEDNESDAY_10.date()
    for key, day, drinks in (("d1", 0, 4), ("d2", 1, 0), ("d3", 8, 2.5), ("d4", 8, 1)):
        when = (start + dt.timedelta(days=day)).isoformat()  # the resident's door stores {"day", "amount"}
        own.record_progress(world.me, enrolment.id, "diary", key,  # type: ignore[union-attr]
                            value={"day": when, "amount": drinks})
    world.clock["now"] += dt.timedelta(days=9)

    answer = world.call("GET", f"/tickets/{ticket.id}/person")
    assert answer.status == 200, answer.text
    overview = conforms(answer, "GET", "/tickets/{ticket_id}/person")
    assert [(r["instrument_id"], r["score"], r["band"]) for r in overview["results"]] == [
        ("auditc", 7, "riskijuomisen raja ylittyy")]  # only hers
    programme = overview["programmes"][0]
    assert (programme["programme_id"], programme["goal"], programme["started_by"]) == ("alkoholi", "reduce", "assessment")
    assert programme["goal_label"] and programme["modules_total"] == 3 and programme["modules_done"] == 1
    assert [m["done"] for m in programme["modules"]] == [True, False, False]
    assert programme["check_ins"][0]["answer"] == "Osana päivistä"  # the choice's label
    assert [x["answer"] for x in programme["exercises"]] == ["Juomisen lykkääminen", "Saunan jälkeen juon vettä."]
    assert [(w["week"], w["total"], w["days_recorded"], w["dry_days"]) for w in programme["diary_weeks"]] == [
        (1, 4.0, 2, 1), (2, 1.0, 1, 0)]  # d4 corrected day 8 (one entry a day)
    assert programme["diary_unit"] == "annos"
    assert {p["id"] for p in overview["assignable"]} == {"mieliala", "alkoholi", "stressi"}
    assert world.log(ticket.id)[-1] == ("account:pro", "own-space-read")

    world.call("POST", f"/tickets/{ticket.id}/claim")
    assigned = world.call("POST", f"/tickets/{ticket.id}/person/programmes", {"programme_id": "mieliala"})
    assert assigned.status == 201, assigned.text
    made = conforms(assigned, "POST", "/tickets/{ticket_id}/person/programmes")
    assert (made["programme_id"], made["started_by"], made["assigned_by"], made["version"]) == \
        ("mieliala", "professional", "Pro Hoitaja", "1")
    same = world.call("POST", f"/tickets/{ticket.id}/person/programmes", {"programme_id": "alkoholi", "goal": "stop"})
    assert same.status == 200 and same.json["id"] == enrolment.id and same.json["goal"] == "reduce"  # already active

    written = {"text": "Seurataan päiväkirjaa kaksi viikkoa.", "enrolment_id": enrolment.id, "idempotency_key": "n1"}
    note = world.call("POST", f"/tickets/{ticket.id}/person/plan-notes", written)
    assert note.status == 201
    assert conforms(note, "POST", "/tickets/{ticket_id}/person/plan-notes")["author"] == "pro"
    repeat = world.call("POST", f"/tickets/{ticket.id}/person/plan-notes", written)  # a double click: one note
    assert repeat.status == 200 and conforms(repeat, "POST", "/tickets/{ticket_id}/person/plan-notes")["id"] == note.json["id"]
    after = world.call("GET", f"/tickets/{ticket.id}/person").json
    assert [p["programme_id"] for p in after["programmes"]] == ["mieliala", "alkoholi"]
    assert [(n["text"], n["enrolment_id"]) for n in after["plan_notes"]] == [
        ("Seurataan päiväkirjaa kaksi viikkoa.", enrolment.id)]
    actions = world.log(ticket.id)
    assert actions.count(("account:pro", "programme-assign")) == 2 and ("account:pro", "plan-note") in actions
    assert actions.count(("account:pro", "own-space-read")) == 2


def test_a_single_module_is_assigned_open_at_once_and_counted_alone(world: World) -> None:
    ticket = world.ticket("conv-1:form-1")
    whole, _ = world.stores.own_space.enrol(world.me, "mieliala", 1, "assessment")  # type: ignore[union-attr]
    overview = conforms(world.call("GET", f"/tickets/{ticket.id}/person"), "GET", "/tickets/{ticket_id}/person")
    mood = next(p for p in overview["assignable"] if p["id"] == "mieliala")
    assert [m["id"] for m in mood["modules"]] == ["pienet-teot", "ajatukset", "uni-ja-rytmi"]
    world.call("POST", f"/tickets/{ticket.id}/claim")
    path = f"/tickets/{ticket.id}/person/programmes"
    body = {"programme_id": "mieliala", "module_id": "uni-ja-rytmi"}

    assigned = world.call("POST", path, body)
    assert assigned.status == 201, assigned.text
    made = conforms(assigned, "POST", "/tickets/{ticket_id}/person/programmes")
    assert made["id"] != whole.id
    assert (made["programme_id"], made["module_id"], made["module_title"], made["started_by"], made["assigned_by"]) == \
        ("mieliala", "uni-ja-rytmi", "Uni ja arjen rytmi", "professional", "Pro Hoitaja")
    today = WEDNESDAY_10.date().isoformat()
    assert [(m["id"], m["opens_on"], m["done"]) for m in made["modules"]] == [("uni-ja-rytmi", today, False)]
    assert (made["modules_done"], made["modules_total"], made["progress"]) == (0, 1, 0.0)
    again = world.call("POST", path, body)  # a double click: the same enrolment
    assert again.status == 200 and conforms(again, "POST", "/tickets/{ticket_id}/person/programmes")["id"] == made["id"]
    assert world.count(ProgrammeEnrolment) == 2

    alcohol = world.call("POST", path, {"programme_id": "alkoholi", "goal": "reduce", "module_id": "tavoite-ja-paivakirja"})
    assert alcohol.status == 201 and alcohol.json["diary_unit"] == "annos" and alcohol.json["goal_label"]
    own = world.stores.own_space
    own.record_progress(world.me, made["id"], "module_done", "m1", module_id="uni-ja-rytmi")  # type: ignore[union-attr]
    own.record_progress(world.me, made["id"], "exercise", "e1", module_id="uni-ja-rytmi", value=6)  # type: ignore[union-attr]
    after = conforms(world.call("GET", f"/tickets/{ticket.id}/person"), "GET", "/tickets/{ticket_id}/person")
    by_id = {p["id"]: p for p in after["programmes"]}
    single, programme = by_id[made["id"]], by_id[whole.id]
    assert (single["modules_done"], single["modules_total"], single["progress"]) == (1, 1, 1.0)
    assert single["exercises"][0]["module_title"] == "Uni ja arjen rytmi"
    assert (programme["module_id"], programme["modules_total"], programme["modules_done"]) == (None, 3, 0)
    assert world.log(ticket.id).count(("account:pro", "module-assign")) == 3


# -- refusals -----------------------------------------------------------------------------------------

def _calls(ticket_id: int) -> list[tuple[str, str, Any]]:
    return [("GET", f"/tickets/{ticket_id}/messages", None),
            ("POST", f"/tickets/{ticket_id}/messages", {"body": "Hei", "idempotency_key": "x"}),
            ("POST", f"/tickets/{ticket_id}/answered", {"last_seen_id": 1}),
            ("GET", f"/tickets/{ticket_id}/person", None),
            ("POST", f"/tickets/{ticket_id}/person/programmes", {"programme_id": "mieliala"}),
            ("POST", f"/tickets/{ticket_id}/person/programmes", {"programme_id": "mieliala", "module_id": "ajatukset"}),
            ("POST", f"/tickets/{ticket_id}/person/plan-notes", {"text": "Muistiinpano"})]


def _described(path: str) -> str:
    parts = path.split("/")
    parts[2] = "{ticket_id}"
    return "/".join(parts)


def _nothing_stored(world: World) -> None:
    assert world.count(SecureMessage) == world.count(ProgrammeEnrolment) == world.count(PlanNote) == 0
    assert world.count(OutboxNotification) == 0 and world.server.relay.calls == []


def test_no_token_and_the_wrong_roles_get_nothing(world: World) -> None:
    ticket = world.ticket("conv-1:form-1")
    world.call("POST", f"/tickets/{ticket.id}/claim")
    for method, path, body in _calls(ticket.id):
        anonymous = world.call(method, path, body, who=None)
        assert anonymous.status == 401, (method, path)
        conforms(anonymous, method, _described(path))
        for who in ("editor", "admin"):
            answer = world.call(method, path, body, who=who)
            assert (answer.status, answer.json["error"]) == (403, "forbidden"), (who, method, path)
            conforms(answer, method, _described(path))
    _nothing_stored(world)
    assert [action for _actor, action in world.log(ticket.id)] == ["create", "claim"]  # nothing read


def test_changes_need_the_ticket_held_and_open(world: World) -> None:
    ticket = world.ticket("conv-1:form-1")
    changes = [call for call in _calls(ticket.id) if call[0] == "POST"]
    for method, path, body in changes:  # nobody holds it yet
        answer = world.call(method, path, body)
        assert answer.status == 409 and "claim" in answer.json["message"].lower(), (path, answer.text)
    world.call("POST", f"/tickets/{ticket.id}/claim", who="pro2")
    for method, path, body in changes:
        answer = world.call(method, path, body)
        assert answer.status == 409 and "another professional" in answer.json["message"].lower(), path
        conforms(answer, method, _described(path))
    _nothing_stored(world)
    world.call("POST", f"/tickets/{ticket.id}/close", {"outcome": "no_further_need"}, who="pro2")
    for method, path, body in changes:
        answer = world.call(method, path, body, who="pro2")
        assert answer.status == 409 and "closed" in answer.json["message"].lower(), (path, answer.text)
    _nothing_stored(world)
    assert world.call("GET", f"/tickets/{ticket.id}/messages", who="pro").status == 200  # reading stays open


def test_anonymous_and_phone_tickets_and_missing_ones(world: World) -> None:
    anonymous = world.ticket("anon:form-1", identity=None, method="phone", conversation="anon")
    phone = world.ticket("conv-2:form-1", method="phone", conversation="conv-2")
    for ticket in (anonymous, phone):
        world.call("POST", f"/tickets/{ticket.id}/claim")
    for method, path, body in _calls(anonymous.id):  # nothing of an anonymous conversation is reachable
        answer = world.call(method, path, body)
        assert (answer.status, answer.json["error"]) == (404, "not_found"), (method, path, answer.text)
        conforms(answer, method, _described(path))
    for method, path, body in _calls(phone.id)[:3]:  # answered by phone: no thread, but the person is there
        answer = world.call(method, path, body)
        assert answer.status == 404 and "thread" in answer.json["message"], (method, path)
    assert world.call("GET", f"/tickets/{phone.id}/person").status == 200
    for method, path, body in _calls(999999):
        assert world.call(method, path, body).status == 404, (method, path)
    _nothing_stored(world)


# (path suffix, JSON body, raw body, the field the 422 names)
MALFORMED = [
    ("/messages", None, b"", "body"),
    ("/messages", None, b"{not json", "body"),
    ("/messages", {"idempotency_key": "k"}, None, "body"),
    ("/messages", {"body": "   \n ", "idempotency_key": "k"}, None, "body"),
    ("/messages", {"body": "x" * 4001, "idempotency_key": "k"}, None, "body"),
    ("/messages", {"body": 12, "idempotency_key": "k"}, None, "body"),
    ("/messages", {"body": "Hei"}, None, "idempotency_key"),
    ("/messages", {"body": "Hei", "idempotency_key": " "}, None, "idempotency_key"),
    ("/messages", {"body": "Hei", "idempotency_key": "k" * 121}, None, "idempotency_key"),
    ("/messages", {"body": "Hei", "idempotency_key": "k", "html": True}, None, "html"),
    ("/messages", {"body": "Hei", "idempotency_key": "k", "last_seen_id": "7"}, None, "last_seen_id"),
    ("/messages", {"body": "Hei", "idempotency_key": "k", "last_seen_id": 0}, None, "last_seen_id"),
    ("/answered", None, b"", "body"),
    ("/answered", {}, None, "last_seen_id"),
    ("/answered", {"last_seen_id": True}, None, "last_seen_id"),
    ("/answered", {"last_seen_id": 1.5}, None, "last_seen_id"),
    ("/person/programmes", {}, None, "programme_id"),
    ("/person/programmes", {"programme_id": "uni"}, None, "programme_id"),          # no such programme
    ("/person/programmes", {"programme_id": "Mieliala"}, None, "programme_id"),
    ("/person/programmes", {"programme_id": "alkoholi"}, None, "goal"),             # its goal is required
    ("/person/programmes", {"programme_id": "alkoholi", "goal": "drink_more"}, None, "goal"),
    ("/person/programmes", {"programme_id": "mieliala", "goal": "reduce"}, None, "goal"),  # it has no goals
    ("/person/programmes", {"programme_id": "mieliala", "module": "x"}, None, "module"),
    ("/person/programmes", {"programme_id": "mieliala", "module_id": "tilanteet"}, None, "module_id"),  # alcohol's
    ("/person/programmes", {"programme_id": "mieliala", "module_id": "uni"}, None, "module_id"),   # no such module
    ("/person/programmes", {"programme_id": "mieliala", "module_id": ""}, None, "module_id"),
    ("/person/programmes", {"programme_id": "mieliala", "module_id": 3}, None, "module_id"),
    ("/person/programmes", {"programme_id": "mieliala", "module_id": "x" * 121}, None, "module_id"),
    ("/person/programmes", {"programme_id": "alkoholi", "module_id": "tilanteet"}, None, "goal"),  # the goal rule
    ("/person/programmes", {"module_id": "uni-ja-rytmi"}, None, "programme_id"),
    ("/person/plan-notes", {"text": " "}, None, "text"),
    ("/person/plan-notes", {"text": "x" * 4001}, None, "text"),
    ("/person/plan-notes", {"text": "Hei", "enrolment_id": "1"}, None, "enrolment_id"),
    ("/person/plan-notes", {"text": "Hei", "enrolment_id": True}, None, "enrolment_id"),
    ("/person/plan-notes", {"text": "Hei", "enrolment_id": 0}, None, "enrolment_id"),
    ("/person/plan-notes", {"text": "Hei", "idempotency_key": "x" * 121}, None, "idempotency_key"),
    ("/person/plan-notes", {"text": "Hei", "idempotency_key": 7}, None, "idempotency_key"),
    ("/person/plan-notes", {"text": "Hei", "enrolment_id": "<other>"}, None, "enrolment_id"),  # someone else's
]


def test_malformed_input_is_422_with_the_field_and_stores_nothing(world: World) -> None:
    ticket = world.ticket("conv-1:form-1")
    others, _ = world.stores.own_space.enrol(world.other, "stressi", 1, "path")  # type: ignore[union-attr]
    world.call("POST", f"/tickets/{ticket.id}/claim")
    for suffix, body, raw, wanted in MALFORMED:
        if body is not None and body.get("enrolment_id") == "<other>":
            body = {**body, "enrolment_id": others.id}
        path = f"/tickets/{ticket.id}{suffix}"
        answer = world.call("POST", path, body, raw=raw)
        assert (answer.status, answer.json["error"], answer.json["field"]) == (422, "invalid", wanted), \
            (suffix, body, raw, answer.text)
        conforms(answer, "POST", _described(path))
    assert world.call("GET", "/tickets/abc/messages").json["field"] == "ticket_id"
    for query, wanted in (("?unread=maybe", "unread"), ("?contact_method=carrier-pigeon", "contact_method")):
        answer = world.call("GET", "/tickets" + query)
        assert (answer.status, answer.json["field"]) == (422, wanted)
    assert world.count(SecureMessage) == world.count(PlanNote) == 0 and world.count(ProgrammeEnrolment) == 1
