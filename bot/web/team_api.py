"""The client-guidance team's door: a JSON API for contact-request tickets under /team/api.

Bearer-token sessions (`AccountStore`); ticket endpoints for the role professional only, account
and access-log endpoints for admin only. Every read or change of a ticket goes through
`TicketStore`, which writes the access log; so do a secure-message ticket's thread and the identified
resident's overview, programmes and plan behind a ticket (`staff_own_space.py`, over `MessageStore`
and `OwnSpaceStore`; those routes and the queue's filters are shared with the console:
`staff_tickets.py`). Store calls are blocking, so they run in worker
threads: concurrent requests really are concurrent transactions (claims stay single-winner).
Contact records (issue 20: `/contacts`, `/contact-options`, `/contact-report`) are the shared handlers of
`staff_tickets.contact_routes` over `ContactStore`; a ticket's close may carry the contact fields.
The OpenAPI description is `team_api_openapi.yml`, served at /team/api/openapi.json.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Mapping

import yaml
from sanic import response
from sanic.request import Request

from actions.store.accounts import IDLE_TIMEOUT
from actions.store.models import ROLES, URGENCIES, AccessLogEntry, \
    Account, Ticket, TicketNote
from actions.store.tickets import MAX_NOTE
from bot.web import team_input as read
from bot.blocking import blocking
from bot.web.routes import Door, Route, api_headers_middleware
from bot.web.runtime import runtime_of
from bot.web.staff_session import Staff, StaffDoor, check_credentials, staff_only
from bot.web.staff_tickets import (contact_json, contact_routes, contacts_of, own_space_routes, read_close,
                                   service_areas_of, ticket_queue)
from bot.web.team_errors import API_HEADERS, API_PREFIX, Invalid
from guidance_library.validation import ID_PATTERN

OPENAPI_FILE = Path(__file__).resolve().parent / "team_api_openapi.yml"
TICKET_ROLES = ("professional",)  # least privilege: editors and admins do not see client data
ADMIN_ROLES = ("admin",)
CONTACT_ROLES = {"record": TICKET_ROLES,                          # contact records are client data
                 "options": ("professional", "manager", "admin"),  # the form's codes and labels
                 "figures": ("manager", "admin")}                  # counts only, as the management view
QUEUE_PARAMS = ("urgency", "status", "topic", "due_before", "mine", "limit", "contact_method", "unread")
ACCESS_LOG_PARAMS = ("ticket_id", "account", "limit")
# The conversation id is the only credential of an anonymous conversation (whoever has it can write into
# the resident's chat), and the idempotency key contains it: no staff door shows either. The person key
# is the own space's handle: staff reach the resident's own space through the ticket, never by the key.
NOT_SHOWN = frozenset({"conversation_id", "idempotency_key", "person_key"})

DOOR = StaffDoor("team API", ROLES)  # bearer tokens; each route names the roles it needs
SPEC = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.timezone.utc).isoformat() if value is not None else None


def ticket_json(ticket: Ticket, usernames: Mapping[int, str]) -> dict[str, Any]:
    """Every column of the ticket but the conversation's (`NOT_SHOWN`), times in UTC (ISO 8601), and the
    assignee's username."""
    data = {}
    for column in Ticket.__table__.columns:
        if column.key in NOT_SHOWN:
            continue
        value = getattr(ticket, column.key)
        data[column.key] = _time(value) if isinstance(value, dt.datetime) else value
    data["assignee"] = usernames.get(ticket.assignee_id) if ticket.assignee_id is not None else None
    return data


def note_json(note: TicketNote, usernames: Mapping[int, str]) -> dict[str, Any]:
    return {"id": note.id, "ticket_id": note.ticket_id, "author": usernames.get(note.author_id),
            "text": note.text, "created_at": _time(note.created_at)}


def account_json(account: Account) -> dict[str, Any]:
    return {"id": account.id, "username": account.username, "display_name": account.display_name,
            "role": account.role, "active": account.active, "created_at": _time(account.created_at)}


def log_entry_json(entry: AccessLogEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": _time(entry.at), "actor": entry.actor, "account_id": entry.account_id,
            "action": entry.action, "ticket_id": entry.ticket_id, "detail": entry.detail}


async def openapi(_: Request) -> response.HTTPResponse:
    return response.json(SPEC)


# -- sessions -------------------------------------------------------------------------------------
async def sign_in(request: Request) -> response.HTTPResponse:
    team = await blocking(runtime_of(request).stores)
    signed = await check_credentials(request, team)
    account = signed.account
    return response.json({"token": signed.token, "expires_at": _time(signed.expires_at),
                          "idle_timeout_seconds": int(IDLE_TIMEOUT.total_seconds()),
                          "account": {"username": account.username, "display_name": account.display_name,
                                      "role": account.role}}, status=201)


@staff_only(DOOR)
async def sign_out(_: Request, staff: Staff) -> response.HTTPResponse:
    await blocking(staff.team.accounts.sign_out, staff.token)
    return response.empty()


# -- tickets --------------------------------------------------------------------------------------
@staff_only(DOOR, roles=TICKET_ROLES)
async def queue(request: Request, staff: Staff) -> response.HTTPResponse:
    team = staff.team
    tickets, unread = await ticket_queue(request, staff)
    names = await blocking(team.accounts.usernames, [t.assignee_id for t in tickets if t.assignee_id])
    return response.json({"tickets": [{**ticket_json(t, names), "unread_replies": unread.get(t.id, 0)}
                                      for t in tickets], "count": len(tickets)})


