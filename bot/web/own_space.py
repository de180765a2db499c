"""The strongly identified resident's own space ("Omat asiat"): its page and its JSON API.

    GET  /omat-asiat                                   the page (static HTML and JS; notification e-mails link here)
    GET  /auth/own/terms                               the service terms and whether this version is accepted
    POST /auth/own/terms            {version}          accept them (stored with time and version)
    GET  /auth/own/summary                             contact requests, assessment results, programmes, address
    GET  /auth/own/requests/<id>/messages              a contact request's thread
    POST /auth/own/requests/<id>/messages {body, idempotency_key}   a reply (a double submit stores one)
    POST /auth/own/requests/<id>/read                  the team's messages are read
    GET|POST|DELETE /auth/own/notification {channel, address}       where "Sinulle on uusi viesti" goes
    GET  /auth/own/programmes                          programmes the resident may start
    POST /auth/own/programmes       {programme, goal}  start one (the programme's start rule: after a result
                                                       at or above its cut-off, a professional first: 409)
    GET  /auth/own/programmes/<id>                     an enrolment: modules, diary weeks, the worse step
    GET  /auth/own/programmes/<id>/modules/<module>    an open module
    POST /auth/own/programmes/<id>/modules/<module>/exercise|check-in|done   {..., idempotency_key}
    POST /auth/own/programmes/<id>/diary {day, amount, idempotency_key}      a diary day
    POST /auth/own/programmes/<id>/stop                                     leave the programme

The API is under /auth because the identity cookie is sent only there. Who the resident is comes
only from the server side: the cookie's signed token -> the live identified session -> its person
key (`bot/web/resident_session.py`); nothing the client sends names a person, and the stores
answer another person's request, thread or enrolment as not found. Until this version of the terms
is accepted, the API gives only the terms. Changes sent by another site's page are refused; bodies
are JSON of at most 16 kB; anything wrong is refused whole with a Finnish message
(`own_space_texts.yml`) before the one store call that writes. The check every route passes and the
error edge are `own_space_access.py`; reading input `own_space_input.py`; the answers' JSON
`own_space_views.py`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sanic import response
from sanic.request import Request

from actions.store.access import InputRefused
from actions.store.messages import MAX_BODY
from actions.store.models import NOTIFICATION_CHANNELS, ProgrammeEnrolment
from bot.blocking import blocking
from bot.web import own_space_input as read
from bot.web import own_space_views as views
from bot.web.own_space_access import HEADERS, Resident, json_answer, resident_only
from bot.web.own_space_input import Refused, invalid
from bot.web.routes import Door, Route
from bot.web.runtime import OwnSpace, runtime_of
from guidance_library.models import GuidanceLibrary
from guidance_library.programme import Module, Programme, open_modules, open_to_start

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_ID = 2 ** 31 - 1
STARTED_BY = "resident"  # a start from the own space's list, as the enrolment records it
PAGE_HEADERS = {**HEADERS, "Content-Security-Policy": (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'self'")}


def _id(value: int) -> int:
    """A path id as the database can hold it (a larger one names nothing: not found)."""
    if not 0 < value <= MAX_ID:
        raise Refused(404, "request_not_found")
    return value


def _channels(request: Request) -> tuple[str, ...]:
    """The notification channels with a sender configured (`delivery_task.notification_channels`)."""
    return tuple(getattr(request.app.ctx, "notification_channels", NOTIFICATION_CHANNELS))


async def _library(request: Request) -> GuidanceLibrary:
    return await blocking(runtime_of(request).library)


# -- the page and the terms ---------------------------------------------------------------------------
async def page(_: Request) -> response.HTTPResponse:
    """The own space's page; it asks the API who is identified (nothing personal is in the page)."""
    return await response.file(STATIC_DIR / "own-space.html", headers=PAGE_HEADERS)


@resident_only(terms=False)
async def terms_view(_: Request, resident: Resident) -> response.HTTPResponse:
    accepted = await blocking(resident.own.space.terms_accepted, resident.key, resident.texts.terms.version)
    return json_answer(views.terms_view(resident.texts, accepted))


@resident_only(change=True, terms=False)
async def accept_terms(request: Request, resident: Resident) -> response.HTTPResponse:
    body = read.json_object(request, ("version",))
    if body.get("version") != resident.texts.terms.version:  # accepted as read: an older page's version is not
        raise invalid("version")
    await blocking(resident.own.space.accept_terms, resident.key, resident.texts.terms.version)
    return json_answer(views.terms_view(resident.texts, True))


