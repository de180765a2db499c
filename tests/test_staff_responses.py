"""What the staff doors show: for an anonymous conversation its id is the only credential (whoever has it
can write into the resident's chat), so no answer of the team API, the console or the management view,
JSON, page or CSV, carries a conversation id or a ticket's idempotency key (which contains it)."""
from __future__ import annotations

import json
import re
from typing import Any

from actions.store.analytics import record_event
from actions.store.person_key import person_key
from tests.test_console import PASSWORD, cheap_hashes  # noqa: F401 - a fixture
from tests.test_team_api import draft
from tests.test_untrusted_input import CONVERSATION, PERSON_SECRET, Client, app_server, doors  # noqa: F401 - fixtures

FORM_KEY = f"{CONVERSATION}:4f0c2a"  # the contact form's idempotency key: conversation id and form id
HIDDEN_FIELDS = {"conversation_id", "idempotency_key", "person_key"}
RESIDENT = "131052-308T"
CONTACT = {"channel": "phone", "contactor": "resident", "reasons": ["health", "booking"],
           "onward": "referred_within_region", "service_area": "primary_health_care", "path_id": "flunssa",
           "note": "Kysyi ajanvarauksesta."}  # a recorded contact (issue 20)


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


class _StaffCalls:
    """Calls the staff doors, keeping every answer and every route exercised; `<ticket_id>` and
    `<handoff_id>` in a route stand for the conversation's form ticket and handoff."""

    def __init__(self, base: str, ticket_id: int, handoff_id: int, secure_id: int = 0) -> None:
        self.base, self.ticket_id, self.handoff_id = base, ticket_id, handoff_id
        self.secure_id = secure_id  # the conversation's identified ticket answered by secure message
        self.answers: list[tuple[str, str, str]] = []
        self.exercised: set[tuple[str, str]] = set()

    def call(self, client: Client, method: str, route: str, body: Any = None, query: str = "",
             status: int = 200, secure: bool = False, ticket_id: int | None = None, contact_id: int = 0) -> Any:
        ticket_id = ticket_id or (self.secure_id if secure else self.ticket_id)
        path = (route.replace("<ticket_id>", str(ticket_id)).replace("<handoff_id>", str(self.handoff_id))
                .replace("<contact_id>", str(contact_id)))
        answer = client.call(method, path + query, json.dumps(body).encode() if body is not None else None)
        assert answer.status == status, (method, path, answer.status, answer.text[:300])
        self.exercised.add((method, route))
        self.answers.append((method, path, answer.text))
        return answer.json if answer.text.startswith(("[", "{")) else None

    def sign_in(self, client: Client, route: str, username: str) -> None:
        """Sign `client` in through `route` (a cookie and CSRF token, or a bearer token)."""
        session = self.call(client, "POST", route, {"username": username, "password": PASSWORD}, status=201)
        if "csrf_token" in session:
            client.headers["X-CSRF-Token"] = session["csrf_token"]
        else:
            client.headers["Authorization"] = f"Bearer {session['token']}"


