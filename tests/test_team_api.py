"""The team API over real HTTP (a Sanic server in a thread) on SQLite and PostgreSQL.

One server serves the module; each test swaps in stores on its own fresh database. Responses are
checked against the OpenAPI description's schemas, so the description stays accurate.
"""
from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import yaml
from sanic import Sanic
from sqlalchemy import create_engine

from actions.store.office_hours import OfficeHours
from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.models import Ticket
from actions.store.tickets import TicketDraft, TicketStore
from bench.stack import free_port
from bot.settings import Settings
from bot.web import team_accounts
from bot.web.app import create_app
from bot.web.team_api import NOT_SHOWN, OPENAPI_FILE
from bot.web.runtime import WebRuntime
from bot.web.team_stores import TeamStores
from tests.helpers import Answer, all_at_once, cheap_hashes, send, staff_stores  # noqa: F401 - cheap_hashes: a fixture
from tests.servers import ThreadedServer

HELSINKI = ZoneInfo("Europe/Helsinki")
WEDNESDAY_10 = dt.datetime(2026, 11, 25, 10, 0, tzinfo=HELSINKI)
PASSWORD = "salasana-joka-on-pitka"
SPEC = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
BROKEN_URL = "postgresql+psycopg2://nobody@127.0.0.1:1/none"

# Sanic 21.12 rewrites (touches up) methods of the Sanic class when an app starts; a second app in
# the same process (test_webchat.py's server) then fails unless test mode keeps the originals. Set
# at collection, before any server starts, as sanic-testing does.
Sanic.test_mode = True


# -- the server and a small client --------------------------------------------------------------

@dataclass
class Server:
    url: str
    source: dict = field(default_factory=dict)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None, raw: bytes | None = None,
             headers: dict | None = None) -> Answer:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        return send(urllib.request.Request(self.url + path, data=data, method=method, headers=sent))


@pytest.fixture(scope="module")
def server() -> Server:
    port = free_port()
    served = Server(f"http://127.0.0.1:{port}/team/api")
    app = create_app(Settings(webchat_port=port, trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),)),
                     name=f"test_team_api_{port}",
                     team_stores=lambda: served.source["stores"]())
    running = ThreadedServer(app, port, served.url + "/openapi.json")
    yield served
    running.stop()


@dataclass
class Team:
    server: Server
    tickets: TicketStore
    accounts: AccountStore
    clock: dict
    tokens: dict

    def call(self, method: str, path: str, body: Any = None, *, who: str | None = "pro", **kwargs) -> Answer:
        return self.server.call(method, path, body, token=self.tokens.get(who) if who else None, **kwargs)

    def new_ticket(self, key: str, **changes: Any) -> Ticket:
        return self.tickets.create(draft(**changes), key)[0]

    def sign_in(self, username: str) -> str:
        answer = self.server.call("POST", "/session", {"username": username, "password": PASSWORD})
        assert answer.status == 201, answer.text
        return answer.json["token"]


def draft(**changes: Any) -> TicketDraft:
    values = dict(conversation_id="conv-1", channel="anonymous_chat", contact_role="resident", reason="health",
                  urgency="normal", resident_words="Mieliala on ollut huono jo viikkoja.", contact_method="phone",
                  phone="040 123 4567", consent_text="Saa välittää asiakasohjaukseen.", consent_at=WEDNESDAY_10,
                  topic_id="mielenterveys", path_id="mielenterveys")
    values.update(changes)
    return TicketDraft(**values)


@pytest.fixture
def team(server: Server, database_url: str):
    made = staff_stores(database_url, WEDNESDAY_10, accounts_on_the_clock=True)
    engine, clock, tickets, accounts = made.engine, made.clock, made.tickets, made.accounts
    stores = TeamStores(tickets, accounts, frozenset({"mielenterveys", "hammashoito", "flunssa"}))
    server.source["stores"] = lambda: stores
    for username, role in (("pro", "professional"), ("pro2", "professional"), ("editor", "editor"),
                           ("admin", "admin")):
        accounts.create(username, username.capitalize(), role, PASSWORD)
    result = Team(server, tickets, accounts, clock, {})
    result.tokens = {name: result.sign_in(name) for name in ("pro", "pro2", "editor", "admin")}
    yield result
    engine.dispose()