# -- the summary --------------------------------------------------------------------------------------
def _summary_rows(own: OwnSpace, key: str) -> tuple[Any, ...]:
    """Everything the summary shows, read in one worker thread (each store call its own transaction)."""
    enrolments = own.space.enrolments(key)
    return (own.tickets.of_person(key), {t.ticket_id: t for t in own.messages.threads(key)}, own.space.results(key),
            [(e, own.space.progress(key, e.id)) for e in enrolments], own.outbox.address_of(key))


@resident_only()
async def summary(request: Request, resident: Resident) -> response.HTTPResponse:
    library = await _library(request)
    tickets, threads, results, enrolments, address = await blocking(_summary_rows, resident.own, resident.key)
    say, today = views.Renderer(library), runtime_of(request).today()
    requests = []
    for ticket in tickets:
        thread = threads.get(ticket.id)
        requests.append(views.request_view(ticket, thread.unread if thread else 0, thread.messages if thread else 0,
                                           library, resident.texts))
    return json_answer({
        "requests": requests,
        "unread": sum(r["unread"] for r in requests),
        "results": [views.result_view(r, library) for r in reversed(results)],  # the newest first
        "programmes": [views.enrolment_view(e, views.enrolled_programme(e, library), entries, today,
                                            resident.texts, say) for e, entries in enrolments],
        "notification": views.address_view(address, resident.texts, _channels(request)),
    })


# -- secure messages ----------------------------------------------------------------------------------
@resident_only()
async def thread(_: Request, resident: Resident, ticket_id: int) -> response.HTTPResponse:
    messages = await blocking(resident.own.messages.thread, resident.key, _id(ticket_id))
    return json_answer({"request": ticket_id, "messages": [views.message_view(m) for m in messages]})


@resident_only(change=True)
async def reply(request: Request, resident: Resident, ticket_id: int) -> response.HTTPResponse:
    body = read.json_object(request, ("body", "idempotency_key"))
    if not isinstance(body.get("body"), str):
        raise invalid("body", limit=MAX_BODY)
    message, created = await blocking(resident.own.messages.add_resident_message, resident.key, _id(ticket_id),
                                      body["body"], read.submit_key(body))
    return json_answer({"message": views.message_view(message), "stored_now": created}, 201 if created else 200)


@resident_only(change=True)
async def mark_read(_: Request, resident: Resident, ticket_id: int) -> response.HTTPResponse:
    marked = await blocking(resident.own.messages.mark_read, resident.key, _id(ticket_id))
    return json_answer({"marked_read": marked})


# -- the notification address ---------------------------------------------------------------------------
@resident_only()
async def notification(request: Request, resident: Resident) -> response.HTTPResponse:
    return json_answer(views.address_view(await blocking(resident.own.outbox.address_of, resident.key), resident.texts,
                                          _channels(request)))


@resident_only(change=True)
async def set_notification(request: Request, resident: Resident) -> response.HTTPResponse:
    body = read.json_object(request, ("channel", "address"))
    channel = body.get("channel")
    if channel not in _channels(request):  # e.g. SMS without a gateway: every notice would fail
        raise invalid("channel")
    try:
        address = await blocking(resident.own.outbox.set_address, resident.key, channel,
                                 read.string(body, "address", 320))
    except (Refused, InputRefused):
        raise invalid(f"address_{channel}") from None
    return json_answer(views.address_view(address, resident.texts, _channels(request)))


@resident_only(change=True)
async def remove_notification(request: Request, resident: Resident) -> response.HTTPResponse:
    if not await blocking(resident.own.outbox.remove_address, resident.key):
        raise Refused(404, "no_address")
    return json_answer(views.address_view(None, resident.texts, _channels(request)))


# -- self-care programmes -------------------------------------------------------------------------------
@resident_only()
async def programmes(request: Request, _resident: Resident) -> response.HTTPResponse:
    library = await _library(request)
    say = views.Renderer(library)
    return json_answer({"programmes": [views.offer_view(p, say) for p in library.programmes.values()
                                 if views.resident_may_start(p)]})


def _latest_score(own: OwnSpace, key: str, programme: Programme) -> int | None:
    """The resident's latest score of the instrument the programme's start rule follows (None: none)."""
    rule = programme.start.assessment
    results = own.space.results(key, rule.instrument) if rule is not None else []
    return results[-1].score if results else None