def _use_the_console(staff: _StaffCalls) -> None:
    """A professional takes the conversation, answers, makes a ticket of it, hands it back."""
    console = Client(staff.base)
    staff.call(console, "GET", "/console")
    staff.sign_in(console, "/console/api/session", "pro")
    staff.call(console, "GET", "/console/api/session")
    staff.call(console, "GET", "/console/api/queue")
    staff.call(console, "POST", "/console/api/handoffs/<handoff_id>/take")
    staff.call(console, "GET", "/console/api/handoffs/<handoff_id>")
    staff.call(console, "POST", "/console/api/handoffs/<handoff_id>/heartbeat")
    staff.call(console, "POST", "/console/api/handoffs/<handoff_id>/messages", {"text": "Hei, olen hoitaja."},
               status=201)
    staff.call(console, "GET", "/console/api/paths", query="?q=flunssa")
    staff.call(console, "POST", "/console/api/handoffs/<handoff_id>/path", {"path_id": "flunssa"}, status=201)
    made = staff.call(console, "POST", "/console/api/handoffs/<handoff_id>/ticket", {
        "reason": "health", "contact_role": "resident", "urgency": "normal", "words": "Kuume jatkuu.",
        "phone": "040 123 4567", "consent": True}, status=201)
    staff.call(console, "POST", "/console/api/handoffs/<handoff_id>/typing", status=204)
    # the live chat recorded as a contact before it is handed back (issue 20), and the form's options
    staff.call(console, "GET", "/console/api/contact-options")
    chat = staff.call(console, "POST", "/console/api/contacts", dict(CONTACT, idempotency_key="console-chat",
                                                                    channel="chat", handoff_id=staff.handoff_id),
                      status=201)
    staff.call(console, "GET", "/console/api/contacts")
    staff.call(console, "GET", "/console/api/contacts/<contact_id>", contact_id=chat["id"])
    staff.call(console, "POST", "/console/api/handoffs/<handoff_id>/hand-back")
    # the console's own ticket: claimed and closed with the contact fields
    console_ticket = made["ticket_id"]
    staff.call(console, "POST", "/console/api/tickets/<ticket_id>/claim", ticket_id=console_ticket)
    staff.call(console, "POST", "/console/api/tickets/<ticket_id>/close", dict(
        outcome="no_further_need", contactor="resident", reasons=["health"]), ticket_id=console_ticket)
    # the contact request answered by secure message, and the identified resident behind it (issue 18)
    assert [t["id"] for t in staff.call(console, "GET", "/console/api/tickets")["tickets"]] == [staff.secure_id]
    staff.call(console, "GET", "/console/api/tickets/<ticket_id>", secure=True)
    staff.call(console, "POST", "/console/api/tickets/<ticket_id>/claim", secure=True)
    staff.call(console, "GET", "/console/api/tickets/<ticket_id>/messages", secure=True)
    staff.call(console, "POST", "/console/api/tickets/<ticket_id>/messages", {"body": "Hei!", "idempotency_key": "c1"},
               status=201, secure=True)
    staff.call(console, "POST", "/console/api/tickets/<ticket_id>/answered", {"last_seen_id": 1}, secure=True)
    staff.call(console, "GET", "/console/api/tickets/<ticket_id>/person", secure=True)
    staff.call(console, "POST", "/console/api/tickets/<ticket_id>/person/programmes", {"programme_id": "mieliala"},
               status=201, secure=True)
    staff.call(console, "POST", "/console/api/tickets/<ticket_id>/person/plan-notes", {"text": "Seurataan."},
               status=201, secure=True)
    staff.call(console, "DELETE", "/console/api/session", status=204)


def _use_the_team_api(staff: _StaffCalls) -> None:
    """Both tickets of the conversation, through every ticket route, and the admin's routes."""
    pro, admin = Client(staff.base), Client(staff.base)
    staff.sign_in(pro, "/team/api/session", "pro")
    staff.sign_in(admin, "/team/api/session", "admin")
    staff.call(pro, "GET", "/team/api/openapi.json")
    assert staff.call(pro, "GET", "/team/api/tickets")["count"] == 2  # open: the forms' tickets (the console's is closed)
    staff.call(pro, "GET", "/team/api/tickets/<ticket_id>")
    staff.call(pro, "POST", "/team/api/tickets/<ticket_id>/claim")
    staff.call(pro, "PATCH", "/team/api/tickets/<ticket_id>", {"urgency": "urgent"})
    staff.call(pro, "POST", "/team/api/tickets/<ticket_id>/notes", {"text": "Soitettu, ei vastannut."}, status=201)
    staff.call(pro, "POST", "/team/api/tickets/<ticket_id>/close", {"outcome": "no_further_need"})
    staff.call(pro, "GET", "/team/api/tickets/<ticket_id>/messages", secure=True)  # held since the console
    staff.call(pro, "POST", "/team/api/tickets/<ticket_id>/messages", {"body": "Vielä tämä.", "idempotency_key": "t1"},
               status=201, secure=True)
    staff.call(pro, "POST", "/team/api/tickets/<ticket_id>/answered", {"last_seen_id": 1}, secure=True)
    staff.call(pro, "GET", "/team/api/tickets/<ticket_id>/person", secure=True)
    staff.call(pro, "POST", "/team/api/tickets/<ticket_id>/person/programmes", {"programme_id": "stressi"},
               status=201, secure=True)
    staff.call(pro, "POST", "/team/api/tickets/<ticket_id>/person/plan-notes", {"text": "Soitetaan."},
               status=201, secure=True)
    staff.call(pro, "GET", "/team/api/contact-options")
    phone = staff.call(pro, "POST", "/team/api/contacts", dict(CONTACT, idempotency_key="api-phone"), status=201)
    staff.call(pro, "GET", "/team/api/contacts")
    staff.call(pro, "GET", "/team/api/contacts/<contact_id>", contact_id=phone["id"])
    staff.call(admin, "POST", "/team/api/accounts", {"username": "uusi", "display_name": "Uusi",
                                                     "role": "professional", "password": PASSWORD}, status=201)
    staff.call(admin, "GET", "/team/api/access-log")
    staff.call(pro, "DELETE", "/team/api/session", status=204)


