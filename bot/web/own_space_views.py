"""What the resident's own space shows, as JSON: built from the stores' rows, the live guidance
library (programmes, instruments, topics) and the own space's texts. Pure functions, no I/O.

Times go out as ISO 8601 with their zone; dates (an assessment's day, a module's opening) are
Finnish local dates. Programme texts are rendered with the region's facts (`{{contacts...}}`). A single
module a professional assigned is its enrolment's whole content (`programme.as_enrolled`): open from the
start, and the progress counts that module only.
An assessment shows its instrument, score and band label: never diagnosis wording.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable
from urllib.parse import urlencode

from actions.programme_progress import diary_weeks
from actions.store.analytics import LOCAL_ZONE
from actions.store.messages import THREAD_METHOD, SecureMessage
from actions.store.models import AssessmentResult, NotificationAddress, ProgrammeEnrolment, ProgrammeProgress, Ticket
from bot.web.own_space_texts import OwnSpaceTexts
from guidance_library.models import GuidanceLibrary
from guidance_library.placeholders import render
from guidance_library.programme import (Module, Programme, as_enrolled, end_assessment_open, next_opening,
                                        open_modules, progress)


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL_ZONE).date()


def shown_date(day: dt.date) -> str:
    """A date as Finns write it: 7.12.2026."""
    return f"{day.day}.{day.month}.{day.year}"


def worse_url(programme_id: str) -> str:
    """The chat's "Tilanteeni on huonompi" entry: the chat starts a contact request for the programme."""
    return "/?" + urlencode({"omahoito": "huonompi", "ohjelma": programme_id})


class Renderer:
    """Programme texts with the region's facts filled in."""

    def __init__(self, library: GuidanceLibrary) -> None:
        self._scope = library.profile.placeholder_scope(library.national_contacts)

    def __call__(self, text: str) -> str:
        return render(text, self._scope) if text else text


def terms_view(texts: OwnSpaceTexts, accepted: bool) -> dict[str, Any]:
    terms = texts.terms
    return {"version": terms.version, "title": terms.title, "paragraphs": list(terms.paragraphs), "accepted": accepted}


def request_view(ticket: Ticket, unread: int, messages: int, library: GuidanceLibrary,
                 texts: OwnSpaceTexts) -> dict[str, Any]:
    """One of the resident's contact requests."""
    topic = library.topics.get(ticket.topic_id) if ticket.topic_id else None
    return {"id": ticket.id, "reference": ticket.reference, "topic": topic.need if topic else texts.no_topic,
            "status": ticket.status, "status_text": texts.statuses.get(ticket.status, ticket.status),
            "contact_method": ticket.contact_method,
            "contact_method_text": texts.contact_methods.get(ticket.contact_method, ""),
            "created_at": ticket.created_at.isoformat(), "answer_by": ticket.answer_by.isoformat(),
            "unread": unread, "messages": messages,
            "has_thread": ticket.contact_method == THREAD_METHOD,
            "can_reply": ticket.contact_method == THREAD_METHOD and ticket.status != "closed"}


def message_view(message: SecureMessage) -> dict[str, Any]:
    """A message as plain text (the page shows it with textContent); who wrote it, never the staff
    account's name (the team answers as a team)."""
    return {"id": message.id, "from": message.sender, "body": message.body, "created_at": message.created_at.isoformat(),
            "read": message.read_at is not None}


def result_view(result: AssessmentResult, library: GuidanceLibrary) -> dict[str, Any]:
    instrument = library.instruments.get(result.instrument_id)
    return {"date": local_date(result.taken_at).isoformat(), "instrument": result.instrument_id,
            "instrument_name": instrument.name if instrument is not None else result.instrument_id,
            "score": result.score, "max_score": instrument.max_score if instrument is not None else None,
            "band": result.band}


def address_view(address: NotificationAddress | None, texts: OwnSpaceTexts,
                 channels: Iterable[str] = ("email", "sms")) -> dict[str, Any]:
    """The notification address and the channels offered (only those the web app can deliver by)."""
    view: dict[str, Any] = {"note": texts.notification_note,
                            "channels": {c: texts.channels[c] for c in channels if c in texts.channels}}
    if address is not None:
        view.update(channel=address.channel, address=address.address)
    return view


def offer_view(programme: Programme, say: Renderer) -> dict[str, Any]:
    """A programme the resident may start themselves, with its goal choices."""
    goals = programme.goals
    return {"id": programme.id, "title": say(programme.title), "intro": say(programme.intro),
            "weeks": max(m.opens_after_days for m in programme.modules) // 7 + 1,
            "goal_question": say(goals.question) if goals else None,
            "goals": [{"value": g.value, "label": say(g.label), "text": say(g.text)} for g in goals.options]
            if goals else []}


