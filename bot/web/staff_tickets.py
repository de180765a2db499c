"""A ticket's routes that the team API and the console share: the queue's filters and unread replies, a
secure-message ticket's thread (read, reply, mark answered) and the identified resident behind a ticket
(overview, a programme or a single module assigned, a plan note).

The handlers are written once, here, over `staff_own_space.py`; each door mounts them with its own staff
check (`ticket_routes(door, ...)`: the team API's bearer token, the console's cookie and CSRF token), so
the two doors cannot drift apart. What a door shows of the queue itself is its own.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from sanic import response
from sanic.request import Request

from actions.store.analytics_report import Period, PeriodError
from actions.store.contact_report import PRACTICAL_REASONS
from actions.store.contacts import (FOLLOW_UP_CONSENT_TEXT, MAX_AGE, MAX_KEY, ContactDraft, ContactFilter,
                                    ContactNotFound, ContactStore, contact_labels)
from actions.store.contacts import MAX_NOTE as MAX_CONTACT_NOTE
from actions.store.models import (CONTACT_CHANNELS, CONTACT_METHODS, CONTACTORS, OUTCOMES, PATH_SENT_VIA, REASONS,
                                  TICKET_STATUSES, URGENCIES, WITHIN_REGION, Account, ContactRecord, Ticket)
from actions.store.tickets import QueueFilter
from bot.blocking import blocking
from bot.web import staff_own_space as own_space
from bot.web import team_input as read
from bot.web.routes import Handler, Route
from bot.web.runtime import runtime_of
from bot.web.staff_session import Staff, StaffDoor, staff_only
from bot.web.team_errors import ApiProblem, Invalid
from guidance_library.models import GuidanceLibrary
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


# -- contact records (issue 20): recorded, listed, read; the form's options; the figures ----------------
# Written once here, mounted by each door with its own staff check (`contact_routes`): the team API's
# bearer token now, the console's cookie and CSRF token when its form comes.
LOCAL_ZONE = ZoneInfo("Europe/Helsinki")
CONTACT_LIST_PARAMS = ("from", "to", "channel", "limit")
REPORT_PARAMS = ("from", "to")
REQUIRED_CONTACT_FIELDS = (("idempotency_key", "Lomakkeen tunniste (idempotency_key) puuttuu."),
                           ("channel", "Valitse kanava."), ("contactor", "Valitse, kuka otti yhteyttä."),
                           ("reasons", "Valitse vähintään yksi yhteydenoton syy."),
                           ("onward", "Valitse jatko-ohjaus."))


class ContactMissing(ApiProblem):
    status, code = 404, "not_found"


def contacts_of(staff: Staff) -> ContactStore:
    return ContactStore.beside(staff.team.tickets)


def service_areas_of(library: GuidanceLibrary) -> tuple[tuple[str, str], ...]:
    return tuple((area.id, area.name) for area in library.profile.service_areas)


def contact_draft(body: Mapping[str, Any], library: GuidanceLibrary, *, channel: str = "phone",
                  onward: str = "no_further_need") -> ContactDraft:
    """A contact form's fields (types checked here, codes and rules by `ContactDraft.validated`), its path
    checked against the live library."""
    path_id = read.finnish_text(body, "path_id", max_length=120)
    if path_id is not None and (not ID_PATTERN.fullmatch(path_id) or library.get(path_id) is None):
        raise Invalid("path_id", "Ohjauspolkua ei löydy ohjauskirjastosta.")
    return ContactDraft(channel=read.finnish_text(body, "channel", max_length=40) or channel,
                        contactor=read.finnish_text(body, "contactor", max_length=40) or "",
                        reasons=tuple(read.string_list(body, "reasons", required=False) or ()),
                        onward=read.finnish_text(body, "onward", max_length=40) or onward,
                        contact_at=read.contact_time(body, "contact_at"),
                        note=read.finnish_text(body, "note", max_length=MAX_CONTACT_NOTE) or "",
                        service_area=read.finnish_text(body, "service_area", max_length=60),
                        path_id=path_id, path_sent_via=read.finnish_text(body, "path_sent_via", max_length=20),
                        follow_up=read.finnish_flag(body, "follow_up"),
                        urgency=read.finnish_text(body, "urgency", max_length=20) or "normal",
                        callback_phone=read.finnish_text(body, "callback_phone", max_length=40),
                        follow_up_consent=read.finnish_flag(body, "follow_up_consent"),
                        reach_time=read.finnish_text(body, "reach_time", max_length=200) or "",
                        source_handoff_id=_handoff_id(body))


def _handoff_id(body: Mapping[str, Any]) -> int | None:
    try:
        return read.body_id(body, "handoff_id", required=False)
    except Invalid:
        raise Invalid("handoff_id", "Chat-keskustelun tunnisteen pitää olla kokonaisluku.") from None


def read_close(request: Request, library: GuidanceLibrary) -> tuple[str, ContactDraft | None]:
    """A close's body: the outcome (or `onward`, the same thing), and the contact fields if any were sent
    (then the ticket's contact record is written with the close)."""
    body = read.json_body(request, ("outcome", "onward", *read.CLOSE_CONTACT_FIELDS))
    outcome = read.choice(body, "outcome", OUTCOMES, required="onward" not in body)
    onward = read.choice(body, "onward", OUTCOMES, required=False)
    if outcome is not None and onward is not None and outcome != onward:
        raise Invalid("onward", "Jatko-ohjaus ja sulkemisen tulos ovat sama asia: anna vain toinen.")
    outcome = outcome or onward or ""
    if not any(name in body for name in ("onward", *read.CLOSE_CONTACT_FIELDS)):
        return outcome, None
    return outcome, contact_draft({**body, "onward": outcome}, library)


def contact_json(record: ContactRecord, usernames: Mapping[int, str]) -> dict[str, Any]:
    """Every column of the record (there is no conversation id in it), times in UTC, and who recorded it."""
    data: dict[str, Any] = {}
    for column in ContactRecord.__table__.columns:
        if column.key == "idempotency_key":
            continue
        value = getattr(record, column.key)
        data[column.key] = value.astimezone(dt.timezone.utc).isoformat() if isinstance(value, dt.datetime) else value
    data["recorded_by"] = usernames.get(record.recorded_by)
    return data


async def record_contact(request: Request, staff: Staff) -> response.HTTPResponse:
    """Record a contact (201; the same idempotency key again: the first record, 200)."""
    body = read.finnish_body(request, (*read.CONTACT_FIELDS, "send_to"))
    if not body:
        raise Invalid("body", "Lomake on tyhjä: täytä vähintään kanava, yhteydenottaja, syy ja jatko-ohjaus.")
    for name, question in REQUIRED_CONTACT_FIELDS:
        if body.get(name) in (None, "", []):
            raise Invalid(name, question)
    key = read.finnish_text(body, "idempotency_key", required=True, max_length=MAX_KEY) or ""
    library = await blocking(runtime_of(request).library)
    draft = contact_draft(body, library)
    areas = [area for area, _ in service_areas_of(library)]
    send_to = read.finnish_text(body, "send_to", max_length=320)
    if send_to is None and "send_to" in body:
        send_to = ""  # present but blank: refused with path_sent_via (`send_address`), not recorded as sent
    record, created = await blocking(contacts_of(staff).record, staff.account, draft, key, areas, send_to,
                                     send_channels(request))
    answer = contact_json(record, {staff.account.id: staff.account.username})
    if record.follow_up_ticket_id is not None:
        answer["follow_up_ticket"] = await blocking(contacts_of(staff).ticket_summary, record.follow_up_ticket_id)
    return response.json(answer, status=201 if created else 200)


def _bounds(params: Mapping[str, str]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Local days `from` and `to` (both included) as UTC bounds [start, end)."""
    start = end = None
    if "from" in params:
        start = dt.datetime.combine(read.local_day(params["from"], "from"), dt.time(), tzinfo=LOCAL_ZONE)
    if "to" in params:
        day = read.local_day(params["to"], "to") + dt.timedelta(days=1)
        end = dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_ZONE)
    if start is not None and end is not None and end <= start:
        raise Invalid("to", "Jakso päättyy ennen kuin se alkaa.")
    return start, end


async def list_contacts(request: Request, staff: Staff) -> response.HTTPResponse:
    params = read.query(request, CONTACT_LIST_PARAMS)
    start, end = _bounds(params)
    channel = params.get("channel")
    if channel is not None and channel not in CONTACT_CHANNELS:
        raise Invalid("channel", f"Tuntematon kanava. Vaihtoehdot: {', '.join(CONTACT_CHANNELS)}.")
    limit = read.integer(params["limit"], "limit", 1, 500) if "limit" in params else 100
    records = await blocking(contacts_of(staff).list, staff.account,
                             ContactFilter(start=start, end=end, channel=channel, limit=limit))
    names = await blocking(staff.team.accounts.usernames, sorted({r.recorded_by for r in records}))
    return response.json({"contacts": [contact_json(r, names) for r in records], "count": len(records)})


async def read_contact(_: Request, staff: Staff, contact_id: str) -> response.HTTPResponse:
    if not re.fullmatch(r"\d{1,9}", contact_id) or int(contact_id) < 1:
        raise ContactMissing("No contact record with this id.")
    try:
        record = await blocking(contacts_of(staff).get, staff.account, int(contact_id))
    except ContactNotFound:
        raise ContactMissing("No contact record with this id.") from None
    names = await blocking(staff.team.accounts.usernames, [record.recorded_by])
    return response.json(contact_json(record, names))


def send_channels(request: Request) -> tuple[str, ...]:
    """The channels a guidance path can be sent by: those with a sender configured (as the own space offers)."""
    return tuple(getattr(request.app.ctx, "notification_channels", ()))


def _coded(category: str, codes: tuple[str, ...]) -> list[dict[str, str]]:
    labels = contact_labels()[category]
    return [{"code": code, "label": labels[code]} for code in codes]


async def contact_options(request: Request, _staff: Staff) -> response.HTTPResponse:
    """The form's choices: codes with Finnish labels, the region's service areas, the limits."""
    library = await blocking(runtime_of(request).library)
    labels = contact_labels()
    return response.json({
        "channels": _coded("channel", CONTACT_CHANNELS), "contactors": _coded("contactor", CONTACTORS),
        "reasons": _coded("reason", REASONS),
        "reason_groups": [{"code": "practical", "label": labels["reason_group"]["practical"],
                           "reasons": list(PRACTICAL_REASONS)}],
        "onward": _coded("onward", OUTCOMES), "path_sent_via": _coded("path_sent_via", PATH_SENT_VIA),
        "send_channels": [channel for channel in PATH_SENT_VIA if channel in send_channels(request)],
        "urgencies": _coded("urgency", URGENCIES),
        "service_areas": [{"code": code, "label": name} for code, name in service_areas_of(library)],
        "requires_service_area": WITHIN_REGION, "max_note": MAX_CONTACT_NOTE,
        "max_age_days": MAX_AGE.days, "follow_up_consent_text": FOLLOW_UP_CONSENT_TEXT,
    })


async def contact_figures(request: Request, staff: Staff) -> response.HTTPResponse:
    """The contact figures of a period of local days (default: the 30 days up to today): counts, no client data."""
    params = read.query(request, REPORT_PARAMS)
    runtime = runtime_of(request)
    try:
        period = Period.parse(params.get("from"), params.get("to"), runtime.today())
    except PeriodError as error:
        raise Invalid("to" if "ends" in str(error) or "at most" in str(error) else "from",
                      {"dates are YYYY-MM-DD": "Anna päivät muodossa VVVV-KK-PP.",
                       "the period ends before it starts": "Jakso päättyy ennen kuin se alkaa."}.get(
                          str(error), "Jakso on liian pitkä: enintään 400 päivää kerrallaan.")) from None
    library = await blocking(runtime.library)
    report = await blocking(contacts_of(staff).report, period, service_areas_of(library), staff.team.tickets.office_hours,
                            library.profile.staffing)
    return response.json(report)


# (method, path, handler, roles key): "record" routes handle client data, "figures" only counts
CONTACT_ROUTES: tuple[tuple[str, str, Handler, str], ...] = (
    ("POST", "/contacts", record_contact, "record"),
    ("GET", "/contacts", list_contacts, "record"),
    ("GET", "/contacts/<contact_id>", read_contact, "record"),
    ("GET", "/contact-options", contact_options, "options"),
    ("GET", "/contact-report", contact_figures, "figures"),
)


def contact_routes(door: StaffDoor, roles: Mapping[str, tuple[str, ...]], prefix: str = "") -> tuple[Route, ...]:
    """The contact routes under `prefix` behind the door's own staff check, each with the roles of its kind
    (`roles`: record, options, figures; a kind not in `roles` is not mounted)."""
    return tuple(Route(method, prefix + uri, staff_only(door, change=method != "GET", roles=roles[kind])(handler),
                       name=f"contact_{handler.__name__}") for method, uri, handler, kind in CONTACT_ROUTES
                 if kind in roles)
