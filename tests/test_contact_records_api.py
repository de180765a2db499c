"""The team API's contact routes (issue 20) over real HTTP on SQLite and PostgreSQL: every field and refusal
(422 naming the field, in Finnish), roles (401/403), 404, a follow-up ticket, a ticket closed with the
contact fields, the options and the figures; each answer checked against the OpenAPI description."""
from __future__ import annotations

import ipaddress
import re
from typing import Any

import pytest
from sanic import Sanic

from actions.store.models import AnalyticsEvent, ContactRecord, Ticket
from bench.stack import free_port
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.team_stores import TeamStores
from tests.helpers import cheap_hashes, staff_stores  # noqa: F401 - cheap_hashes: a fixture
from tests.servers import ThreadedServer
from tests.test_team_api import PASSWORD, WEDNESDAY_10, Server, conforms, draft

PATH = "asiakasmaksut-maksukatto"
ENGLISH = re.compile(r"\b(the|is|are|must|not|invalid|missing|field|value|expected|should|required)\b",
                     re.IGNORECASE)
Sanic.test_mode = True  # a second app in one process (see tests/test_team_api.py)


@pytest.fixture(scope="module")
def server() -> Server:
    """One app for the module; each test's `team` swaps in stores on its own database."""
    port = free_port()
    served = Server(f"http://127.0.0.1:{port}/team/api")
    app = create_app(Settings(webchat_port=port, trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),)),
                     name=f"test_contact_api_{port}", team_stores=lambda: served.source["stores"]())
    running = ThreadedServer(app, port, served.url + "/openapi.json")
    yield served
    running.stop()


