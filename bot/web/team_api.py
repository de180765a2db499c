"""The client-guidance team's door: a JSON API for contact-request tickets under /team/api.

Bearer-token sessions (`AccountStore`); ticket endpoints for the role professional only, account
and access-log endpoints for admin only. Every read or change of a ticket goes through
`TicketStore`, which writes the access log. Store calls are blocking, so they run in worker
threads: concurrent requests really are concurrent transactions (claims stay single-winner).
The OpenAPI description is `team_api_openapi.yml`, served at /team/api/openapi.json.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import functools
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping, TypeVar

import yaml
from sanic import Blueprint, response
from sanic.request import Request

from actions.store.accounts import IDLE_TIMEOUT
from actions.store.models import OUTCOMES, ROLES, TICKET_STATUSES, URGENCIES, AccessLogEntry, Account, Ticket, \
    TicketNote
from actions.store.tickets import MAX_NOTE, QueueFilter
from bot.web import team_input as read
from bot.web.staff_session import client_address
from bot.web.team_errors import API_HEADERS, API_PREFIX, Forbidden, Invalid, Unauthenticated
from bot.web.team_stores import TeamStores
from guidance_library.validation import ID_PATTERN

OPENAPI_FILE = Path(__file__).resolve().parent / "team_api_openapi.yml"
TICKET_ROLES = ("professional",)  # least privilege: editors and admins do not see client data
ADMIN_ROLES = ("admin",)
QUEUE_PARAMS = ("urgency", "status", "topic", "due_before", "mine", "limit")
ACCESS_LOG_PARAMS = ("ticket_id", "account", "limit")
# The conversation id is the only credential of an anonymous conversation (whoever has it can write into
# the resident's chat), and the idempotency key contains it: no staff door shows either.
NOT_SHOWN = frozenset({"conversation_id", "idempotency_key"})

T = TypeVar("T")


async def blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking store call in a worker thread."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))


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


def bearer_token(request: Request) -> str:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Sign in first and send the token as 'Authorization: Bearer <token>'.")
    return token.strip()


Handler = Callable[..., Awaitable[response.HTTPResponse]]


def team_api_blueprint(stores: Callable[[], TeamStores]) -> Blueprint:
    """The blueprint; `stores` gives the stores (built lazily from settings, or injected by tests)."""
    blueprint = Blueprint("team_api", url_prefix=API_PREFIX)
    spec = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))

    def signed_in(*roles: str) -> Callable[[Handler], Handler]:
        """The handler gets (request, stores, account, ...) for a live session of one of these roles."""
        def decorate(handler: Handler) -> Handler:
            @functools.wraps(handler)
            async def checked(request: Request, *args: Any, **kwargs: Any) -> response.HTTPResponse:
                token = bearer_token(request)
                team = await blocking(stores)
                account = await blocking(team.accounts.account_for, token)
                if account is None:
                    raise Unauthenticated("The session has expired or ended, or the token is unknown; sign in again.")
                if account.role not in roles:
                    raise Forbidden(f"This needs the role {' or '.join(roles)}; you are signed in as {account.role}.")
                return await handler(request, team, account, *args, **kwargs)
            return checked
        return decorate

    @blueprint.middleware("response")
    async def security_headers(_: Request, answer: response.HTTPResponse) -> None:
        for name, value in API_HEADERS.items():
            answer.headers[name] = value

    @blueprint.get("/openapi.json")
    async def openapi(_: Request) -> response.HTTPResponse:
        return response.json(spec)

    # -- sessions -----------------------------------------------------------------------------------
    @blueprint.post("/session")
    async def sign_in(request: Request) -> response.HTTPResponse:
        body = read.json_body(request, ("username", "password"))
        username = read.text(body, "username", max_length=80)
        password = read.text(body, "password", max_length=1024)
        team = await blocking(stores)
        signed = await blocking(team.accounts.sign_in, username, password, client_address(request))
        if signed is None:
            raise Unauthenticated("Wrong username or password, or the account is locked or inactive.",
                                  code="invalid_credentials")
        account = signed.account
        return response.json({"token": signed.token, "expires_at": _time(signed.expires_at),
                              "idle_timeout_seconds": int(IDLE_TIMEOUT.total_seconds()),
                              "account": {"username": account.username, "display_name": account.display_name,
                                          "role": account.role}}, status=201)

    @blueprint.delete("/session")
    @signed_in(*ROLES)
    async def sign_out(request: Request, team: TeamStores, _: Account) -> response.HTTPResponse:
        await blocking(team.accounts.sign_out, bearer_token(request))
        return response.empty()

    # -- tickets ------------------------------------------------------------------------------------
    @blueprint.get("/tickets")
    @signed_in(*TICKET_ROLES)
    async def queue(request: Request, team: TeamStores, account: Account) -> response.HTTPResponse:
        params = read.query(request, QUEUE_PARAMS)
        statuses = None
        if "status" in params:
            statuses = [s.strip() for s in params["status"].split(",")]
            for status in statuses:
                if status not in TICKET_STATUSES:
                    raise Invalid("status", f"each must be one of {', '.join(TICKET_STATUSES)}")
        urgency = params.get("urgency")
        if urgency is not None and urgency not in URGENCIES:
            raise Invalid("urgency", f"must be one of {', '.join(URGENCIES)}")
        topic = params.get("topic")
        if topic is not None and not ID_PATTERN.fullmatch(topic):
            raise Invalid("topic", "a topic id: a-z, 0-9 and hyphens")
        due_before = read.aware_datetime(params["due_before"], "due_before") if "due_before" in params else None
        mine = read.boolean(params["mine"], "mine") if "mine" in params else False
        limit = read.integer(params["limit"], "limit", 1, 500) if "limit" in params else 100
        filters = QueueFilter(urgency=urgency, status=statuses, topic_id=topic, due_before=due_before,
                              assignee_id=account.id if mine else None, limit=limit)
        tickets = await blocking(team.tickets.queue, account, filters)
        names = await blocking(team.accounts.usernames, [t.assignee_id for t in tickets if t.assignee_id])
        return response.json({"tickets": [ticket_json(t, names) for t in tickets], "count": len(tickets)})

    @blueprint.get("/tickets/<ticket_id>")
    @signed_in(*TICKET_ROLES)
    async def read_ticket(request: Request, team: TeamStores, account: Account, ticket_id: str
                          ) -> response.HTTPResponse:
        ticket, notes = await blocking(team.tickets.get, account, read.ticket_id(ticket_id))
        names = await blocking(team.accounts.usernames,
                               [n.author_id for n in notes] + ([ticket.assignee_id] if ticket.assignee_id else []))
        return response.json({**ticket_json(ticket, names), "notes": [note_json(n, names) for n in notes]})

    @blueprint.post("/tickets/<ticket_id>/claim")
    @signed_in(*TICKET_ROLES)
    async def claim(request: Request, team: TeamStores, account: Account, ticket_id: str) -> response.HTTPResponse:
        ticket = await blocking(team.tickets.claim, account, read.ticket_id(ticket_id))
        return response.json(ticket_json(ticket, {account.id: account.username}))

    @blueprint.patch("/tickets/<ticket_id>")
    @signed_in(*TICKET_ROLES)
    async def change(request: Request, team: TeamStores, account: Account, ticket_id: str) -> response.HTTPResponse:
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
        ticket = await blocking(team.tickets.update, account, number, status=status, urgency=urgency,
                                topic_id=topic_id)
        return response.json(ticket_json(ticket, {account.id: account.username}))

    @blueprint.post("/tickets/<ticket_id>/notes")
    @signed_in(*TICKET_ROLES)
    async def add_note(request: Request, team: TeamStores, account: Account, ticket_id: str
                       ) -> response.HTTPResponse:
        number = read.ticket_id(ticket_id)
        body = read.json_body(request, ("text",))
        note = await blocking(team.tickets.add_note, account, number, read.text(body, "text", max_length=MAX_NOTE))
        return response.json(note_json(note, {account.id: account.username}), status=201)

    @blueprint.post("/tickets/<ticket_id>/close")
    @signed_in(*TICKET_ROLES)
    async def close(request: Request, team: TeamStores, account: Account, ticket_id: str) -> response.HTTPResponse:
        number = read.ticket_id(ticket_id)
        body = read.json_body(request, ("outcome",))
        ticket = await blocking(team.tickets.close, account, number, read.choice(body, "outcome", OUTCOMES))
        return response.json(ticket_json(ticket, {account.id: account.username}))

    # -- administration -----------------------------------------------------------------------------
    @blueprint.post("/accounts")
    @signed_in(*ADMIN_ROLES)
    async def create_account(request: Request, team: TeamStores, _: Account) -> response.HTTPResponse:
        body = read.json_body(request, ("username", "display_name", "role", "password"))
        username = read.text(body, "username", max_length=80)
        display_name = read.text(body, "display_name", max_length=200)
        role = read.choice(body, "role", ROLES)
        password = read.text(body, "password", max_length=1024)
        account = await blocking(team.accounts.create, username, display_name, role, password)
        return response.json(account_json(account), status=201)

    @blueprint.get("/access-log")
    @signed_in(*ADMIN_ROLES)
    async def access_log(request: Request, team: TeamStores, _: Account) -> response.HTTPResponse:
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

    return blueprint