# -- the OpenAPI description --------------------------------------------------------------------

def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema (`nullable: true` becomes "or null")."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") is True else converted


SCHEMA_ROOT = _json_schema(SPEC)


def conforms(answer: Answer, method: str, path: str) -> Any:
    """The answer's status is described for this operation and its body matches the schema."""
    responses = SCHEMA_ROOT["paths"][path][method.lower()]["responses"]
    assert str(answer.status) in responses, f"{method} {path}: {answer.status} not in the description"
    described = responses[str(answer.status)]
    if "$ref" in described:
        described = SCHEMA_ROOT["components"]["responses"][described["$ref"].rsplit("/", 1)[1]]
    if "content" not in described:
        assert answer.text == ""
        return None
    schema = described["content"]["application/json"]["schema"]
    resolver = jsonschema.RefResolver.from_schema(SCHEMA_ROOT)
    jsonschema.Draft4Validator(schema, resolver=resolver).validate(answer.json)
    return answer.json


def test_routes_and_openapi_description_agree(server: Server) -> None:
    app = create_app(Settings(), name="test_team_api_routes")
    routes = set()
    for route in app.router.routes:
        if route.path.startswith("team/api"):
            path = re.sub(r"<(\w+)(:[^>]*)?>", r"{\1}", route.path.removeprefix("team/api"))
            routes |= {(method, path) for method in route.methods}
    described = {(method.upper(), path) for path, operations in SPEC["paths"].items()
                 for method in operations if method in ("get", "post", "put", "patch", "delete")}
    assert routes == described
    served = server.call("GET", "/openapi.json")  # no sign-in needed
    assert served.status == 200 and served.json == json.loads(json.dumps(SPEC))
    ticket_columns = {column.key for column in Ticket.__table__.columns} - NOT_SHOWN | {"assignee"}
    assert set(SPEC["components"]["schemas"]["Ticket"]["properties"]) == ticket_columns


# -- authentication and roles -------------------------------------------------------------------

def test_unauthenticated_requests_get_401(team: Team) -> None:
    ticket = team.new_ticket("a")
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic cHJvOnNhbGFzYW5h"},
                    {"Authorization": "Bearer not-a-real-token"}):
        answer = team.server.call("GET", f"/tickets/{ticket.id}", headers=headers)
        assert answer.status == 401 and answer.json["error"] == "unauthenticated"
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        conforms(answer, "GET", "/tickets/{ticket_id}")
    wrong = team.server.call("POST", "/session", {"username": "pro", "password": "väärä-salasana"})
    unknown = team.server.call("POST", "/session", {"username": "nobody", "password": PASSWORD})
    assert wrong.status == unknown.status == 401 and wrong.json == unknown.json  # says nothing about which
    conforms(wrong, "POST", "/session")
    team.clock["now"] += dt.timedelta(minutes=31)  # idle too long
    expired = team.call("GET", "/tickets")
    assert expired.status == 401 and "expired" in expired.json["message"]
    assert [e.action for e in team.tickets.access_log(ticket.id)] == ["create"]  # nothing was read
    fresh = team.sign_in("pro")
    assert team.server.call("GET", "/tickets", token=fresh).status == 200
    signed_out = team.server.call("DELETE", "/session", token=fresh)
    assert signed_out.status == 204 and conforms(signed_out, "DELETE", "/session") is None
    assert team.server.call("GET", "/tickets", token=fresh).status == 401


