"""A ticket's routes that the team API and the console share: the queue's filters and unread replies, a
secure-message ticket's thread (read, reply, mark answered) and the identified resident behind a ticket
(overview, a programme or a single module assigned, a plan note).

The handlers are written once, here, over `staff_own_space.py`; each door mounts them with its own staff
check (`ticket_routes(door, ...)`: the team API's bearer token, the console's cookie and CSRF token), so
the two doors cannot drift apart. What a door shows of the queue itself is its own.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from sanic import response
from sanic.request import Request

from actions.store.models import CONTACT_METHODS, TICKET_STATUSES, URGENCIES, Account, Ticket
from actions.store.tickets import QueueFilter
from bot.blocking import blocking
from bot.web import staff_own_space as own_space
from bot.web import team_input as read
from bot.web.routes import Handler, Route
from bot.web.runtime import runtime_of
from bot.web.staff_session import Staff, StaffDoor, staff_only
from bot.web.team_errors import Invalid
from guidance_library.validation import ID_PATTERN

QUEUE_PARAMS = ("urgency", "status", "topic", "due_before", "mine", "limit", "contact_method", "unread")


# -- the queue --------------------------------------------------------------------------------------
def queue_filter(request: Request, account: Account) -> QueueFilter:
    """The queue's filters from the query (each checked: 422 naming the parameter)."""
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
    method = params.get("contact_method")
    if method is not None and method not in CONTACT_METHODS:
        raise Invalid("contact_method", f"must be one of {', '.join(CONTACT_METHODS)}")
    return QueueFilter(urgency=urgency, status=statuses, topic_id=topic, due_before=due_before,
                       assignee_id=account.id if mine else None, limit=limit, contact_method=method)


async def ticket_queue(request: Request, staff: Staff, **fixed: Any) -> tuple[list[Ticket], dict[int, int]]:
    """The queue as filtered (`unread=true`: only tickets with resident replies the team has not dealt with;
    `fixed`: filters a door sets itself), and each listed ticket's count of those replies."""
    filters = queue_filter(request, staff.account)
    query = read.query(request, QUEUE_PARAMS)
    unread_only = read.boolean(query["unread"], "unread") if "unread" in query else False
    messages = staff.team.messages
    if unread_only:
        waiting = await blocking(messages.unread_replies) if messages is not None else {}
        fixed["ticket_ids"] = sorted(waiting)
    filters = dataclasses.replace(filters, **fixed)
    tickets = await blocking(staff.team.tickets.queue, staff.account, filters)
    unread = await blocking(messages.unread_replies, [t.id for t in tickets]) if messages is not None else {}
    return tickets, unread


# -- a secure-message ticket's thread, and the identified resident behind a ticket (issue 18) ----------
async def read_thread(_: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    return response.json(await own_space.thread(staff, read.ticket_id(ticket_id)))


async def send_message(request: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    """A message to the resident (201; the same idempotency key again: the stored one, 200)."""
    number = read.ticket_id(ticket_id)
    text, key, last_seen_id = own_space.read_reply(request)
    runtime = runtime_of(request)
    message, created = await own_space.reply(staff, runtime.relay, runtime.announced, number, text, key, last_seen_id)
    return response.json(message, status=201 if created else 200)


async def answered(request: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    """The resident's messages up to the one named are dealt with, no reply written."""
    number = read.ticket_id(ticket_id)
    last_seen_id = own_space.read_answered(request)
    return response.json({"ticket_id": number, "marked": await own_space.mark_answered(staff, number, last_seen_id)})


async def person(request: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    number = read.ticket_id(ticket_id)
    runtime = runtime_of(request)
    library = await blocking(runtime.library)
    return response.json(await own_space.person_overview(staff, library, runtime.today(), number))


async def assign_programme(request: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    """Assign a programme or a single module of it (201; already active: that enrolment, 200)."""
    number = read.ticket_id(ticket_id)
    runtime = runtime_of(request)
    library = await blocking(runtime.library)
    programme, goal, module = own_space.read_assignment(request, library)
    enrolment, created = await own_space.assign(staff, library, runtime.today(), number, programme, goal, module)
    return response.json(enrolment, status=201 if created else 200)


async def plan_note(request: Request, staff: Staff, ticket_id: str) -> response.HTTPResponse:
    number = read.ticket_id(ticket_id)
    text, enrolment_id, key = own_space.read_plan_note(request)
    note, created = await own_space.add_plan_note(staff, number, text, enrolment_id, key)
    return response.json(note, status=201 if created else 200)


# (method, path below a door's ticket prefix, handler); a POST changes something
OWN_SPACE_ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/<ticket_id>/messages", read_thread),
    ("POST", "/<ticket_id>/messages", send_message),
    ("POST", "/<ticket_id>/answered", answered),
    ("GET", "/<ticket_id>/person", person),
    ("POST", "/<ticket_id>/person/programmes", assign_programme),
    ("POST", "/<ticket_id>/person/plan-notes", plan_note),
)


def own_space_routes(door: StaffDoor, prefix: str, roles: tuple[str, ...] | None = None) -> tuple[Route, ...]:
    """The shared ticket routes under `prefix`, each behind the door's own staff check (a POST is a change:
    the CSRF token on a cookie door)."""
    return tuple(Route(method, prefix + uri, staff_only(door, change=method != "GET", roles=roles)(handler),
                       name=f"ticket_{handler.__name__}") for method, uri, handler in OWN_SPACE_ROUTES)