def resident_may_start(programme: Programme) -> bool:
    """Programmes a resident starts themselves: those started from an assessment or a path's follow-up
    (a programme only a professional assigns is not offered)."""
    return programme.start.assessment is not None or bool(programme.start.paths)


def enrolled_programme(enrolment: ProgrammeEnrolment, library: GuidanceLibrary) -> Programme | None:
    """What the enrolment follows: its programme in the library, or only the single module of it a
    professional assigned; None when the library no longer has it."""
    programme = library.programmes.get(enrolment.programme_id)
    return as_enrolled(programme, enrolment.module_id) if programme is not None else None


def enrolment_view(enrolment: ProgrammeEnrolment, programme: Programme | None, entries: list[ProgrammeProgress],
                   today: dt.date, texts: OwnSpaceTexts, say: Renderer, detail: bool = False) -> dict[str, Any]:
    """One enrolment with its progress (`programme`: as `enrolled_programme` gives it); `detail` adds the
    open modules' content, exercises and answers. A single assigned module is named (`module`)."""
    started = local_date(enrolment.started_at)
    view: dict[str, Any] = {"id": enrolment.id, "programme": enrolment.programme_id, "status": enrolment.status,
                            "status_text": texts.enrolment_statuses.get(enrolment.status, enrolment.status),
                            "started": started.isoformat(), "goal": enrolment.goal, "module": None}
    if programme is None:  # withdrawn from the library: the enrolment is still the resident's
        view.update(title=enrolment.programme_id, modules=[], progress=0)
        return view
    if enrolment.module_id is not None:
        view["module"] = {"id": enrolment.module_id, "title": say(programme.modules[0].title)}
    done = {e.module_id for e in entries if e.kind == "module_done"}
    opened = {m.id for m in open_modules(programme, started, today)}
    goal = next((g for g in (programme.goals.options if programme.goals else ()) if g.value == enrolment.goal), None)
    upcoming = next_opening(programme, started, today)
    view.update(title=say(programme.title), goal_label=say(goal.label) if goal else None,
                goal_text=say(goal.text) if goal else None,
                progress=round(progress(programme, done) * 100),
                modules=[{"id": m.id, "title": say(m.title), "open": m.id in opened, "done": m.id in done,
                          "opens": shown_date(started + dt.timedelta(days=m.opens_after_days))}
                         for m in programme.modules],
                next_opening=upcoming.isoformat() if upcoming else None,
                next_opening_text=shown_date(upcoming) if upcoming else None,
                end_assessment=(say(programme.end_assessment.text)
                                if programme.end_assessment and end_assessment_open(programme, started, today) else None),
                worse={"label": say(programme.worse.label), "url": worse_url(programme.id)})
    if programme.diary is not None:
        diary = programme.diary
        view["diary"] = {"unit": diary.unit, "question": say(diary.question), "explanation": say(diary.explanation),
                         "examples": [say(e.label) for e in diary.examples], "max_per_day": diary.max_per_day,
                         "weeks": diary_weeks(entries, started, today)}
    if detail:
        view["worse"]["text"] = say(programme.worse.text)
        view["open_modules"] = [module_view(m, [e for e in entries if e.module_id == m.id], say)
                                for m in programme.modules if m.id in opened]
    return view


def module_view(module: Module, entries: list[ProgrammeProgress], say: Renderer) -> dict[str, Any]:
    """An open module: content, exercise, check-in, and what the resident has recorded in it."""
    exercise = module.exercise
    check_ins = [e.value for e in entries if e.kind == "checkin"]
    return {"id": module.id, "title": say(module.title), "content": [say(p) for p in module.content],
            "exercise": {"task": say(exercise.task), "records": exercise.records, "prompt": say(exercise.prompt),
                         "options": [{"value": o.value, "label": say(o.label)} for o in exercise.options],
                         "minimum": exercise.minimum, "maximum": exercise.maximum, "unit": exercise.unit},
            "check_in": {"question": say(module.check_in.question),
                         "options": [{"value": o.value, "label": say(o.label), "offer_contact": o.offer_contact}
                                     for o in module.check_in.options]},
            "recorded": [{"kind": e.kind, "value": e.value, "at": e.recorded_at.isoformat()}
                         for e in entries if e.kind in ("exercise", "diary")],
            "check_in_answer": check_ins[-1] if check_ins else None,
            "done": any(e.kind == "module_done" for e in entries)}
