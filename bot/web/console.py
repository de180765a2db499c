"""The professionals' door: the live-handoff console under /console.

Same accounts as the team API, role professional only. The session is a cookie (HttpOnly,
SameSite=Strict, Secure over https) holding an `AccountStore` session token; every state-changing
request must also carry the CSRF token (header X-CSRF-Token), an HMAC of the session token that
the page gets at sign-in and never lives in a cookie, and a cross-site Origin is refused outright.
The browser never sees a conversation id: handoffs are addressed by their row id, and every route
checks that the professional holds the conversation. Reads of a conversation are access-logged.

"Kirjaa yhteydenotto" (issue 20) records a phone call, chat, message or visit through the same handlers as
the team API (`staff_tickets.contact_routes`, under /console/api: POST /contacts, GET /contacts,
GET /contact-options), behind the console's cookie and CSRF token; a guidance path may be sent to the
resident through the notification outbox in the same transaction. A contact request is closed with the
same fields (POST /console/api/tickets/{id}/close: its one contact record written with the close), and a
live chat is recorded (channel chat, its handoff_id) before it is handed back.

Beside the live queue, the console lists the contact requests answered by secure message (marked when
the resident's replies wait) and opens one: its thread with a reply box and "Merkitse vastatuksi", and
the identified resident behind it (results, programmes with progress and diary totals, plan notes),
where a programme is assigned and a plan note written. The work and its access rules are shared with
the team API (the same handlers, `staff_tickets.py`, over `staff_own_space.py` and the stores); every read and change is in the access log.

The queue marks the conversations whose resident got an emergency answer (category and time, read
from the transcript through the relay: `emergency_marks.py`; no message text leaves it, so this is not
logged as a read), and the console shows a banner on such a conversation.

While the professional types a reply, the page tells the resident's widget so (`typing`, throttled by
the page): only the holder may send it, and it goes to the resident's page only, never into the record.

A background task returns conversations whose professional's heartbeat stopped to the queue, and
ends waits that ran too long (the resident is told and offered a contact request).
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from pathlib import Path
from typing import Any

from sanic import response
from sanic.request import Request

from actions.store.handoffs import HandoffStore
from actions.store.person_key import person_key
from actions.store.models import REASONS, URGENCIES, Account, Handoff, Ticket
from actions.store.tickets import StoreUnavailable, TicketDraft
from bot.blocking import blocking
from bot.handoff import PROFESSIONAL_ROLE
from bot.metrics import set_queue_length
from bot.settings import Secret
from bot.web import team_input as read
from bot.web.emergency_marks import EmergencyMarks  # noqa: F401 - the queue's marker (kept importable here)
from bot.web.periodic import every
from bot.web.relay_client import Relay, RelayUnavailable
from bot.web.routes import Door, Route, api_headers_middleware
from bot.web.runtime import WebRuntime, runtime_of
from bot.web.staff_session import Staff, StaffDoor, page_session, page_sign_in, page_sign_out, staff_only
from bot.web.staff_tickets import (contact_json, contact_routes, contacts_of, own_space_routes, read_close,
                                   service_areas_of, ticket_queue)
from bot.web.team_errors import API_HEADERS, ApiProblem, Invalid
from bot.web.team_stores import TeamStores
from guidance_library.rendering import render_path

logger = logging.getLogger(__name__)
CONSOLE_PREFIX = "/console"
CONSOLE_API = CONSOLE_PREFIX + "/api"
COOKIE = "console_session"
DOOR = StaffDoor("console", (PROFESSIONAL_ROLE,), cookie=COOKIE, path=CONSOLE_PREFIX)
STATIC_DIR = Path(__file__).resolve().parent / "static" / "console"
MAX_MESSAGE = 2000
CONTACT_ROLES = ("resident", "relative", "professional", "other")
CONSENT_TEXT = ("Asukas antoi live-chatissa ammattilaiselle suostumuksen siihen, että keskustelun tiedot "
                "välitetään asiakasohjaukseen yhteydenottoa varten.")
PAGE_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                                "img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class NotHeld(ApiProblem):
    status, code = 409, "conflict"


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.timezone.utc).isoformat() if value is not None else None


def _handoffs(staff: Staff) -> HandoffStore:
    if staff.team.handoffs is None:
        raise StoreUnavailable("no handoff store configured")
    return staff.team.handoffs


async def page(_: Request) -> response.HTTPResponse:
    return await response.file(STATIC_DIR / "console.html", headers=PAGE_HEADERS)


# -- session --------------------------------------------------------------------------------------
async def sign_in(request: Request) -> response.HTTPResponse:
    return await page_sign_in(request, DOOR)


@staff_only(DOOR, change=True)
async def sign_out(request: Request, staff: Staff) -> response.HTTPResponse:
    """Sign out; the conversations the professional held go back to the queue (nobody holds them)."""
    handoffs = _handoffs(staff)
    for held in await blocking(handoffs.held_by, staff.account):
        released = await blocking(handoffs.release, staff.account, held.id)
        if released is not None:
            await _tell(runtime_of(request).relay, released, "requeued")
    return await page_sign_out(request, staff)


# -- the queue ------------------------------------------------------------------------------------
@staff_only(DOOR)
async def queue(request: Request, staff: Staff) -> response.HTTPResponse:
    runtime = runtime_of(request)
    handoffs = _handoffs(staff)
    rows = await blocking(handoffs.queue)
    set_queue_length(len(rows))
    names = await _display_names(staff.team, [h.taken_by for h in rows if h.taken_by])
    now = handoffs.now()
    marks = await runtime.emergencies.marks(runtime.relay, rows)
    return response.json({"handoffs": [_queue_entry(h, staff.account, names, now, marks.get(h.id)) for h in rows],
                          "max_wait_seconds": runtime.settings.handoff.max_wait_seconds})


async def _display_names(team: TeamStores, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    accounts = await blocking(team.accounts.list_accounts)
    return {a.id: a.display_name for a in accounts if a.id in ids}


def _queue_entry(handoff: Handoff, account: Account, names: dict[int, str], now: dt.datetime,
                 emergency: dict[str, Any] | None) -> dict:
    summary = handoff.summary or {}
    return {"id": handoff.id, "status": handoff.status,
            "waiting_seconds": max(0, int((now - handoff.queued_at).total_seconds())),
            "requested_at": _time(handoff.requested_at), "topic_title": summary.get("topic_title"),
            "reason": summary.get("reason"), "has_assessment": bool(summary.get("assessment")),
            "identified": bool(summary.get("identity")),
            "taken_by": names.get(handoff.taken_by) if handoff.taken_by else None,
            "mine": handoff.taken_by == account.id,
            "emergency": emergency}  # the latest emergency answer the resident got: category, time


# -- one conversation -----------------------------------------------------------------------------
async def _tell(relay: Relay, handoff: Handoff, event: str, name: str | None = None) -> None:
    await relay.control(handoff.conversation_id, event, handoff.id, name)


def _detail(handoff: Handoff) -> dict[str, Any]:
    return {"id": handoff.id, "status": handoff.status, "summary": handoff.summary or {},
            "requested_at": _time(handoff.requested_at), "taken_at": _time(handoff.taken_at),
            "ticket_id": handoff.ticket_id}


@staff_only(DOOR, change=True)
async def take(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
    handoffs = _handoffs(staff)
    handoff = await blocking(handoffs.take, staff.account, handoff_id)
    try:
        await _tell(runtime_of(request).relay, handoff, "taken", staff.account.display_name)
    except RelayUnavailable:
        await blocking(handoffs.release, staff.account, handoff_id)  # the resident could not be told: not taken
        raise
    return response.json(_detail(handoff))


@staff_only(DOOR)
async def conversation(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
    """The conversation's summary and transcript; every read that shows something is access-logged."""
    handoffs = _handoffs(staff)
    params = read.query(request, ("after",))
    after = read.integer(params["after"], "after", 0) if "after" in params else 0
    handoff = await blocking(handoffs.held, staff.account, handoff_id)
    entries = await runtime_of(request).relay.transcript(handoff.conversation_id, after)
    if entries or after == 0:
        shown = f"messages {entries[0]['index']}-{entries[-1]['index']}" if entries else "summary"
        await blocking(handoffs.log_read, staff.account, handoff, shown)
    return response.json({**_detail(handoff), "transcript": entries})


