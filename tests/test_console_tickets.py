"""The professionals' console's contact requests answered by secure message (issue 18), over real HTTP on
SQLite and PostgreSQL with a fake relay: the list with its unread marker, claiming, the thread with a
reply and "Merkitse vastatuksi", the resident's overview, a programme assigned and a plan note, each
change behind the CSRF token and the held ticket, every read in the access log; the page's new parts
are labelled and built without innerHTML; and the whole view in a real browser."""
from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sanic import Sanic

from actions.store.identification import IdentificationStore
from actions.store.messages import MessageStore
from actions.store.outbox import OutboxStore
from actions.store.own_space import OwnSpaceStore
from actions.store.person_key import person_key
from actions.store.tickets import TicketDraft
from bench.stack import free_port
from bot.handoff import HandoffSettings
from bot.settings import Secret, Settings
from bot.web.app import create_app
from bot.web.team_stores import TeamStores
from tests import browsers
from tests.helpers import cheap_hashes, staff_stores  # noqa: F401 - cheap_hashes: a fixture
from bot.web.staff_own_space import Announced
from tests.servers import ThreadedServer
from tests.test_console import PASSWORD, Browser, FakeRelay, Server

Sanic.test_mode = True
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone.utc)
SECRET = Secret("test-secret-of-the-person-keys-0123456789")
RESIDENT = "131052-308T"
STATIC = Path(__file__).resolve().parent.parent / "bot" / "web" / "static" / "console"
browser = browsers.browser  # the fixture: one Chromium for this module (only the browser test uses it)


@pytest.fixture(scope="module")
def server() -> Server:
    port = free_port()
    relay = FakeRelay()
    served = Server(f"http://127.0.0.1:{port}/console/api", relay)
    settings = Settings(webchat_port=port, handoff=HandoffSettings(internal_token="x", max_wait_seconds=300,
                                                                   heartbeat_timeout_seconds=3600))
    served.app = create_app(settings, name=f"test_console_tickets_{port}",
                            team_stores=lambda: served.source["stores"](), relay=relay)
    running = ThreadedServer(served.app, port, f"http://127.0.0.1:{port}/console")
    yield served
    running.stop()


@pytest.fixture
def desk(server: Server, database_url: str):
    made = staff_stores(database_url, NOW, accounts_on_the_clock=False)
    moved = lambda: made.clock["now"]  # noqa: E731 - the test's clock
    sessions = made.tickets._sessions
    stores = TeamStores(made.tickets, made.accounts, None, made.handoffs, sessions,
                        MessageStore(sessions, SECRET, clock=moved), OwnSpaceStore(sessions, SECRET, clock=moved),
                        OutboxStore(sessions, clock=moved))
    server.source["stores"] = lambda: stores
    server.relay.calls.clear()
    server.app.ctx.runtime.announced = Announced()  # message ids start again in each database
    for username, role in (("pro", "professional"), ("pro2", "professional"), ("editor", "editor")):
        made.accounts.create(username, username.capitalize() + " Ammattilainen", role, PASSWORD)
    me = person_key(RESIDENT, SECRET)

    def ticket(key: str, method: str = "secure_message", identity: str | None = RESIDENT) -> Any:
        return made.tickets.create(TicketDraft(
            conversation_id=key.split(":")[0], channel="identified_chat" if identity else "anonymous_chat",
            contact_role="resident", reason="health", urgency="urgent",
            resident_words="Haluaisin vähentää juomista.", contact_method=method,
            phone="040 123 4567" if method == "phone" else None, consent_text="Saa välittää.", consent_at=NOW,
            identity_code=identity, identity_name="Maija Mallikas" if identity else None,
            person_key=me if identity else None), key)[0]

    yield dict(stores=stores, ticket=ticket, me=me, server=server, clock=made.clock,
               identification=IdentificationStore(sessions, clock=moved))
    made.engine.dispose()