def test_wrong_passwords_lock_out_their_address_not_the_professional(team: Team) -> None:
    """Behind the proxy (127.0.0.1, a trusted proxy here: its X-Forwarded-For names the client),
    someone guessing from one address cannot keep the professional, at another, from signing in."""
    attacker, office = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.20"}
    right = {"username": "pro", "password": PASSWORD}
    for _ in range(5):
        guess = team.server.call("POST", "/session", {"username": "pro", "password": "arvattu-salasana"},
                                 headers=attacker)
        assert guess.status == 401
    assert team.server.call("POST", "/session", right, headers=attacker).status == 401  # locked out
    assert team.server.call("POST", "/session", right, headers=office).status == 201
    team.clock["now"] += dt.timedelta(minutes=16)
    assert team.server.call("POST", "/session", right, headers=attacker).status == 201


def test_a_client_reaching_the_app_directly_cannot_name_another_address(team: Team) -> None:
    """127.0.0.2 is no trusted proxy: the X-Forwarded-For it sends counts for nothing, so changing it
    with every guess does not escape the lockout of its own address."""
    def sign_in(password: str, claimed: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", urllib.parse.urlsplit(team.server.url).port,
                                                timeout=30, source_address=("127.0.0.2", 0))
        connection.request("POST", "/team/api/session", json.dumps({"username": "pro", "password": password}),
                           {"Content-Type": "application/json", "X-Forwarded-For": claimed})
        status = connection.getresponse().status
        connection.close()
        return status

    assert [sign_in("arvattu-salasana", f"192.0.2.{n}") for n in range(5)] == [401] * 5
    assert sign_in(PASSWORD, "192.0.2.99") == 401
    assert team.server.call("POST", "/session", {"username": "pro", "password": PASSWORD}).status == 201


def test_sign_in_answers_the_session(team: Team) -> None:
    answer = team.server.call("POST", "/session", {"username": " PRO ", "password": PASSWORD})
    session = conforms(answer, "POST", "/session")
    assert session["account"] == {"username": "pro", "display_name": "Pro", "role": "professional"}
    assert dt.datetime.fromisoformat(session["expires_at"]) == WEDNESDAY_10 + dt.timedelta(hours=10)
    assert session["idle_timeout_seconds"] == 1800


def test_roles_least_privilege(team: Team) -> None:
    ticket = team.new_ticket("a")
    ticket_calls = [("GET", "/tickets", None), ("GET", f"/tickets/{ticket.id}", None),
                    ("POST", f"/tickets/{ticket.id}/claim", None), ("PATCH", f"/tickets/{ticket.id}", {"urgency": "urgent"}),
                    ("POST", f"/tickets/{ticket.id}/notes", {"text": "x"}),
                    ("POST", f"/tickets/{ticket.id}/close", {"outcome": "no_further_need"})]
    for who in ("editor", "admin"):
        for method, path, body in ticket_calls:
            answer = team.call(method, path, body, who=who)
            assert answer.status == 403 and answer.json["error"] == "forbidden", (who, method, path)
    admin_calls = [("POST", "/accounts", {"username": "uusi", "display_name": "Uusi", "role": "professional",
                                          "password": PASSWORD}), ("GET", "/access-log", None)]
    for who in ("pro", "editor"):
        for method, path, body in admin_calls:
            assert team.call(method, path, body, who=who).status == 403, (who, method, path)
    assert [e.action for e in team.tickets.access_log(ticket.id)] == ["create"]
    assert team.accounts.by_username("uusi") is None
    for who in ("editor", "admin"):  # any role signs out
        assert team.call("DELETE", "/session", who=who).status == 204


# -- malformed input, missing tickets, conflicts ------------------------------------------------