@staff_only(DOOR, change=True)
async def heartbeat(_: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
    handoff = await blocking(_handoffs(staff).heartbeat, staff.account, handoff_id)
    return response.json({"id": handoff.id, "status": handoff.status})


@staff_only(DOOR, change=True)
async def send_message(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
    body = read.json_body(request, ("text",))
    text = (read.text(body, "text", max_length=MAX_MESSAGE) or "").strip()
    if not text:
        raise Invalid("text", "a message cannot be empty")
    handoff = await blocking(_handoffs(staff).held, staff.account, handoff_id)
    await runtime_of(request).relay.message(handoff.conversation_id, text, staff.account.display_name)
    return response.json({"ok": True}, status=201)


def first_name(display_name: str) -> str:
    """What the resident sees of who is typing: the display name's first word ("Maija Mallikas" -> "Maija")."""
    words = display_name.split()
    return words[0][:60] if words else ""


@staff_only(DOOR, change=True)
async def typing(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
    """The holder is typing a reply: the resident's page shows it; nothing is recorded or access-logged."""
    handoff = await blocking(_handoffs(staff).held, staff.account, handoff_id)
    await runtime_of(request).relay.typing(handoff.conversation_id, first_name(staff.account.display_name))
    return response.empty()


@staff_only(DOOR)
async def paths(request: Request, _staff: Staff) -> response.HTTPResponse:
    params = read.query(request, ("q",))
    words = params.get("q", "").lower().split()
    library = await blocking(runtime_of(request).library)
    found = [p for p in library.paths if all(w in f"{p.title} {p.id} {p.topic}".lower() for w in words)][:20]
    return response.json({"paths": [{"id": p.id, "title": p.title, "topic": p.topic} for p in found]})


@staff_only(DOOR, change=True)
async def send_path(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
    runtime = runtime_of(request)
    body = read.json_body(request, ("path_id",))
    library = await blocking(runtime.library)
    path = library.get(read.text(body, "path_id", max_length=120) or "")
    if path is None:
        raise Invalid("path_id", "no published guidance path with this id")
    handoff = await blocking(_handoffs(staff).held, staff.account, handoff_id)
    rendered = render_path(path, library)
    await runtime.relay.message(handoff.conversation_id, rendered.text, staff.account.display_name,
                                [{"name": link.name, "url": link.url} for link in rendered.links], path.id)
    return response.json({"ok": True, "path_id": path.id, "title": rendered.title}, status=201)


def _ticket_fields(request: Request) -> dict[str, Any]:
    """The professional's fields of a contact request from the live chat, checked."""
    body = read.json_body(request, ("reason", "contact_role", "urgency", "words", "phone", "reach_time",
                                    "consent"))
    if body.get("consent") is not True:
        raise Invalid("consent", "record the resident's consent first (true)")
    return {"reason": read.choice(body, "reason", REASONS),
            "contact_role": read.choice(body, "contact_role", CONTACT_ROLES),
            "urgency": read.choice(body, "urgency", URGENCIES),
            "resident_words": read.text(body, "words", max_length=2000) or "",
            "phone": read.text(body, "phone", max_length=40),
            "reach_time": read.text(body, "reach_time", required=False, max_length=200) or ""}


def _ticket_draft(fields: dict[str, Any], staff: Staff, handoff: Handoff, secret: Secret) -> TicketDraft:
    """The contact request: the professional's fields and what the handoff's summary holds; an identified
    resident's gets their person key, so it is listed in their own space (Omat asiat)."""
    summary = handoff.summary or {}
    identity = summary.get("identity") or {}
    code = identity.get("code")
    prefilled = {key: summary[key] for key in ("topic_title", "subject", "recent_messages") if summary.get(key)}
    prefilled["from_live_chat"] = f"account:{staff.account.username}"
    return TicketDraft(conversation_id=handoff.conversation_id,
                       channel="identified_chat" if identity.get("code") else "anonymous_chat",
                       contact_method="phone", consent_text=CONSENT_TEXT, consent_at=staff.team.tickets.now(),
                       topic_id=summary.get("topic_id"), path_id=summary.get("path_id"), prefilled=prefilled,
                       assessment=summary.get("assessment"), identity_code=code,
                       identity_name=identity.get("name"), person_key=person_key(code, secret) if code else None,
                       **fields)


@staff_only(DOOR, change=True)
async def make_ticket(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
    handoffs = _handoffs(staff)
    fields = _ticket_fields(request)
    handoff = await blocking(handoffs.held, staff.account, handoff_id)
    draft = _ticket_draft(fields, staff, handoff, runtime_of(request).person_secret)
    ticket, _created = await blocking(staff.team.tickets.create, draft, f"{handoff.conversation_id}:handoff-{handoff.id}")
    await blocking(handoffs.attach_ticket, staff.account, handoff_id, ticket.id)
    return response.json({"ticket_id": ticket.id, "reference": ticket.reference,
                          "answer_by": _time(ticket.answer_by)}, status=201)


@staff_only(DOOR, change=True)
async def hand_back(request: Request, staff: Staff, handoff_id: int) -> response.HTTPResponse:
    handoff = await blocking(_handoffs(staff).hand_back, staff.account, handoff_id)
    await _tell(runtime_of(request).relay, handoff, "returned")
    return response.json(_detail(handoff))


# -- contact requests answered by secure message (issue 18) -------------------------------------------
def _ticket_entry(ticket: Ticket, account: Account, names: dict[int, str], unread: int) -> dict[str, Any]:
    return {"id": ticket.id, "reference": ticket.reference, "status": ticket.status, "urgency": ticket.urgency,
            "reason": ticket.reason, "topic_id": ticket.topic_id, "created_at": _time(ticket.created_at),
            "answer_by": _time(ticket.answer_by), "resident_name": ticket.identity_name,
            "assignee": names.get(ticket.assignee_id) if ticket.assignee_id else None,
            "mine": ticket.assignee_id == account.id, "unread_replies": unread}


@staff_only(DOOR)
async def tickets(request: Request, staff: Staff) -> response.HTTPResponse:
    """The open contact requests answered by message (`?unread=true`: only those with replies waiting)."""
    found, unread = await ticket_queue(request, staff, contact_method="secure_message")
    names = await _display_names(staff.team, [t.assignee_id for t in found if t.assignee_id])
    return response.json({"tickets": [_ticket_entry(t, staff.account, names, unread.get(t.id, 0)) for t in found]})


@staff_only(DOOR)
async def ticket(_: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    number = read.ticket_id(ticket_id)
    found, _notes = await blocking(staff.team.tickets.get, staff.account, number)
    names = await _display_names(staff.team, [found.assignee_id] if found.assignee_id else [])
    unread = await blocking(staff.team.messages.unread_replies, [found.id]) if staff.team.messages else {}
    return response.json({**_ticket_entry(found, staff.account, names, unread.get(found.id, 0)),
                          "contact_method": found.contact_method, "resident_words": found.resident_words,
                          "assessment": found.assessment})


@staff_only(DOOR, change=True)
async def claim_ticket(_: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    number = read.ticket_id(ticket_id)
    claimed = await blocking(staff.team.tickets.claim, staff.account, number)
    return response.json(_ticket_entry(claimed, staff.account, {staff.account.id: staff.account.display_name}, 0))


@staff_only(DOOR, change=True)
async def close_ticket(request: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    """Close a held contact request with its contact fields (issue 20: the ticket's one contact record is
    written with the close, as through the team API: `read_close`)."""
    number = read.ticket_id(ticket_id)
    library = await blocking(runtime_of(request).library)
    outcome, contact = read_close(request, library)
    closed = await blocking(staff.team.tickets.close, staff.account, number, outcome, contact,
                            [area for area, _ in service_areas_of(library)])
    answer = _ticket_entry(closed, staff.account, {staff.account.id: staff.account.display_name}, 0)
    record = await blocking(contacts_of(staff).of_ticket, closed.id) if contact is not None else None
    answer["contact_record"] = contact_json(record, {staff.account.id: staff.account.username}) if record else None
    return response.json(answer)


# -- housekeeping ---------------------------------------------------------------------------------
async def sweep(runtime: WebRuntime) -> None:
    """One round: stale heartbeats back to the queue, long waits expired; the residents are told."""
    team = await blocking(runtime.stores)
    handoffs = team.handoffs
    if handoffs is None:  # stores without a live queue (the team API's own tests)
        return
    settings = runtime.settings.handoff
    for handoff in await blocking(handoffs.release_stale, dt.timedelta(seconds=settings.heartbeat_timeout_seconds)):
        await _tell_quietly(runtime.relay, handoff, "requeued")
    for handoff in await blocking(handoffs.expire_waiting, dt.timedelta(seconds=settings.max_wait_seconds)):
        await _tell_quietly(runtime.relay, handoff, "expired")
    set_queue_length(len(await blocking(handoffs.queue)))


async def _tell_quietly(relay: Relay, handoff: Handoff, event: str) -> None:
    try:
        await _tell(relay, handoff, event)
    except RelayUnavailable as error:
        logger.warning("handoff %s %s, but the resident could not be told: %s", handoff.id, event, error)


async def housekeeping(runtime: WebRuntime) -> None:
    """Sweep every few seconds for as long as the server runs; one failed round is logged, not fatal."""
    interval = max(1.0, min(5.0, runtime.settings.handoff.heartbeat_timeout_seconds / 3))
    await every(interval, lambda: sweep(runtime), "handoff housekeeping", expected=(StoreUnavailable, ApiProblem))


async def start_housekeeping(app: Any, _loop: Any) -> None:
    app.ctx.console_housekeeping = asyncio.get_running_loop().create_task(housekeeping(app.ctx.runtime))


async def stop_housekeeping(app: Any, _loop: Any) -> None:
    task = getattr(app.ctx, "console_housekeeping", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


CONSOLE = Door("console", CONSOLE_PREFIX, routes=(
    Route("GET", "", page),
    Route("POST", "/api/session", sign_in),
    Route("GET", "/api/session", staff_only(DOOR)(page_session), name="session"),
    Route("DELETE", "/api/session", sign_out),
    Route("GET", "/api/queue", queue),
    Route("POST", "/api/handoffs/<handoff_id:int>/take", take),
    Route("GET", "/api/handoffs/<handoff_id:int>", conversation),
    Route("POST", "/api/handoffs/<handoff_id:int>/heartbeat", heartbeat),
    Route("POST", "/api/handoffs/<handoff_id:int>/messages", send_message),
    Route("POST", "/api/handoffs/<handoff_id:int>/typing", typing),
    Route("GET", "/api/paths", paths),
    Route("POST", "/api/handoffs/<handoff_id:int>/path", send_path),
    Route("POST", "/api/handoffs/<handoff_id:int>/ticket", make_ticket),
    Route("POST", "/api/handoffs/<handoff_id:int>/hand-back", hand_back),
    Route("GET", "/api/tickets", tickets),
    Route("GET", "/api/tickets/<ticket_id>", ticket),
    Route("POST", "/api/tickets/<ticket_id>/claim", claim_ticket),
    Route("POST", "/api/tickets/<ticket_id>/close", close_ticket),
    *own_space_routes(DOOR, "/api/tickets"),  # the thread and the person: shared with the team API
    # issue 20: the "Kirjaa yhteydenotto" form records through the team API's handlers (no figures here)
    *contact_routes(DOOR, {"record": DOOR.roles, "options": DOOR.roles}, "/api"),
), response_middleware=(api_headers_middleware(CONSOLE_API, API_HEADERS),),
    listeners=(("after_server_start", start_housekeeping), ("before_server_stop", stop_housekeeping)))