def test_the_ticket_view_end_to_end_with_the_unread_marker_and_the_access_log(desk) -> None:
    stores, me = desk["stores"], desk["me"]
    ticket = desk["ticket"]("conv-1:form-1")
    desk["ticket"]("conv-2:form-1", method="phone")  # answered by phone: not in this list
    stores.messages.add_resident_message(me, ticket.id, "Kävin jo terveysasemalla.", "r1")
    stores.own_space.record_result(me, "auditc", 8, "riskijuomisen raja ylittyy")
    enrolment, _ = stores.own_space.enrol(me, "alkoholi", 1, "assessment", goal="stop")
    stores.own_space.record_progress(me, enrolment.id, "diary", "d1", value={"day": "2026-11-25", "amount": 0})
    desk["identification"].open_session("conv-1", dt.timedelta(hours=1), person_key=me)
    pro = Browser(desk["server"].url)
    assert pro.sign_in("pro").status == 201

    listed = pro.call("GET", "/tickets").json["tickets"]
    assert [(t["id"], t["unread_replies"], t["resident_name"]) for t in listed] == [(ticket.id, 1, "Maija Mallikas")]
    assert pro.call("GET", "/tickets?unread=true").json["tickets"][0]["id"] == ticket.id
    opened = pro.call("GET", f"/tickets/{ticket.id}").json
    assert (opened["status"], opened["resident_words"], opened["mine"]) == ("new", "Haluaisin vähentää juomista.", False)
    assert "conversation_id" not in opened and "person_key" not in opened

    assert pro.call("POST", f"/tickets/{ticket.id}/claim").status == 200
    thread = pro.call("GET", f"/tickets/{ticket.id}/messages").json
    assert [m["body"] for m in thread["messages"]] == ["Kävin jo terveysasemalla."]
    reply = {"body": "Hyvä, kiitos tiedosta!", "idempotency_key": "console-1", "last_seen_id": thread["messages"][0]["id"]}
    assert pro.call("POST", f"/tickets/{ticket.id}/messages", reply).status == 201
    assert pro.call("POST", f"/tickets/{ticket.id}/messages", reply).status == 200  # a double click: one message
    assert len(stores.messages.thread(me, ticket.id)) == 2
    assert desk["server"].relay.calls == [("message", "conv-1", "Sinulle on uusi viesti. Voit lukea sen Omat asiat "
                                           "-sivulla.", "Asiakasohjaus", None)]
    assert pro.call("GET", "/tickets?unread=true").json["tickets"] == []
    more, _ = stores.messages.add_resident_message(me, ticket.id, "Vielä yksi asia.", "r2")
    assert pro.call("GET", "/tickets").json["tickets"][0]["unread_replies"] == 1
    assert pro.call("POST", f"/tickets/{ticket.id}/answered", {"last_seen_id": more.id}).json == {
        "ticket_id": ticket.id, "marked": 1}

    overview = pro.call("GET", f"/tickets/{ticket.id}/person").json
    assert [r["score"] for r in overview["results"]] == [8]
    assert overview["programmes"][0]["goal"] == "stop" and overview["programmes"][0]["diary_weeks"][0]["dry_days"] == 1
    assigned = pro.call("POST", f"/tickets/{ticket.id}/person/programmes", {"programme_id": "stressi"})
    assert assigned.status == 201 and assigned.json["started_by"] == "professional"
    single = pro.call("POST", f"/tickets/{ticket.id}/person/programmes", {"programme_id": "stressi", "module_id": "huolet"})
    assert single.status == 201 and (single.json["module_id"], single.json["modules_total"]) == ("huolet", 1)
    written = {"text": "Soitetaan viikon päästä.", "enrolment_id": enrolment.id, "idempotency_key": "console-note-1"}
    note = pro.call("POST", f"/tickets/{ticket.id}/person/plan-notes", written)
    assert note.status == 201 and note.json["author_name"] == "Pro Ammattilainen"
    repeat = pro.call("POST", f"/tickets/{ticket.id}/person/plan-notes", written)  # a double click: one note
    assert repeat.status == 200 and repeat.json["id"] == note.json["id"] and len(stores.own_space.plan_notes(me)) == 1

    actions = [e.action for e in reversed(stores.tickets.access_log(ticket.id))]
    for action in ("list", "read", "claim", "messages-read", "message", "messages-answered", "own-space-read",
                   "programme-assign", "module-assign", "plan-note"):
        assert action in actions, action


