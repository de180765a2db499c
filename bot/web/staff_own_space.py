"""What a professional does with an identified resident's matter behind a ticket, for the team API and the
console alike: the secure-message thread (read, reply, mark answered) with the chat announcement of a
reply, and the person overview (assessment results over time, programmes with their progress and diary
totals, plan notes), a programme or a single module of one assigned and a plan note written.

The access rules are the stores' (`MessageStore`, `OwnSpaceStore`): role professional, an identified
ticket, changes only while holding it, every read and change an access-log line in the same
transaction. Here the doors' input is read and checked against the programme data, and the answers are
built (plain data; the pages show every text with textContent).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from sanic.request import Request
from sqlalchemy.exc import SQLAlchemyError

from actions.programme_progress import diary_weeks
from actions.store.analytics import LOCAL_ZONE
from actions.store.messages import MAX_BODY, MessageStore
from actions.store.models import (Account, AssessmentResult, PlanNote, ProgrammeEnrolment, ProgrammeProgress,
                                  SecureMessage)
from actions.store.own_space import MAX_IDEMPOTENCY_KEY, MAX_PLAN_NOTE, OwnSpaceStore, PersonOverview
from actions.store.transactions import StoreUnavailable
from bot.blocking import blocking
from bot.web import team_input as read
from bot.web.relay_client import Relay, RelayUnavailable
from bot.web.staff_session import Staff
from bot.web.team_errors import Invalid
from guidance_library.models import GuidanceLibrary
from guidance_library.programme import Module, Programme, as_enrolled, progress

logger = logging.getLogger(__name__)
ANNOUNCEMENT_TEXTS = Path(__file__).resolve().parent / "announcement_texts.yml"
ANSWER_KEYS = ("value", "vastaus", "answer", "text", "teksti")
REPLY_FIELDS = ("body", "idempotency_key", "last_seen_id")
ANSWERED_FIELDS = ("last_seen_id",)
ASSIGN_FIELDS = ("programme_id", "goal", "module_id")
PLAN_NOTE_FIELDS = ("text", "enrolment_id", "idempotency_key")


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.timezone.utc).isoformat() if value is not None else None


def _local_day(value: dt.datetime) -> dt.date:
    return value.astimezone(LOCAL_ZONE).date()


def _stores(staff: Staff) -> tuple[MessageStore, OwnSpaceStore]:
    team = staff.team
    if team.messages is None or team.own_space is None:
        raise StoreUnavailable("no secure-message or own-space store configured")
    return team.messages, team.own_space


async def _accounts(staff: Staff, ids: Iterable[int | None]) -> dict[int, Account]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {a.id: a for a in await blocking(staff.team.accounts.list_accounts) if a.id in wanted}


def _author(accounts: Mapping[int, Account], account_id: int | None) -> dict[str, str | None]:
    account = accounts.get(account_id) if account_id is not None else None
    return {"author": account.username if account else None, "author_name": account.display_name if account else None}


# -- the thread ---------------------------------------------------------------------------------------
def message_json(message: SecureMessage, accounts: Mapping[int, Account]) -> dict[str, Any]:
    """One message: who wrote it (a professional's username and name; null for the resident), the text, and
    when it was written and read by the other side."""
    return {"id": message.id, "ticket_id": message.ticket_id, "sender": message.sender,
            **_author(accounts, message.staff_account_id), "body": message.body,
            "created_at": _time(message.created_at), "read_at": _time(message.read_at)}


async def thread(staff: Staff, ticket_id: int) -> dict[str, Any]:
    """The ticket's thread, oldest first, and how many of the resident's messages wait for the team."""
    messages, _own = _stores(staff)
    found = await blocking(messages.thread_for_staff, staff.account, ticket_id)
    accounts = await _accounts(staff, (m.staff_account_id for m in found))
    unread = sum(1 for m in found if m.sender == "resident" and m.read_at is None)
    return {"ticket_id": ticket_id, "messages": [message_json(m, accounts) for m in found], "unread_replies": unread}


def read_reply(request: Request) -> tuple[str, str, int | None]:
    """A professional's message: its text, the submit's idempotency key and the id of the latest resident
    message the professional was shown (optional: without it no resident message is marked dealt with);
    the store checks the rest."""
    body = read.json_body(request, REPLY_FIELDS)
    text = read.text(body, "body", max_length=2 * MAX_BODY) or ""  # the store's exact limit counts after clean-up
    key = read.text(body, "idempotency_key", max_length=MAX_IDEMPOTENCY_KEY) or ""
    return text, key, read.body_id(body, "last_seen_id", required=False)


def read_answered(request: Request) -> int:
    """"Mark answered": the id of the latest resident message the professional was shown (a later one, sent
    while they read, stays waiting)."""
    return int(read.body_id(read.json_body(request, ANSWERED_FIELDS), "last_seen_id") or 0)


class Announced:
    """The messages this process has announced, or is announcing (the latest `limit` of them). A double
    submit's second request finds its message here and announces nothing; a retry of a submit whose first
    request stored the message but failed before its announcement finished does not, and announces it.
    (A retry that reaches another replica announces again while the resident has not opened the message:
    two notices in the chat rather than none.)"""

    def __init__(self, limit: int = 1000) -> None:
        self._limit = limit
        self._ids: OrderedDict[int, None] = OrderedDict()

    def claim(self, message_id: int) -> bool:
        """True if nobody here has announced the message yet: the caller announces it now."""
        if message_id in self._ids:
            return False
        self._ids[message_id] = None
        while len(self._ids) > self._limit:
            self._ids.popitem(last=False)
        return True

    def release(self, message_id: int) -> None:
        """The announcement failed half-way: a retry announces it."""
        self._ids.pop(message_id, None)


async def reply(staff: Staff, relay: Relay, announced: Announced, ticket_id: int, text: str, key: str,
                last_seen_id: int | None = None) -> tuple[dict[str, Any], bool]:
    """Store the message (a double submit returns the first), then announce it in the resident's live
    identified chats, once (`Announced`: a retry whose first request failed before announcing announces
    it); returns (message, stored now?)."""
    messages, _own = _stores(staff)
    message, created = await blocking(messages.add_staff_message, staff.account, ticket_id, text, key, last_seen_id)
    if (created or message.read_at is None) and announced.claim(message.id):
        try:
            await announce(relay, messages, ticket_id)
        except BaseException:
            announced.release(message.id)
            raise
    return message_json(message, {staff.account.id: staff.account}), created


def announcement_texts(path: Path = ANNOUNCEMENT_TEXTS) -> dict[str, str]:
    """The chat announcement's Finnish texts (sender, text, link label and address)."""
    with path.open(encoding="utf-8") as file:
        texts = (yaml.safe_load(file) or {})["new_message"]
    return {name: str(texts[name]) for name in ("sender", "text", "link_label", "link_url")}


async def announce(relay: Relay, messages: MessageStore, ticket_id: int) -> int:
    """Tell the resident in every chat where they are identified right now that a message waits (no
    content). The message is stored already: a failure here is logged, never raised. Returns how many
    chats were told."""
    try:
        chats = await blocking(messages.live_chats, ticket_id)
    except (StoreUnavailable, SQLAlchemyError) as error:
        # the class only: a database error's text may quote its parameters (conversation ids, person keys)
        logger.warning("ticket %d: new message stored, its chat announcement skipped: %s", ticket_id,
                       type(error).__name__)
        return 0
    if not chats:
        return 0
    texts = announcement_texts()
    told = 0
    for chat in chats:
        try:
            await relay.message(chat, texts["text"], texts["sender"],
                                [{"name": texts["link_label"], "url": texts["link_url"]}])
            told += 1
        except RelayUnavailable as error:
            logger.warning("ticket %d: new message stored, but a chat could not be told: %s", ticket_id, error)
    return told


async def mark_answered(staff: Staff, ticket_id: int, last_seen_id: int) -> int:
    """The resident's waiting messages up to `last_seen_id` are dealt with (no reply written); returns how
    many were marked."""
    messages, _own = _stores(staff)
    return int(await blocking(messages.mark_answered, staff.account, ticket_id, last_seen_id))


# -- the person overview ------------------------------------------------------------------------------
def _answer(value: Any, labels: Mapping[str, str] | None = None) -> str:
    """A recorded answer as text: a choice by its label, a dict's answer field, else the JSON as is."""
    if isinstance(value, dict):
        for key in ANSWER_KEYS:
            if key in value:
                return _answer(value[key], labels)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return (labels or {}).get(value, value)
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def _with_unit(answer: str, value: Any, unit: str) -> str:
    """A number recorded for an exercise with the word after it ("5 aamuna"), as the programme asks it."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f"{answer} {unit}".strip() if is_number and unit else answer


def _module_json(module: Module, started: dt.date, done: set[str]) -> dict[str, Any]:
    return {"id": module.id, "title": module.title,
            "opens_on": (started + dt.timedelta(days=module.opens_after_days)).isoformat(), "done": module.id in done}


def enrolment_json(enrolment: ProgrammeEnrolment, entries: list[ProgrammeProgress], whole: Programme | None,
                   today: dt.date, accounts: Mapping[int, Account]) -> dict[str, Any]:
    """One programme of the resident (or the single module of it a professional assigned: that module
    alone, open from the start, and counted alone): its modules done, check-in answers, exercises and
    diary weeks."""
    started = _local_day(enrolment.started_at)
    programme = as_enrolled(whole, enrolment.module_id) if whole is not None else None
    done = {e.module_id for e in entries if e.kind == "module_done" and e.module_id}
    modules = programme.modules if programme is not None else ()
    check_in_labels = {m.id: {o.value: o.label for o in m.check_in.options} for m in modules}
    exercise_labels = {m.id: {o.value: o.label for o in m.exercise.options} for m in modules}
    units = {m.id: m.exercise.unit for m in modules}
    titles = {m.id: m.title for m in modules}
    goal_label = None
    if programme is not None and programme.goals is not None and enrolment.goal:
        goal_label = next((g.label for g in programme.goals.options if g.value == enrolment.goal), None)
    until = _local_day(enrolment.ended_at) if enrolment.ended_at is not None else today
    return {
        "id": enrolment.id, "programme_id": enrolment.programme_id,
        "title": whole.title if whole is not None else enrolment.programme_id,
        "module_id": enrolment.module_id,
        "module_title": (titles.get(enrolment.module_id, enrolment.module_id) if enrolment.module_id else None),
        "version": enrolment.programme_version, "goal": enrolment.goal, "goal_label": goal_label,
        "status": enrolment.status, "started_at": _time(enrolment.started_at), "started_by": enrolment.started_by,
        "assigned_by": _author(accounts, enrolment.staff_account_id)["author_name"],
        "ended_at": _time(enrolment.ended_at),
        "modules": [_module_json(m, started, done) for m in modules],
        "modules_done": len(done & set(titles)), "modules_total": len(modules),
        "progress": round(progress(programme, done), 3) if programme is not None else None,
        "check_ins": [{"module_id": e.module_id, "module_title": titles.get(e.module_id or ""),
                       "answer": _answer(e.value, check_in_labels.get(e.module_id or "")),
                       "recorded_at": _time(e.recorded_at)} for e in entries if e.kind == "checkin"],
        "exercises": [{"module_id": e.module_id, "module_title": titles.get(e.module_id or ""),
                       "answer": _with_unit(_answer(e.value, exercise_labels.get(e.module_id or "")), e.value,
                                            units.get(e.module_id or "", "")),
                       "recorded_at": _time(e.recorded_at)} for e in entries if e.kind == "exercise"],
        "diary_unit": programme.diary.unit if programme is not None and programme.diary is not None else None,
        "diary_weeks": diary_weeks(entries, started, until),
    }


def result_json(result: AssessmentResult, library: GuidanceLibrary) -> dict[str, Any]:
    instrument = library.instruments.get(result.instrument_id)
    return {"id": result.id, "instrument_id": result.instrument_id,
            "instrument": str(getattr(instrument, "name", "") or result.instrument_id),
            "score": result.score, "band": result.band, "taken_at": _time(result.taken_at)}


def plan_note_json(note: PlanNote, accounts: Mapping[int, Account]) -> dict[str, Any]:
    return {"id": note.id, "enrolment_id": note.enrolment_id, **_author(accounts, note.staff_account_id),
            "text": note.text, "created_at": _time(note.created_at)}


def assignable(library: GuidanceLibrary) -> list[dict[str, Any]]:
    """The programmes a professional may assign, with their goals (empty: the programme has none) and their
    modules (one of which may be assigned alone)."""
    return [{"id": p.id, "title": p.title,
             "goals": [{"value": g.value, "label": g.label} for g in (p.goals.options if p.goals else ())],
             "modules": [{"id": m.id, "title": m.title} for m in p.modules]}
            for p in sorted(library.programmes.values(), key=lambda p: p.title) if p.start.professional]


def overview_json(ticket_id: int, overview: PersonOverview, library: GuidanceLibrary, today: dt.date,
                  accounts: Mapping[int, Account]) -> dict[str, Any]:
    programmes = library.programmes
    return {"ticket_id": ticket_id,
            "results": [result_json(r, library) for r in overview.results],
            "programmes": [enrolment_json(e, overview.progress.get(e.id, []), programmes.get(e.programme_id),
                                          today, accounts) for e in overview.enrolments],
            "plan_notes": [plan_note_json(n, accounts) for n in overview.notes],
            "assignable": assignable(library)}


async def person_overview(staff: Staff, library: GuidanceLibrary, today: dt.date, ticket_id: int) -> dict[str, Any]:
    """What the professional sees of the resident behind the ticket (one access-log line, by the store)."""
    _messages, own = _stores(staff)
    overview = await blocking(own.overview_for_staff, staff.account, ticket_id)
    accounts = await _accounts(staff, [e.staff_account_id for e in overview.enrolments]
                               + [n.staff_account_id for n in overview.notes])
    return overview_json(ticket_id, overview, library, today, accounts)


def read_assignment(request: Request, library: GuidanceLibrary) -> tuple[Programme, str | None, Module | None]:
    """The programme to assign, its goal and optionally the one module of it to assign alone, checked against
    the programme data: a programme a professional may assign, a goal exactly when the programme has goals,
    one of them, and a module of that programme."""
    body = read.json_body(request, ASSIGN_FIELDS)
    programme = library.programmes.get(read.text(body, "programme_id", max_length=120) or "")
    if programme is None or not programme.start.professional:
        raise Invalid("programme_id", "not a self-care programme a professional can assign")
    goal = read.text(body, "goal", required=False, max_length=40)
    goals = tuple(g.value for g in programme.goals.options) if programme.goals is not None else ()
    if goals and goal not in goals:
        raise Invalid("goal", f"this programme needs a goal: one of {', '.join(goals)}")
    if not goals and goal is not None:
        raise Invalid("goal", "this programme has no goals")
    module_id = read.text(body, "module_id", required=False, max_length=120)
    module = programme.module(module_id) if module_id is not None else None
    if module_id is not None and module is None:
        raise Invalid("module_id", f"not a module of this programme: one of {', '.join(m.id for m in programme.modules)}")
    return programme, goal, module


async def assign(staff: Staff, library: GuidanceLibrary, today: dt.date, ticket_id: int, programme: Programme,
                 goal: str | None, module: Module | None = None) -> tuple[dict[str, Any], bool]:
    """Assign the programme, or only its `module` (an active enrolment in it is returned as is); returns
    (enrolment, new?)."""
    _messages, own = _stores(staff)
    if module is None:
        enrolment, created = await blocking(own.assign_programme, staff.account, ticket_id, programme.id,
                                            programme.version, goal)
    else:
        enrolment, created = await blocking(own.assign_module, staff.account, ticket_id, programme.id,
                                            programme.version, module.id, goal)
    known = library.programmes.get(enrolment.programme_id)
    return enrolment_json(enrolment, [], known, today, {staff.account.id: staff.account}), created


def read_plan_note(request: Request) -> tuple[str, int | None, str | None]:
    """A plan note: its text, the enrolment it is about (optional) and the submit's idempotency key (optional;
    with it a double click stores one note)."""
    body = read.json_body(request, PLAN_NOTE_FIELDS)
    text = read.text(body, "text", max_length=2 * MAX_PLAN_NOTE) or ""
    enrolment_id = body.get("enrolment_id")
    if enrolment_id is not None and (isinstance(enrolment_id, bool) or not isinstance(enrolment_id, int)
                                     or not 1 <= enrolment_id <= read.MAX_ID):
        raise Invalid("enrolment_id", "the id of one of the resident's programmes, or leave it out")
    key = read.text(body, "idempotency_key", required=False, max_length=MAX_IDEMPOTENCY_KEY)
    return text, enrolment_id, key


async def add_plan_note(staff: Staff, ticket_id: int, text: str, enrolment_id: int | None,
                        key: str | None = None) -> tuple[dict[str, Any], bool]:
    """Store the note (a double submit with the same key returns the first); returns (note, stored now?)."""
    _messages, own = _stores(staff)
    note, created = await blocking(own.add_plan_note, staff.account, ticket_id, text, enrolment_id, key)
    return plan_note_json(note, {staff.account.id: staff.account}), created