class Team:
    def __init__(self, server: Server, database_url: str) -> None:
        made = staff_stores(database_url, WEDNESDAY_10, accounts_on_the_clock=True)
        self.server, self.engine, self.tickets, self.accounts = server, made.engine, made.tickets, made.accounts
        stores = TeamStores(self.tickets, self.accounts, frozenset({"mielenterveys"}))
        server.source["stores"] = lambda: stores
        for username, role in (("pro", "professional"), ("pro2", "professional"), ("editor", "editor"),
                               ("admin", "admin"), ("boss", "manager")):
            self.accounts.create(username, username.capitalize(), role, PASSWORD)
        self.tokens = {name: self.sign_in(name) for name in ("pro", "pro2", "editor", "admin", "boss")}

    def sign_in(self, username: str) -> str:
        answer = self.server.call("POST", "/session", {"username": username, "password": PASSWORD})
        assert answer.status == 201, answer.text
        return answer.json["token"]

    def call(self, method: str, path: str, body: Any = None, *, who: str | None = "pro", **kwargs):
        return self.server.call(method, path, body, token=self.tokens.get(who) if who else None, **kwargs)

    def count(self, model) -> int:
        from sqlalchemy import func, select
        from sqlalchemy.orm import Session
        with Session(self.engine) as session:
            return int(session.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.fixture
def team(server: Server, database_url: str):
    made = Team(server, database_url)
    yield made
    made.engine.dispose()


def form(**changes: Any) -> dict[str, Any]:
    body = {"idempotency_key": "form-1", "channel": "phone", "contactor": "resident", "reasons": ["health", "booking"],
            "onward": "referred_within_region", "service_area": "primary_health_care", "path_id": PATH,
            "path_sent_via": "email", "note": "Kysyi maksukatosta, hetu 131052-308T."}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def test_a_phone_contact_is_recorded_listed_and_read(team: Team) -> None:
    made = team.call("POST", "/contacts", form(contact_at="2026-11-25T09:40:00+02:00"))
    record = conforms(made, "POST", "/contacts")
    assert made.status == 201 and record["recorded_by"] == "pro" and "idempotency_key" not in record
    assert (record["channel"], record["service_area"], record["path_id"], record["path_sent_via"]) == (
        "phone", "primary_health_care", PATH, "email")
    assert "131052-308T" not in record["note"] and record["contact_at"] == "2026-11-25T07:40:00+00:00"
    again = team.call("POST", "/contacts", form(note="toinen klikkaus"))
    assert again.status == 200 and again.json["id"] == record["id"] and team.count(ContactRecord) == 1
    listed = conforms(team.call("GET", "/contacts?from=2026-11-25&to=2026-11-25&channel=phone"), "GET", "/contacts")
    assert [c["id"] for c in listed["contacts"]] == [record["id"]]
    assert team.call("GET", "/contacts?channel=chat").json["count"] == 0
    assert team.call("GET", "/contacts?from=2026-11-26").json["count"] == 0
    read = conforms(team.call("GET", f"/contacts/{record['id']}"), "GET", "/contacts/{contact_id}")
    assert read["id"] == record["id"]
    actions = [e.action for e in team.tickets.access_log()]
    assert actions[:4] == ["contact_read", "contact_list", "contact_read", "contact_create"]  # (the replay: a read)


def test_a_follow_up_answers_with_its_ticket_in_the_queue(team: Team) -> None:
    made = team.call("POST", "/contacts", form(channel="walk_in", follow_up=True, urgency="normal",
                                               callback_phone="040 123 4567", follow_up_consent=True))
    record = conforms(made, "POST", "/contacts")
    ticket = record["follow_up_ticket"]
    assert made.status == 201 and ticket["status"] == "new" and record["follow_up_ticket_id"] == ticket["id"]
    assert ticket["answer_by"].startswith("2026-11-26T13:00:00")  # the next working day's closing, UTC
    queued = team.call("GET", "/tickets").json["tickets"]
    assert [(t["id"], t["channel"], t["phone"]) for t in queued] == [(ticket["id"], "recorded_contact", "+358401234567")]


@pytest.mark.parametrize("changes, field", [
    ({"channel": "fax"}, "channel"), ({"channel": None}, "channel"), ({"contactor": "naapuri"}, "contactor"),
    ({"contactor": None}, "contactor"), ({"reasons": []}, "reasons"), ({"reasons": ["weather"]}, "reasons"),
    ({"reasons": "health"}, "reasons"), ({"reasons": [1]}, "reasons"), ({"onward": "jonnekin"}, "onward"),
    ({"onward": None}, "onward"), ({"idempotency_key": None}, "idempotency_key"),
    ({"idempotency_key": "k" * 101}, "idempotency_key"),
    ({"contact_at": "2026-11-25T10:30:00+02:00"}, "contact_at"), ({"contact_at": "2026-10-01T10:00:00+03:00"}, "contact_at"),
    ({"contact_at": "2026-11-25T09:00:00"}, "contact_at"), ({"contact_at": "eilen"}, "contact_at"),
    ({"service_area": None}, "service_area"), ({"service_area": "hammaslaakari"}, "service_area"),
    ({"onward": "referred_elsewhere"}, "service_area"), ({"note": "x" * 1001}, "note"), ({"note": 5}, "note"),
    ({"path_id": "ei-tallaista-polkua"}, "path_id"), ({"path_id": None}, "path_sent_via"),
    ({"path_sent_via": "kirje"}, "path_sent_via"), ({"follow_up": "kylla"}, "follow_up"),
    ({"follow_up": True, "follow_up_consent": True}, "callback_phone"),
    ({"follow_up": True, "callback_phone": "112", "follow_up_consent": True}, "callback_phone"),
    ({"follow_up": True, "callback_phone": "040 123 4567"}, "follow_up_consent"),
    ({"follow_up": True, "callback_phone": "040 123 4567", "follow_up_consent": True, "urgency": "heti"}, "urgency"),
    ({"handoff_id": "yksi"}, "handoff_id"), ({"handoff_id": 99, "channel": "chat"}, "handoff_id"), ({"handoff_id": 99}, "channel"), ({"colour": "red"}, "colour"),
])
def test_every_bad_field_is_a_422_naming_it_in_finnish_and_nothing_is_stored(team: Team, changes, field) -> None:
    answer = team.call("POST", "/contacts", form(**changes))
    conforms(answer, "POST", "/contacts")
    assert answer.status == 422 and answer.json["field"] == field, answer.text
    message = answer.json["message"]
    assert not ENGLISH.search(message), message  # the Finnish text, not an English default
    assert message[0].isupper() and message.rstrip()[-1] in ".?:)" and len(message.split()) >= 2, message
    assert team.count(ContactRecord) == team.count(Ticket) == team.count(AnalyticsEvent) == 0


@pytest.mark.parametrize("raw", [b"", b"{}", b"[]", b"not json"])
def test_an_empty_or_malformed_body_is_a_422(team: Team, raw: bytes) -> None:
    answer = team.call("POST", "/contacts", raw=raw)
    assert answer.status == 422 and answer.json["field"] == "body" and "Lomake" in answer.json["message"]


def test_roles_and_missing_records(team: Team) -> None:
    assert team.call("POST", "/contacts", form(), who=None).status == 401
    for who in ("editor", "admin", "boss"):
        assert team.call("POST", "/contacts", form(), who=who).status == 403
        assert team.call("GET", "/contacts", who=who).status == 403
    assert team.call("GET", "/contact-report", who="pro").status == 403
    assert team.call("GET", "/contact-report", who="editor").status == 403
    assert team.call("GET", "/contact-options", who="editor").status == 403
    for path in ("/contacts/999", "/contacts/abc", "/contacts/0"):
        answer = team.call("GET", path)
        assert answer.status == 404 and answer.json["error"] == "not_found"
    assert team.call("GET", "/contacts?channel=fax").json["field"] == "channel"
    assert team.call("GET", "/contacts?from=25.11.2026").json["field"] == "from"
    assert team.call("GET", "/contacts?limit=0").json["field"] == "limit"


def test_the_options_name_every_code_in_finnish_and_the_regions_areas(team: Team) -> None:
    for who in ("pro", "boss", "admin"):
        options = conforms(team.call("GET", "/contact-options", who=who), "GET", "/contact-options")
    assert [c["code"] for c in options["channels"]] == ["phone", "chat", "secure_message", "email", "walk_in", "other"]
    assert {"code": "unknown", "label": "Ei tietoa"} in options["contactors"]
    assert options["service_areas"][0] == {"code": "primary_health_care", "label": "Perusterveydenhuollon vastaanotto"}
    assert options["requires_service_area"] == "referred_within_region"


def test_closing_a_ticket_with_the_contact_fields_records_it_once(team: Team) -> None:
    ticket = team.tickets.create(draft(), "chat-1")[0]
    assert team.call("POST", f"/tickets/{ticket.id}/claim").status == 200
    bad = team.call("POST", f"/tickets/{ticket.id}/close", {"outcome": "referred_within_region", "reasons": ["health"]})
    assert bad.status == 422 and bad.json["field"] == "service_area"
    closed = team.call("POST", f"/tickets/{ticket.id}/close",
                       {"outcome": "referred_within_region", "service_area": "older_people", "contactor": "relative",
                        "reasons": ["health", "on_behalf"], "note": "Tytär soitti äidin puolesta."})
    body = conforms(closed, "POST", "/tickets/{ticket_id}/close")
    assert body["status"] == "closed" and body["contact_record"]["source_ticket_id"] == ticket.id
    assert (body["contact_record"]["channel"], body["contact_record"]["onward"]) == ("chat", "referred_within_region")
    again = team.call("POST", f"/tickets/{ticket.id}/close", {"outcome": "no_further_need", "reasons": ["health"]})
    assert again.status == 409 and team.count(ContactRecord) == 1
    plain = team.tickets.create(draft(), "chat-2")[0]
    team.call("POST", f"/tickets/{plain.id}/claim")
    answer = team.call("POST", f"/tickets/{plain.id}/close", {"outcome": "no_further_need"})
    assert answer.status == 200 and "contact_record" not in answer.json and team.count(ContactRecord) == 1
    mismatch = team.tickets.create(draft(), "chat-3")[0]
    team.call("POST", f"/tickets/{mismatch.id}/claim")
    refused = team.call("POST", f"/tickets/{mismatch.id}/close", {"outcome": "no_further_need",
                                                                  "onward": "referred_elsewhere"})
    assert refused.status == 422 and refused.json["field"] == "onward"


def test_the_figures_for_managers(team: Team) -> None:
    team.call("POST", "/contacts", form())
    team.call("POST", "/contacts", form(idempotency_key="form-2", channel="chat", onward="no_further_need",
                                        service_area=None, reasons=["social"]))
    figures = conforms(team.call("GET", "/contact-report?from=2026-11-25&to=2026-11-25", who="boss"),
                       "GET", "/contact-report")
    assert figures["contacts"] == 2
    assert {r["code"]: r["share"] for r in figures["by_channel"] if r["count"]} == {"phone": 0.5, "chat": 0.5}
    assert figures["by_service_area"][0] == {"code": "primary_health_care", "count": 1, "share": 1.0,
                                             "name": "Perusterveydenhuollon vastaanotto", "share_of_contacts": 0.5}
    assert figures["open_hours"][9] is True and figures["open_hours"][20] is False
    # the profile's plan, in the schema `conforms` checked; the store's clock is 10.00 that Wednesday, so
    # 9-10 was staffed and the later hours are not yet
    assert figures["staffing"]["staff_hours"][9] > 0 and figures["staffing"]["staff_hours"][10] == 0
    assert figures["staffing"]["planned_days"] == 1
    assert team.call("GET", "/contact-report?from=2026-11-26&to=2026-11-25", who="admin").json["field"] == "to"
    assert team.call("GET", "/contact-report?from=huomenna", who="admin").json["field"] == "from"
    assert not any(e.action.startswith("contact_") and e.account_id is not None and e.actor == "account:boss"
                   for e in team.tickets.access_log())



def test_a_live_chat_is_recorded_once_by_the_professional_who_held_it(team: Team) -> None:
    from actions.store.handoffs import HandoffStore
    from sqlalchemy.orm import sessionmaker

    handoffs = HandoffStore(sessionmaker(team.engine, future=True, expire_on_commit=False))
    handoff, _ = handoffs.enqueue("conv-live", {})
    handoffs.take(team.accounts.by_username("pro"), handoff.id)
    body = form(idempotency_key="chat-1", channel="chat", handoff_id=handoff.id)
    assert team.call("POST", "/contacts", {**body, "channel": "phone"}).json["field"] == "channel"
    answer = team.call("POST", "/contacts", body, who="pro2")
    assert answer.status == 409 and team.count(ContactRecord) == 0  # only its holder records it
    assert answer.json["error"] == "conflict"  # not "already_recorded": the console must not hand it back
    made = conforms(team.call("POST", "/contacts", body), "POST", "/contacts")
    assert made["source_handoff_id"] == handoff.id
    again = team.call("POST", "/contacts", {**body, "idempotency_key": "chat-2"})
    assert conforms(again, "POST", "/contacts") and again.status == 409 and team.count(ContactRecord) == 1
    assert again.json["error"] == "already_recorded"


def test_form_keys_are_the_accounts_own_and_never_the_closes(team: Team) -> None:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from actions.store.models import AccessLogEntry

    def reads() -> int:
        with Session(team.engine) as session:
            return int(session.execute(select(func.count()).select_from(AccessLogEntry)
                                       .where(AccessLogEntry.action == "contact_read")).scalar_one())

    ticket = team.tickets.create(draft(), "chat-keys")[0]
    # a client key shaped like the close's own key does not block the ticket's close (it was a 500)
    early = team.call("POST", "/contacts", form(idempotency_key=f"ticket:{ticket.id}"))
    assert early.status == 201, early.text
    assert team.call("POST", f"/tickets/{ticket.id}/claim").status == 200
    closed = team.call("POST", f"/tickets/{ticket.id}/close", {"outcome": "no_further_need", "reasons": ["health"]})
    assert closed.status == 200, closed.text
    assert closed.json["contact_record"]["id"] != early.json["id"]
    assert closed.json["contact_record"]["source_ticket_id"] == ticket.id
    # another account repeating a key gets its own record, never the first account's (nor its note)
    mine = team.call("POST", "/contacts", form(idempotency_key="shared", note="Vain minun muistiinpanoni."))
    theirs = team.call("POST", "/contacts", form(idempotency_key="shared", note="Toinen."), who="pro2")
    assert (mine.status, theirs.status) == (201, 201)
    assert theirs.json["id"] != mine.json["id"] and theirs.json["recorded_by"] == "pro2"
    assert "minun" not in theirs.text
    # the same account's repeat is the same record, read in the access log
    before = reads()
    again = team.call("POST", "/contacts", form(idempotency_key="shared"))
    assert again.status == 200 and again.json["id"] == mine.json["id"]
    assert reads() == before + 1
    assert team.count(ContactRecord) == 4