def test_changes_need_a_session_the_csrf_token_and_the_held_ticket(desk) -> None:
    stores, me = desk["stores"], desk["me"]
    ticket = desk["ticket"]("conv-1:form-1")
    anonymous = desk["ticket"]("anon:form-1", method="phone", identity=None)
    changes = [(f"/tickets/{ticket.id}/claim", None),
               (f"/tickets/{ticket.id}/messages", {"body": "Hei", "idempotency_key": "k"}),
               (f"/tickets/{ticket.id}/answered", {"last_seen_id": 1}),
               (f"/tickets/{ticket.id}/person/programmes", {"programme_id": "mieliala"}),
               (f"/tickets/{ticket.id}/person/plan-notes", {"text": "Muistiinpano"})]
    nobody = Browser(desk["server"].url)
    for path in ("/tickets", f"/tickets/{ticket.id}", f"/tickets/{ticket.id}/messages", f"/tickets/{ticket.id}/person"):
        assert nobody.call("GET", path).status == 401, path
    assert Browser(desk["server"].url).sign_in("editor").status == 403
    pro = Browser(desk["server"].url)
    pro.sign_in("pro")
    for path, body in changes:
        assert pro.call("POST", path, body, csrf=False).json["error"] == "csrf", path
        assert pro.call("POST", path, body, headers={"Origin": "https://evil.example"}).status == 403, path
    for path, body in changes[1:]:  # not claimed yet
        assert pro.call("POST", path, body).status == 409, path
    other = Browser(desk["server"].url)
    other.sign_in("pro2")
    assert other.call("POST", f"/tickets/{ticket.id}/claim").status == 200
    for path, body in changes[1:]:
        answer = pro.call("POST", path, body)
        assert answer.status == 409 and "another professional" in answer.json["message"].lower(), path
    assert stores.messages.thread(me, ticket.id) == [] and stores.own_space.enrolments(me) == []
    assert stores.own_space.plan_notes(me) == []
    assert pro.call("POST", f"/tickets/{anonymous.id}/claim").status == 200
    for path in (f"/tickets/{anonymous.id}/messages", f"/tickets/{anonymous.id}/person"):
        assert pro.call("GET", path).status == 404, path
    bad = pro.call("POST", f"/tickets/{ticket.id}/person/programmes", {"programme_id": "ei-ole"})
    assert (bad.status, bad.json["field"]) == (422, "programme_id")
    bad = pro.call("POST", f"/tickets/{ticket.id}/person/programmes", {"programme_id": "mieliala", "module_id": "ei-ole"})
    assert (bad.status, bad.json["field"]) == (422, "module_id")
    assert pro.call("GET", "/tickets/99999999999/messages").status == 404