# (method, path, JSON body, raw body, the field the 422 names, who calls); "<ticket>" is the path of a
# ticket the professional has claimed, which none of these may change.
MALFORMED = [
    ("POST", "/session", None, b"{not json", "body", None),
    ("POST", "/session", None, b"[1, 2]", "body", None),
    ("POST", "/session", None, b"", "body", None),
    ("POST", "/session", {"username": "pro"}, None, "password", None),
    ("POST", "/session", {"username": 7, "password": PASSWORD}, None, "username", None),
    ("POST", "/session", {"username": "pro", "password": PASSWORD, "admin": True}, None, "admin", None),
    ("GET", "/tickets?urgency=asap", None, None, "urgency", "pro"),
    ("GET", "/tickets?status=new,done", None, None, "status", "pro"),
    ("GET", "/tickets?topic=Hammas%20hoito", None, None, "topic", "pro"),
    ("GET", "/tickets?due_before=huomenna", None, None, "due_before", "pro"),
    ("GET", "/tickets?due_before=2026-11-26T10:00:00", None, None, "due_before", "pro"),
    ("GET", "/tickets?mine=maybe", None, None, "mine", "pro"),
    ("GET", "/tickets?limit=0", None, None, "limit", "pro"),
    ("GET", "/tickets?limit=501", None, None, "limit", "pro"),
    ("GET", "/tickets?limit=ten", None, None, "limit", "pro"),
    ("GET", "/tickets?urgency=", None, None, "urgency", "pro"),
    ("GET", "/tickets?urgency=urgent&urgency=normal", None, None, "urgency", "pro"),
    ("GET", "/tickets?sort=due", None, None, "sort", "pro"),
    ("GET", "/tickets/abc", None, None, "ticket_id", "pro"),
    ("GET", "/tickets/-1", None, None, "ticket_id", "pro"),
    ("POST", "/tickets/1.5/claim", None, None, "ticket_id", "pro"),
    ("PATCH", "<ticket>", {}, None, "body", "pro"),
    ("PATCH", "<ticket>", {"status": "closed"}, None, "status", "pro"),
    ("PATCH", "<ticket>", {"status": "new"}, None, "status", "pro"),
    ("PATCH", "<ticket>", {"urgency": "asap"}, None, "urgency", "pro"),
    ("PATCH", "<ticket>", {"urgency": None}, None, "urgency", "pro"),
    ("PATCH", "<ticket>", {"topic_id": "ei-tallaista-aihetta"}, None, "topic_id", "pro"),
    ("PATCH", "<ticket>", {"topic_id": 12}, None, "topic_id", "pro"),
    ("PATCH", "<ticket>", {"assignee_id": 1}, None, "assignee_id", "pro"),
    ("POST", "<ticket>/notes", {"text": "   "}, None, "text", "pro"),
    ("POST", "<ticket>/notes", {"text": "x" * 4001}, None, "text", "pro"),
    ("POST", "<ticket>/notes", {"text": "nul\x00char"}, None, "text", "pro"),
    ("POST", "<ticket>/notes", {"note": "x"}, None, "note", "pro"),
    ("POST", "<ticket>/close", {"outcome": "solved"}, None, "outcome", "pro"),
    ("POST", "<ticket>/close", {}, None, "outcome", "pro"),
    ("POST", "/accounts", {"username": "uusi", "display_name": "Uusi", "role": "boss", "password": PASSWORD},
     None, "role", "admin"),
    ("POST", "/accounts", {"username": "uusi", "display_name": "Uusi", "role": "editor", "password": "lyhyt"},
     None, "password", "admin"),
    ("POST", "/accounts", {"username": "pro", "display_name": "Pro", "role": "editor", "password": PASSWORD},
     None, "username", "admin"),
    ("POST", "/accounts", {"username": "ä ö", "display_name": "X", "role": "editor", "password": PASSWORD},
     None, "username", "admin"),
    ("GET", "/access-log?ticket_id=x", None, None, "ticket_id", "admin"),
    ("GET", "/access-log?account=nobody", None, None, "account", "admin"),
    ("GET", "/access-log?limit=1001", None, None, "limit", "admin"),
]