def _use_the_management_view(staff: _StaffCalls) -> None:
    """The figures, as JSON and as CSV."""
    management = Client(staff.base)
    staff.call(management, "GET", "/management")
    staff.sign_in(management, "/management/api/session", "johtaja")
    staff.call(management, "GET", "/management/api/session")
    figures = staff.call(management, "GET", "/management/api/report")
    assert figures["conversations"] == 1 and sum(figures["tickets"]["urgency"].values()) == 3
    staff.call(management, "GET", "/management/api/report.csv")
    manager_api = Client(staff.base)  # the contact figures through the team API (issue 20): counts only
    staff.sign_in(manager_api, "/team/api/session", "johtaja")
    staff.call(manager_api, "GET", "/team/api/contact-report")
    staff.call(management, "DELETE", "/management/api/session", status=204)


def _staff_routes(app) -> set[tuple[str, str]]:
    """(method, route) of every route of every staff door, parameters written as `<name>`."""
    return {(method, re.sub(r"<(\w+):[^>]*>", r"<\1>", "/" + route.path).rstrip("/"))
            for route in app.router.routes for method in route.methods
            if route.path.startswith(("team/", "console", "management"))}


def test_no_staff_answer_carries_a_conversation_id(doors) -> None:  # noqa: F811 - the fixture
    app, base, tickets, handoffs, sessions = doors
    form_ticket, _ = tickets.create(draft(conversation_id=CONVERSATION), FORM_KEY)
    secure_ticket, _ = tickets.create(draft(conversation_id=CONVERSATION, channel="identified_chat",
                                            contact_method="secure_message", phone=None, identity_code=RESIDENT,
                                            identity_name="Maija", person_key=person_key(RESIDENT, PERSON_SECRET)),
                                      f"{CONVERSATION}:secure")
    handoff, _ = handoffs.enqueue(CONVERSATION, {"reason": "asked", "path_id": "flunssa", "topic_id": "flunssa",
                                                 "topic_title": "Flunssa", "recent_messages": ["kuumetta"]})
    with sessions() as session, session.begin():
        record_event(session, "conversation_started", CONVERSATION)
    staff = _StaffCalls(base, form_ticket.id, handoff.id, secure_ticket.id)
    _use_the_console(staff)
    _use_the_team_api(staff)
    _use_the_management_view(staff)

    assert staff.exercised == _staff_routes(app)  # every route of every staff door
    for method, path, text in staff.answers:
        assert CONVERSATION not in text, (method, path)
        if text.startswith(("[", "{")) and not path.endswith("openapi.json"):
            assert not HIDDEN_FIELDS & _keys(json.loads(text)), (method, path)
    # nor does the API's own description, but for what a client sends: a message's submit has an
    # idempotency key of the professional's own (NewMessage, NewPlanNote, NewContact), which holds no conversation id
    described = json.loads(next(t for m, p, t in staff.answers if p.endswith("openapi.json")))
    sent_by_clients = {"NewMessage", "NewPlanNote", "NewContact"}
    schemas = {name: schema for name, schema in described["components"]["schemas"].items()
               if name not in sent_by_clients}
    served = json.dumps({**described, "components": {**described["components"], "schemas": schemas}})
    assert not any(field in served for field in HIDDEN_FIELDS)
    # the access log still ties each ticket to its conversation, by a one-way hash only
    assert any(e.action == "create" and e.detail.startswith("conversation ") for e in tickets.access_log(form_ticket.id))