@staff_only(DOOR, roles=TICKET_ROLES)
async def read_ticket(_: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    team = staff.team
    ticket, notes = await blocking(team.tickets.get, staff.account, read.ticket_id(ticket_id))
    names = await blocking(team.accounts.usernames,
                           [n.author_id for n in notes] + ([ticket.assignee_id] if ticket.assignee_id else []))
    return response.json({**ticket_json(ticket, names), "notes": [note_json(n, names) for n in notes]})


@staff_only(DOOR, roles=TICKET_ROLES)
async def claim(_: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    account = staff.account
    ticket = await blocking(staff.team.tickets.claim, account, read.ticket_id(ticket_id))
    return response.json(ticket_json(ticket, {account.id: account.username}))


@staff_only(DOOR, roles=TICKET_ROLES)
async def change(request: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    team, account = staff.team, staff.account
    number = read.ticket_id(ticket_id)
    body = read.json_body(request, ("status", "urgency", "topic_id"))
    if not body:
        raise Invalid("body", "give at least one of status, urgency, topic_id")
    status = read.choice(body, "status", ("claimed", "in_progress"), required=False)
    urgency = read.choice(body, "urgency", URGENCIES, required=False)
    topic_id = read.text(body, "topic_id", required=False, max_length=120)
    if topic_id is not None and (not ID_PATTERN.fullmatch(topic_id)
                                 or (team.topics is not None and topic_id not in team.topics)):
        raise Invalid("topic_id", "not a topic of the service-need catalogue")
    ticket = await blocking(team.tickets.update, account, number, status=status, urgency=urgency, topic_id=topic_id)
    return response.json(ticket_json(ticket, {account.id: account.username}))


@staff_only(DOOR, roles=TICKET_ROLES)
async def add_note(request: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    account = staff.account
    number = read.ticket_id(ticket_id)
    body = read.json_body(request, ("text",))
    note = await blocking(staff.team.tickets.add_note, account, number, read.text(body, "text", max_length=MAX_NOTE))
    return response.json(note_json(note, {account.id: account.username}), status=201)


@staff_only(DOOR, roles=TICKET_ROLES)
async def close(request: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    account = staff.account
    number = read.ticket_id(ticket_id)
    library = await blocking(runtime_of(request).library)
    outcome, contact = read_close(request, library)
    ticket = await blocking(staff.team.tickets.close, account, number, outcome, contact,
                            [area for area, _ in service_areas_of(library)])
    answer = ticket_json(ticket, {account.id: account.username})
    if contact is not None:
        record = await blocking(contacts_of(staff).of_ticket, ticket.id)
        answer["contact_record"] = contact_json(record, {account.id: account.username}) if record else None
    return response.json(answer)


# -- administration -------------------------------------------------------------------------------
@staff_only(DOOR, roles=ADMIN_ROLES)
async def create_account(request: Request, staff: Staff) -> response.HTTPResponse:
    body = read.json_body(request, ("username", "display_name", "role", "password"))
    username = read.text(body, "username", max_length=80)
    display_name = read.text(body, "display_name", max_length=200)
    role = read.choice(body, "role", ROLES)
    password = read.text(body, "password", max_length=1024)
    account = await blocking(staff.team.accounts.create, username, display_name, role, password)
    return response.json(account_json(account), status=201)


@staff_only(DOOR, roles=ADMIN_ROLES)
async def access_log(request: Request, staff: Staff) -> response.HTTPResponse:
    team = staff.team
    params = read.query(request, ACCESS_LOG_PARAMS)
    ticket = read.integer(params["ticket_id"], "ticket_id") if "ticket_id" in params else None
    limit = read.integer(params["limit"], "limit", 1, 1000) if "limit" in params else 200
    account_id = None
    if "account" in params:
        who = await blocking(team.accounts.by_username, params["account"])
        if who is None:
            raise Invalid("account", "no account with this username")
        account_id = who.id
    entries = await blocking(team.tickets.access_log, ticket, limit, account_id)
    return response.json({"entries": [log_entry_json(e) for e in entries], "count": len(entries)})


TEAM_API = Door("team_api", API_PREFIX, routes=(
    Route("GET", "/openapi.json", openapi),
    Route("POST", "/session", sign_in),
    Route("DELETE", "/session", sign_out),
    Route("GET", "/tickets", queue),
    Route("GET", "/tickets/<ticket_id>", read_ticket),
    Route("POST", "/tickets/<ticket_id>/claim", claim),
    Route("PATCH", "/tickets/<ticket_id>", change),
    Route("POST", "/tickets/<ticket_id>/notes", add_note),
    Route("POST", "/tickets/<ticket_id>/close", close),
    *own_space_routes(DOOR, "/tickets", roles=TICKET_ROLES),  # the thread and the person: shared with the console
    *contact_routes(DOOR, CONTACT_ROLES),                     # issue 20: one record for every contact
    Route("POST", "/accounts", create_account),
    Route("GET", "/access-log", access_log),
), response_middleware=(api_headers_middleware("", API_HEADERS),))