def test_malformed_input_is_422_with_the_field(team: Team) -> None:
    ticket = team.new_ticket("a")
    assert team.call("POST", f"/tickets/{ticket.id}/claim").status == 200
    for method, path, body, raw, wanted, who in MALFORMED:
        path = path.replace("<ticket>", f"/tickets/{ticket.id}")
        answer = team.call(method, path, body, who=who, raw=raw)
        assert (answer.status, answer.json["error"], answer.json["field"]) == (422, "invalid", wanted), \
            (method, path, body, raw, answer.text)
        assert answer.json["message"]
        conforms(answer, method, re.sub(r"/tickets/[^/?]+", "/tickets/{ticket_id}", path.split("?")[0]))
    held, notes = team.tickets.get(team.accounts.by_username("pro"), ticket.id)
    assert (held.status, held.urgency, held.topic_id, notes) == ("claimed", "normal", "mielenterveys", [])


def test_missing_tickets_and_paths_are_404_and_other_methods_405(team: Team) -> None:
    for method, path, body in (("GET", "/tickets/999999", None), ("POST", "/tickets/999999/claim", None),
                               ("PATCH", "/tickets/999999", {"urgency": "urgent"}),
                               ("POST", "/tickets/999999/notes", {"text": "x"}),
                               ("POST", "/tickets/999999/close", {"outcome": "no_further_need"}),
                               ("GET", "/tickets/99999999999", None)):
        answer = team.call(method, path, body)
        assert (answer.status, answer.json["error"]) == (404, "not_found"), (method, path, answer.text)
        conforms(answer, method, re.sub(r"/tickets/\d+", "/tickets/{ticket_id}", path))
    nowhere = team.call("GET", "/nowhere")
    assert (nowhere.status, nowhere.json["error"]) == (404, "not_found")
    wrong_method = team.call("PUT", "/tickets")
    assert (wrong_method.status, wrong_method.json["error"]) == (405, "method_not_allowed")


def test_second_claim_and_changes_by_others_are_409(team: Team) -> None:
    ticket = team.new_ticket("a")
    assert team.call("POST", f"/tickets/{ticket.id}/claim", who="pro").status == 200
    second = team.call("POST", f"/tickets/{ticket.id}/claim", who="pro2")
    assert (second.status, second.json["error"]) == (409, "conflict")
    conforms(second, "POST", "/tickets/{ticket_id}/claim")
    for method, path, body in (("PATCH", f"/tickets/{ticket.id}", {"status": "in_progress"}),
                               ("POST", f"/tickets/{ticket.id}/close", {"outcome": "no_further_need"})):
        answer = team.call(method, path, body, who="pro2")
        assert answer.status == 409 and "another professional" in answer.json["message"].lower()
    unclaimed = team.new_ticket("b")
    answer = team.call("POST", f"/tickets/{unclaimed.id}/close", {"outcome": "no_further_need"})
    assert answer.status == 409 and "claim" in answer.json["message"].lower()
    assert team.call("POST", f"/tickets/{ticket.id}/close", {"outcome": "no_further_need"}).status == 200
    assert team.call("POST", f"/tickets/{ticket.id}/claim", who="pro2").status == 409  # closed


def test_concurrent_claims_over_http_have_exactly_one_winner(team: Team) -> None:
    ticket = team.new_ticket("a")
    names = [f"hoitaja{i}" for i in range(6)]
    for name in names:
        team.accounts.create(name, name, "professional", PASSWORD)
    tokens = {name: team.sign_in(name) for name in names}
    statuses = all_at_once(lambda name: team.server.call("POST", f"/tickets/{ticket.id}/claim",
                                                         token=tokens[name]).status, names)
    answers: dict[str, int] = dict(zip(names, statuses))
    assert sorted(answers.values()) == [200] + [409] * (len(names) - 1)
    winner = next(name for name, status in answers.items() if status == 200)
    read = team.call("GET", f"/tickets/{ticket.id}").json
    assert (read["status"], read["assignee"]) == ("claimed", winner)
    claims = [e.actor for e in team.tickets.access_log(ticket.id) if e.action == "claim"]
    assert claims == [f"account:{winner}"]