class _Labels(HTMLParser):
    """The ids of the form controls and of the labels' `for`."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.labelled: set[str] = set()
        self.depth_in_label = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        if tag == "label":
            self.depth_in_label += 1
            if values.get("for"):
                self.labelled.add(values["for"])
        elif tag in ("input", "select", "textarea") and values.get("type") != "hidden":
            if self.depth_in_label:
                self.labelled.add(values.get("id", ""))
            self.controls.append(values.get("id", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.depth_in_label -= 1


def test_the_page_labels_every_control_and_builds_no_html_from_data() -> None:
    page = (STATIC / "console.html").read_text(encoding="utf-8")
    parsed = _Labels()
    parsed.feed(page)
    assert set(parsed.controls) <= parsed.labelled, set(parsed.controls) - parsed.labelled
    ids = re.findall(r'id="([^"]+)"', page)
    assert sorted(ids) == sorted(set(ids)), "an id used twice"  # the script finds each part by its id
    for text in ("Merkitse vastatuksi", "Lähetä viesti", "Anna ohjelma", "Tallenna muistiinpano",
                 "Itsearvioiden tulokset", "Omahoito-ohjelmat"):
        assert text in page, text
    script = (STATIC / "console.js").read_text(encoding="utf-8")
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", script)


@browsers.NEEDS_CHROMIUM
def test_the_ticket_view_in_a_real_browser(desk, browser, database_url) -> None:  # noqa: F811 - browser: a fixture
    if database_url.startswith("postgresql"):
        pytest.skip("the page does not depend on the database")
    stores, me = desk["stores"], desk["me"]
    ticket = desk["ticket"]("conv-1:form-1")
    stores.messages.add_resident_message(me, ticket.id, "<img src=x onerror=alert(1)> Kiitos vastauksesta", "r1")
    stores.own_space.record_result(me, "auditc", 8, "riskijuomisen raja ylittyy")
    enrolment, _ = stores.own_space.enrol(me, "alkoholi", 1, "assessment", goal="reduce")
    stores.own_space.record_progress(me, enrolment.id, "diary", "d1", value={"day": "2026-11-25", "amount": 3})
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(desk["server"].url.removesuffix("/api"))
        page.fill("#username", "pro")
        page.fill("#password", PASSWORD)
        page.click("#sign-in button")
        page.wait_for_selector("#tickets >> text=UUSI VASTAUS (1)")
        page.click(f"#tickets >> text=Avaa {ticket.reference}")
        page.wait_for_selector("#thread li.resident")
        assert "<img src=x onerror=alert(1)>" in page.inner_text("#thread")  # shown as text
        assert page.eval_on_selector_all("#thread img", "els => els.length") == 0
        page.wait_for_selector("#results tbody tr")
        assert "riskijuomisen raja ylittyy" in page.inner_text("#results")
        page.wait_for_selector("#programmes table")
        assert "Juomapäiväkirja" in page.inner_text("#programmes")
        page.click("#ticket-claim")
        page.wait_for_selector("#ticket-result >> text=Otit pyynnön hoitaaksesi.")
        page.fill("#reply", "Hei! Tässä vastaus.")
        page.click("#reply-send")
        page.wait_for_selector("#thread li.staff")
        page.click("#mark-answered")
        page.wait_for_selector("#ticket-result >> text=Merkitty vastatuksi")
        page.select_option("#assign-programme", "mieliala")
        assert page.is_hidden("#assign-goal")  # mieliala has no goals
        page.click("#assign-send")
        page.wait_for_selector("#ticket-result >> text=Ohjelma annettu asukkaalle.")
        page.select_option("#assign-programme", "stressi")
        page.select_option("#assign-module", "huolet")  # one module alone
        assert page.inner_text("#assign-send") == "Anna osa"
        page.click("#assign-send")
        page.wait_for_selector("#ticket-result >> text=Osa annettu asukkaalle")
        page.wait_for_selector("#programmes >> text=vain osa: Huolet omalle paikalleen")
        page.fill("#plan-text", "Seurataan kahden viikon päästä.")
        page.click("#plan-send")
        page.wait_for_selector("#plan-notes >> text=Seurataan kahden viikon päästä.")
        assert [m.body for m in stores.messages.thread(me, ticket.id)][-1] == "Hei! Tässä vastaus."
        assert {(e.programme_id, e.module_id) for e in stores.own_space.enrolments(me)} == {
            ("alkoholi", None), ("mieliala", None), ("stressi", "huolet")}
    finally:
        page.context.close()