@resident_only(change=True)
async def start_programme(request: Request, resident: Resident) -> response.HTTPResponse:
    body = read.json_object(request, ("programme", "goal"))
    library = await _library(request)
    wanted = body.get("programme")
    programme = library.programmes.get(wanted) if isinstance(wanted, str) else None
    if programme is None:
        raise invalid("programme")
    if not views.resident_may_start(programme):
        raise Refused(403, "programme_not_offered")
    goal = body.get("goal")
    goals = {g.value for g in programme.goals.options} if programme.goals else set()
    if (goal not in goals) if goals else goal is not None:
        raise invalid("goal")
    latest = await blocking(_latest_score, resident.own, resident.key, programme)
    rule = programme.start.assessment
    if not open_to_start(programme, library.instruments.get(rule.instrument) if rule else None, latest):
        raise Refused(409, "programme_needs_contact", title=programme.title)  # as the chat would: a professional first
    enrolment, created = await blocking(resident.own.space.enrol, resident.key, programme.id, programme.version,
                                        STARTED_BY, goal)
    view = views.enrolment_view(enrolment, programme, [], runtime_of(request).today(), resident.texts,
                                views.Renderer(library))
    return json_answer({"programme": view, "started_now": created}, 201 if created else 200)


@dataclass(frozen=True)
class Place:
    """An enrolment of the resident's, its programme (only the assigned module, for a single module), the
    entries so far, and its start (local date)."""

    enrolment: ProgrammeEnrolment
    programme: Programme
    entries: list
    started: dt.date
    library: GuidanceLibrary


async def _place(request: Request, resident: Resident, enrolment_id: int) -> Place:
    """The resident's own enrolment (another person's is not found) and its programme in the library."""
    enrolment = next((e for e in await blocking(resident.own.space.enrolments, resident.key)
                      if e.id == enrolment_id), None)
    if enrolment is None:
        raise Refused(404, "enrolment_not_found")
    library = await _library(request)
    programme = views.enrolled_programme(enrolment, library)
    if programme is None:
        raise Refused(404, "programme_not_found")
    entries = await blocking(resident.own.space.progress, resident.key, enrolment.id)
    return Place(enrolment, programme, entries, views.local_date(enrolment.started_at), library)


def _open_module(request: Request, place: Place, module_id: str) -> Module:
    """A module of the programme that is open today; a later one is refused with its opening date (a single
    assigned module is open from the start, and the programme's other modules are not in that enrolment)."""
    module = place.programme.module(module_id)
    if module is None:
        raise Refused(404, "module_not_found")
    if module not in open_modules(place.programme, place.started, runtime_of(request).today()):
        opens = views.shown_date(place.started + dt.timedelta(days=module.opens_after_days))
        raise Refused(409, "module_not_open", date=opens)
    return module


@resident_only()
async def enrolment(request: Request, resident: Resident, enrolment_id: int) -> response.HTTPResponse:
    place = await _place(request, resident, enrolment_id)
    return json_answer(views.enrolment_view(place.enrolment, place.programme, place.entries, runtime_of(request).today(),
                                      resident.texts, views.Renderer(place.library), detail=True))


@resident_only()
async def module(request: Request, resident: Resident, enrolment_id: int, module_id: str) -> response.HTTPResponse:
    place = await _place(request, resident, enrolment_id)
    found = _open_module(request, place, module_id)
    return json_answer(views.module_view(found, [e for e in place.entries if e.module_id == found.id],
                                   views.Renderer(place.library)))


async def _record(resident: Resident, place: Place, kind: str, key: str, module_id: str | None,
                  value: Any, **extra: Any) -> response.HTTPResponse:
    """One step stored (a double submit with the same key returns the first: 200 instead of 201)."""
    if place.enrolment.status != "active":
        raise Refused(409, "enrolment_ended")
    entry, created = await blocking(resident.own.space.record_progress, resident.key, place.enrolment.id, kind, key,
                                    module_id, value)
    return json_answer({"kind": entry.kind, "module": entry.module_id, "value": entry.value,
                  "at": entry.recorded_at.isoformat(), "stored_now": created, **extra}, 201 if created else 200)