# -- the work itself ----------------------------------------------------------------------------

def test_full_flow_queue_read_claim_update_note_close_with_access_log(team: Team) -> None:
    ticket = team.new_ticket("a", assessment={"instrument": "phq9", "total": 12, "band": "kohtalainen"})
    queue = conforms(team.call("GET", "/tickets"), "GET", "/tickets")
    assert queue["count"] == 1 and queue["tickets"][0]["reference"] == ticket.reference
    listed = queue["tickets"][0]
    assert listed["status"] == "new" and listed["assignee"] is None and listed["phone"] == "+358401234567"
    assert dt.datetime.fromisoformat(listed["answer_by"]) == dt.datetime(2026, 11, 26, 15, 0, tzinfo=HELSINKI)
    assert listed["assessment"]["total"] == 12

    read = conforms(team.call("GET", f"/tickets/{ticket.id}"), "GET", "/tickets/{ticket_id}")
    assert read["notes"] == [] and read["resident_words"] == "Mieliala on ollut huono jo viikkoja."

    claimed = conforms(team.call("POST", f"/tickets/{ticket.id}/claim"), "POST", "/tickets/{ticket_id}/claim")
    assert (claimed["status"], claimed["assignee"]) == ("claimed", "pro")

    team.clock["now"] += dt.timedelta(minutes=5)
    changed = conforms(team.call("PATCH", f"/tickets/{ticket.id}", {"status": "in_progress", "urgency": "urgent",
                                                                     "topic_id": "hammashoito"}),
                       "PATCH", "/tickets/{ticket_id}")
    assert (changed["status"], changed["urgency"], changed["topic_id"]) == ("in_progress", "urgent", "hammashoito")
    assert dt.datetime.fromisoformat(changed["answer_by"]) == dt.datetime(2026, 11, 25, 15, 0, tzinfo=HELSINKI)

    note = team.call("POST", f"/tickets/{ticket.id}/notes", {"text": "  Soitin, ei vastannut.  "})
    assert note.status == 201
    assert conforms(note, "POST", "/tickets/{ticket_id}/notes")["author"] == "pro"

    closed = conforms(team.call("POST", f"/tickets/{ticket.id}/close", {"outcome": "referred_within_region"}),
                      "POST", "/tickets/{ticket_id}/close")
    assert (closed["status"], closed["outcome"]) == ("closed", "referred_within_region") and closed["closed_at"]
    assert team.call("GET", "/tickets").json["count"] == 0  # closed tickets leave the queue

    other = conforms(team.call("GET", f"/tickets/{ticket.id}", who="pro2"), "GET", "/tickets/{ticket_id}")
    assert [(n["author"], n["text"]) for n in other["notes"]] == [("pro", "Soitin, ei vastannut.")]
    assert other["assignee"] == "pro"

    log = conforms(team.call("GET", f"/access-log?ticket_id={ticket.id}", who="admin"), "GET", "/access-log")
    entries = list(reversed(log["entries"]))
    assert [(e["actor"], e["action"]) for e in entries] == [
        ("assistant", "create"), ("account:pro", "list"), ("account:pro", "read"), ("account:pro", "claim"),
        ("account:pro", "update"), ("account:pro", "note"), ("account:pro", "close"), ("account:pro2", "read")]
    pro_id = team.accounts.by_username("pro").id
    assert all(e["account_id"] == pro_id for e in entries[1:-1]) and all(e["ticket_id"] == ticket.id for e in entries)
    assert "urgency normal->urgent" in entries[4]["detail"] and entries[6]["detail"] == "referred_within_region"
    moments = [dt.datetime.fromisoformat(e["at"]) for e in entries]  # the database's own clock
    assert moments == sorted(moments) and dt.datetime.now(dt.timezone.utc) - moments[0] < dt.timedelta(minutes=1)
    only_pro2 = team.call("GET", "/access-log?account=pro2", who="admin").json
    assert [(e["action"], e["ticket_id"]) for e in only_pro2["entries"]] == [("read", ticket.id)]
    assert team.call("GET", "/access-log?limit=2", who="admin").json["count"] == 2


def test_queue_filters(team: Team) -> None:
    normal = team.new_ticket("a", topic_id="hammashoito")
    urgent = team.new_ticket("b", urgency="urgent")
    held = team.new_ticket("c")
    done = team.new_ticket("d")
    for ticket in (held, done):
        assert team.call("POST", f"/tickets/{ticket.id}/claim").status == 200
    team.call("POST", f"/tickets/{done.id}/close", {"outcome": "no_further_need"})

    def ids(query: str, who: str = "pro") -> list[int]:
        answer = team.call("GET", "/tickets" + query, who=who)
        assert answer.status == 200, answer.text
        return [t["id"] for t in conforms(answer, "GET", "/tickets")["tickets"]]

    assert ids("") == [urgent.id, normal.id, held.id]  # earliest answer-by first, closed left out
    assert ids("?urgency=urgent") == [urgent.id]
    assert ids("?topic=hammashoito") == [normal.id]
    assert ids("?status=closed") == [done.id]
    assert ids("?status=new,closed") == [urgent.id, normal.id, done.id]
    assert ids("?status=claimed&mine=true") == [held.id]
    assert ids("?mine=true", who="pro2") == []
    assert ids("?due_before=2026-11-25T16:00:00%2B02:00") == [urgent.id]
    assert ids("?due_before=2026-11-25T14:00:00Z") == [urgent.id]
    assert ids("?due_before=2026-11-25T16:00:00+02:00") == [urgent.id]  # an unencoded + arrives as a space
    assert ids("?due_before=2026-11-25T12:00:00Z") == []
    assert ids("?limit=2") == [urgent.id, normal.id]


def test_admin_creates_accounts_that_can_sign_in(team: Team) -> None:
    answer = team.call("POST", "/accounts", {"username": "Uusi.Hoitaja", "display_name": "Uusi Hoitaja",
                                             "role": "professional", "password": PASSWORD}, who="admin")
    account = conforms(answer, "POST", "/accounts")
    assert answer.status == 201 and (account["username"], account["role"], account["active"]) == \
        ("uusi.hoitaja", "professional", True)
    assert "password" not in answer.text and "argon2" not in answer.text
    assert team.accounts.by_username("uusi.hoitaja").password_hash.startswith("$argon2id$")
    assert team.sign_in("uusi.hoitaja")


# -- failures -----------------------------------------------------------------------------------

def test_unreachable_database_is_503(team: Team, tmp_path) -> None:
    broken = make_session_factory(create_engine(BROKEN_URL, future=True, connect_args={"connect_timeout": 2}))
    working = TeamStores(team.tickets, team.accounts)
    team.server.source["stores"] = lambda: TeamStores(TicketStore(broken, OfficeHours()), working.accounts)
    answer = team.call("GET", "/tickets")
    assert (answer.status, answer.json["error"]) == (503, "unavailable")
    conforms(answer, "GET", "/tickets")
    team.server.source["stores"] = lambda: TeamStores(TicketStore(broken, OfficeHours()), AccountStore(broken))
    answer = team.server.call("POST", "/session", {"username": "pro", "password": PASSWORD})
    assert (answer.status, answer.json["error"]) == (503, "unavailable")
    assert "nobody" not in answer.text and "127.0.0.1" not in answer.text
    team.server.source["stores"] = WebRuntime(Settings(database_url=BROKEN_URL)).stores  # from settings, retried later
    assert team.call("GET", "/tickets").status == 503
    assert team.server.call("POST", "/session", {"username": "pro", "password": PASSWORD}).status == 503