@resident_only(change=True)
async def exercise(request: Request, resident: Resident, enrolment_id: int, module_id: str) -> response.HTTPResponse:
    body = read.json_object(request, ("value", "day", "amount", "idempotency_key"))
    place = await _place(request, resident, enrolment_id)
    found = _open_module(request, place, module_id)
    if found.exercise.records == "diary":
        if place.programme.diary is None:
            raise Refused(404, "no_diary")
        value = read.diary_entry(place.programme.diary, body, place.started, runtime_of(request).today())
        return await _record(resident, place, "diary", read.submit_key(body), found.id, value)
    return await _record(resident, place, "exercise", read.submit_key(body), found.id,
                         read.exercise_value(found, body.get("value")))


@resident_only(change=True)
async def diary(request: Request, resident: Resident, enrolment_id: int) -> response.HTTPResponse:
    body = read.json_object(request, ("day", "amount", "idempotency_key"))
    place = await _place(request, resident, enrolment_id)
    if place.programme.diary is None:
        raise Refused(404, "no_diary")
    value = read.diary_entry(place.programme.diary, body, place.started, runtime_of(request).today())
    return await _record(resident, place, "diary", read.submit_key(body), None, value)


@resident_only(change=True)
async def check_in(request: Request, resident: Resident, enrolment_id: int, module_id: str) -> response.HTTPResponse:
    body = read.json_object(request, ("answer", "idempotency_key"))
    place = await _place(request, resident, enrolment_id)
    found = _open_module(request, place, module_id)
    answer = read.check_in_answer(found, body.get("answer"))
    offer = None
    if any(o.value == answer and o.offer_contact for o in found.check_in.options):  # the worse step, now
        offer = {"label": place.programme.worse.label, "url": views.worse_url(place.programme.id)}
    return await _record(resident, place, "checkin", read.submit_key(body), found.id, answer, offer_contact=offer)


@resident_only(change=True)
async def module_done(request: Request, resident: Resident, enrolment_id: int, module_id: str
                      ) -> response.HTTPResponse:
    body = read.json_object(request, ("idempotency_key",))
    place = await _place(request, resident, enrolment_id)
    found = _open_module(request, place, module_id)
    return await _record(resident, place, "module_done", read.submit_key(body), found.id, None)


@resident_only(change=True)
async def stop_programme(request: Request, resident: Resident, enrolment_id: int) -> response.HTTPResponse:
    """The resident leaves the programme: nothing more is recorded in it, and it can be started anew."""
    read.json_object(request, ())
    place = await _place(request, resident, enrolment_id)
    if place.enrolment.status != "active":
        raise Refused(409, "enrolment_ended")
    ended = await blocking(resident.own.space.end_enrolment, resident.key, place.enrolment.id, "stopped")
    return json_answer(views.enrolment_view(ended, place.programme, place.entries, runtime_of(request).today(),
                                      resident.texts, views.Renderer(place.library)))


OWN = "/auth/own"
OWN_SPACE = Door("own_space", "", routes=(
    Route("GET", "/omat-asiat", page),
    Route("GET", OWN + "/terms", terms_view),
    Route("POST", OWN + "/terms", accept_terms),
    Route("GET", OWN + "/summary", summary),
    Route("GET", OWN + "/requests/<ticket_id:int>/messages", thread),
    Route("POST", OWN + "/requests/<ticket_id:int>/messages", reply),
    Route("POST", OWN + "/requests/<ticket_id:int>/read", mark_read),
    Route("GET", OWN + "/notification", notification),
    Route("POST", OWN + "/notification", set_notification),
    Route("DELETE", OWN + "/notification", remove_notification),
    Route("GET", OWN + "/programmes", programmes),
    Route("POST", OWN + "/programmes", start_programme),
    Route("GET", OWN + "/programmes/<enrolment_id:int>", enrolment),
    Route("POST", OWN + "/programmes/<enrolment_id:int>/diary", diary),
    Route("POST", OWN + "/programmes/<enrolment_id:int>/stop", stop_programme),
    Route("GET", OWN + "/programmes/<enrolment_id:int>/modules/<module_id:str>", module),
    Route("POST", OWN + "/programmes/<enrolment_id:int>/modules/<module_id:str>/exercise", exercise),
    Route("POST", OWN + "/programmes/<enrolment_id:int>/modules/<module_id:str>/check-in", check_in),
    Route("POST", OWN + "/programmes/<enrolment_id:int>/modules/<module_id:str>/done", module_done),
))