def test_unexpected_errors_are_a_generic_500_without_details(team: Team) -> None:
    class Exploding(TicketStore):
        def queue(self, account, filters):
            raise RuntimeError("secret-detail /srv/app/tickets.py line 42")

    exploding = Exploding(make_session_factory(create_engine("sqlite://", future=True)), OfficeHours())
    team.server.source["stores"] = lambda: TeamStores(exploding, team.accounts)
    answer = team.call("GET", "/tickets")
    assert answer.status == 500 and answer.json == {
        "error": "internal", "message": "Something went wrong on the server; the error was logged.", "field": None}
    assert "secret" not in answer.text and "Traceback" not in answer.text and "RuntimeError" not in answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    conforms(answer, "GET", "/tickets")


def test_security_headers_no_cors_and_body_limit(team: Team) -> None:
    for answer in (team.call("GET", "/tickets", headers={"Origin": "https://evil.example"}),
                   team.call("GET", "/tickets", who=None), team.server.call("GET", "/openapi.json"),
                   team.call("GET", "/nowhere")):
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers.get("Access-Control-Allow-Origin") is None
        assert answer.headers["Content-Type"].startswith("application/json")
    preflight = team.call("OPTIONS", "/tickets", headers={"Origin": "https://evil.example",
                                                          "Access-Control-Request-Method": "GET"})
    assert preflight.status == 405 and preflight.headers.get("Access-Control-Allow-Origin") is None
    ticket = team.new_ticket("a")
    team.call("POST", f"/tickets/{ticket.id}/claim")
    huge = team.call("POST", f"/tickets/{ticket.id}/notes", {"text": "x" * 70_000})
    assert (huge.status, huge.json["error"]) == (413, "too_large")
    assert [e.action for e in team.tickets.access_log(ticket.id)] == ["claim", "create"]


# -- set-up from settings, and the account command ----------------------------------------------

def test_stores_from_settings_use_the_region_profile_and_catalogue(tmp_path) -> None:
    stores = WebRuntime(Settings(database_url=f"sqlite:///{tmp_path / 'team.db'}")).stores()
    assert stores.tickets.office_hours.closes == dt.time(15, 0)
    assert {"flunssa", "hammashoito-ajanvaraus"} <= stores.topics
    assert stores.accounts.list_accounts() == []


def test_account_command_adds_and_lists(database_url, monkeypatch, capsys) -> None:
    settings = Settings(database_url=database_url)
    monkeypatch.setenv(team_accounts.ENV_PASSWORD, PASSWORD)
    assert team_accounts.main(["add", "Maija.M", "--role", "admin", "--name", "Maija Meikäläinen"], settings) == 0
    assert "Created admin account maija.m (Maija Meikäläinen)" in capsys.readouterr().out
    assert team_accounts.main(["list"], settings) == 0
    assert re.search(r"maija\.m\s+admin\s+active\s+Maija Meikäläinen", capsys.readouterr().out)
    assert AccountStore(make_session_factory(make_engine(database_url))).sign_in("maija.m", PASSWORD)

    assert team_accounts.main(["add", "maija.m", "--role", "professional"], settings) == 2
    assert "error: username: already taken" in capsys.readouterr().err
    monkeypatch.setenv(team_accounts.ENV_PASSWORD, "lyhyt")
    assert team_accounts.main(["add", "toinen", "--role", "professional"], settings) == 2
    assert "error: password: at least 12 characters" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        team_accounts.main(["add", "kolmas", "--role", "boss"], settings)
    assert stopped.value.code == 2
    monkeypatch.delenv(team_accounts.ENV_PASSWORD)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert team_accounts.main(["add", "neljas", "--role", "professional"], settings) == 2
    assert "TEAM_ACCOUNT_PASSWORD" in capsys.readouterr().err


def test_account_command_reports_an_unreachable_database(capsys) -> None:
    assert team_accounts.main(["list"], Settings(database_url=BROKEN_URL)) == 1
    assert "the database cannot be reached" in capsys.readouterr().err
