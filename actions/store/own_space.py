"""The identified resident's own space: service terms, self-care programmes and assessment results.

`OwnSpaceStore` is the only way in, and it keeps the access rules (`access.py`): a resident's call
takes their person key and returns or changes only that person's rows; a professional reaches a
resident's rows only through a ticket the resident left while strongly identified (never an
anonymous one), changes them only while holding that open ticket, and every such read or change is an
access-log line naming the ticket.

What is kept:
* terms acceptances: person, terms version, time (one per version);
* programme enrolments (`started_by` assessment, path, resident (from the own space's list) or
  professional), at most one active per programme and person (a partial unique index: a double submit
  finds the first), or a single module of a programme a professional assigned (`module_id`; at most one
  active per module and person, besides the programme's); their progress (`module_done`, `exercise`,
  `checkin`, `diary` with a small JSON value; one entry per submit, a diary one per day) and plan notes;
* assessment results over time: instrument, score and the band's label from the instrument file
  (a level of symptoms as the questionnaire names it, never a diagnosis).

Programme, module and instrument ids are taken as given: that they exist in the library, and that a goal
is one of the programme's, is the door's check against the library (`guidance_library/programmes/`).
Everything here is a client record once stored (results and what a professional sees of the
programme); kept like tickets, never in analytics: see `retention.py` and `erasure.py`.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from actions.store.access import (InputRefused, identified_ticket, log_access, plain_text, require_held,
                                  require_professional)
from actions.store.models import (ENROLMENT_STARTERS, PROGRESS_KINDS, Account, AssessmentResult, PlanNote,
                                  ProgrammeEnrolment, ProgrammeProgress, TermsAcceptance)
from actions.store.person_key import checked_key
from actions.store.transactions import Store, utc_now
from bot.bidi_controls import without_bidi_controls
from bot.settings import Secret

MAX_PLAN_NOTE = 4000
MAX_VALUE_JSON = 4000   # characters of one progress entry's value as JSON (a diary day, a check-in answer)
MAX_SCORE = 1000
MAX_IDEMPOTENCY_KEY = 120
ENDED = ("finished", "stopped")
RESIDENT_STARTERS = tuple(s for s in ENROLMENT_STARTERS if s != "professional")
_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class EnrolmentNotFound(LookupError):
    """No enrolment of this person with that id (the same answer for another person's)."""


class EnrolmentEnded(RuntimeError):
    """The programme is finished or stopped: nothing more is recorded in it."""


@dataclass(frozen=True)
class PersonOverview:
    """What a professional sees of a resident's own space behind a ticket."""

    results: list[AssessmentResult]
    enrolments: list[ProgrammeEnrolment]
    progress: dict[int, list[ProgrammeProgress]]   # by enrolment id, oldest first
    notes: list[PlanNote]


def _checked(pattern: re.Pattern, value: str | None, field_name: str, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit or not pattern.fullmatch(value):
        raise InputRefused(field_name, f"an id of at most {limit} characters")
    return value


def _submit_key(value: str | None, field_name: str = "idempotency_key") -> str:
    key = (value or "").strip() if isinstance(value, str) else ""
    if not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise InputRefused(field_name, f"1 to {MAX_IDEMPOTENCY_KEY} characters")
    return key


def _clean_value(value: Any) -> Any:
    """A progress value as stored: JSON data (numbers, text, lists, objects), text without bidirectional
    controls, at most `MAX_VALUE_JSON` characters as JSON; anything else is `InputRefused`."""
    def clean(item: Any) -> Any:
        if isinstance(item, str):
            return without_bidi_controls(item).replace("\x00", "")
        if isinstance(item, list):
            return [clean(element) for element in item]
        if isinstance(item, dict):
            return {clean(str(name)): clean(element) for name, element in item.items()}
        if item is None or isinstance(item, (bool, int, float)):
            return item
        raise InputRefused("value", "JSON data only")

    cleaned = clean(value)
    try:
        encoded = json.dumps(cleaned, ensure_ascii=False, allow_nan=False)
    except ValueError as error:
        raise InputRefused("value", "JSON data only") from error
    if len(encoded) > MAX_VALUE_JSON:
        raise InputRefused("value", f"at most {MAX_VALUE_JSON} characters as JSON")
    return cleaned


def _once_more_if_raced(start: Callable[[], tuple[ProgrammeEnrolment, bool]]) -> tuple[ProgrammeEnrolment, bool]:
    """An enrolment's transaction, run again once if another start of the same programme won the race (the
    active enrolments' unique index refused this one's insert): the second run finds the winner (False)."""
    try:
        return start()
    except IntegrityError:
        return start()


def diary_day(value: Any) -> dt.date:
    """The day of a diary entry's value, the one shape it is kept in: {"day": "YYYY-MM-DD", "amount": n} with
    n a number of at least 0 (the door checks the programme's own limits); anything else is `InputRefused`."""
    amount = value.get("amount") if isinstance(value, dict) else None
    if set(value if isinstance(value, dict) else ()) != {"day", "amount"} or isinstance(amount, bool) \
            or not isinstance(amount, (int, float)) or amount < 0:
        raise InputRefused("value", 'a diary day: {"day": "YYYY-MM-DD", "amount": a number of at least 0}')
    try:
        return dt.date.fromisoformat(str(value["day"]))
    except ValueError as error:
        raise InputRefused("value", "a diary day: its day as YYYY-MM-DD") from error


class OwnSpaceStore(Store):
    """Repository of the own space's terms, programmes and results; each call one transaction."""

    def __init__(self, sessions: sessionmaker, person_secret: Secret,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        super().__init__(sessions, clock)
        self._secret = person_secret

    # -- service terms -------------------------------------------------------------------------------
    def terms_accepted(self, person_key: str, version: str) -> bool:
        """Whether the person has accepted this version of the terms (a new version asks again)."""
        key, version = checked_key(person_key), _checked(_VERSION, version, "terms_version", 40)
        with self._transaction() as session:
            return session.execute(select(TermsAcceptance.id).where(
                TermsAcceptance.person_key == key, TermsAcceptance.terms_version == version)).first() is not None

    def accept_terms(self, person_key: str, version: str) -> TermsAcceptance:
        """Record the acceptance (with its time); accepting again returns the first one."""
        key, version = checked_key(person_key), _checked(_VERSION, version, "terms_version", 40)
        query = select(TermsAcceptance).where(TermsAcceptance.person_key == key,
                                              TermsAcceptance.terms_version == version)
        return self._insert_once(query, lambda: TermsAcceptance(person_key=key, terms_version=version,
                                                                accepted_at=self.now()))[0]

    # -- programmes: the resident's side -------------------------------------------------------------
    def enrol(self, person_key: str, programme_id: str, programme_version: str | int, started_by: str,
              goal: str | None = None) -> tuple[ProgrammeEnrolment, bool]:
        """The resident starts a programme (from an assessment result or a path), with the goal they chose
        if the programme has goals (e.g. alcohol's "reduce" / "stop"); an active enrolment in the same
        programme is returned as is (False)."""
        if started_by not in RESIDENT_STARTERS:
            raise InputRefused("started_by", f"must be one of {', '.join(RESIDENT_STARTERS)}")
        key = checked_key(person_key)

        def start() -> tuple[ProgrammeEnrolment, bool]:
            with self._transaction() as session:
                return self._enrol(session, key, programme_id, programme_version, started_by, goal, None, None)

        return _once_more_if_raced(start)

    def enrolments(self, person_key: str) -> list[ProgrammeEnrolment]:
        """The person's enrolments, newest first (ended ones too)."""
        key = checked_key(person_key)
        with self._transaction() as session:
            return self._enrolments_of(session, key)

    def end_enrolment(self, person_key: str, enrolment_id: int, status: str) -> ProgrammeEnrolment:
        """The programme is `finished` (its end reached) or `stopped` (the resident left it)."""
        if status not in ENDED:
            raise InputRefused("status", f"must be one of {', '.join(ENDED)}")
        key = checked_key(person_key)
        with self._transaction() as session:
            enrolment = self._own_enrolment(session, key, enrolment_id, for_update=True)
            if enrolment.status == "active":
                enrolment.status, enrolment.ended_at = status, self.now()
            return enrolment

    def record_progress(self, person_key: str, enrolment_id: int, kind: str, idempotency_key: str,
                        module_id: str | None = None, value: Any = None) -> tuple[ProgrammeProgress, bool]:
        """One step in an active enrolment of the person's; returns (entry, stored now?), and a double
        submit (same key) returns the first entry. A diary entry (`{"day": "YYYY-MM-DD", "amount": n}`) is
        the day's only one: a later entry of the same day replaces it (the resident corrects the day)."""
        key, submit = checked_key(person_key), _submit_key(idempotency_key)
        if kind not in PROGRESS_KINDS:
            raise InputRefused("kind", f"must be one of {', '.join(PROGRESS_KINDS)}")
        module = None if module_id is None else _checked(_ID, module_id, "module_id", 120)
        cleaned = _clean_value(value)
        day = diary_day(cleaned) if kind == "diary" else None
        with self._transaction() as session:
            enrolment = self._own_enrolment(session, key, enrolment_id)
            if enrolment.status != "active":
                raise EnrolmentEnded(enrolment_id)
        if day is not None:
            return self._put_diary_day(enrolment_id, module, cleaned, submit, day)
        query = select(ProgrammeProgress).where(ProgrammeProgress.enrolment_id == enrolment_id,
                                                ProgrammeProgress.idempotency_key == submit)
        return self._insert_once(query, lambda: ProgrammeProgress(enrolment_id=enrolment_id, module_id=module,
                                                                  kind=kind, value=cleaned, recorded_at=self.now(),
                                                                  idempotency_key=submit))

    def progress(self, person_key: str, enrolment_id: int) -> list[ProgrammeProgress]:
        """An enrolment's steps, oldest first, only for its own person."""
        key = checked_key(person_key)
        with self._transaction() as session:
            self._own_enrolment(session, key, enrolment_id)
            return self._progress_of(session, [enrolment_id]).get(enrolment_id, [])

    def plan_notes(self, person_key: str) -> list[PlanNote]:
        """The professionals' notes on the person's plan, oldest first (whether a door shows them to the
        resident is the door's decision)."""
        key = checked_key(person_key)
        with self._transaction() as session:
            return self._notes_of(session, key)

    # -- assessment results over time ----------------------------------------------------------------
    def record_result(self, person_key: str, instrument_id: str, score: int, band: str,
                      taken_at: dt.datetime | None = None,
                      idempotency_key: str | None = None) -> tuple[AssessmentResult, bool]:
        """A completed self-assessment of an identified resident; with an idempotency key (the
        questionnaire's run) a repeat returns the first result."""
        key = checked_key(person_key)
        instrument = _checked(_ID, instrument_id, "instrument_id", 40)
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= MAX_SCORE:
            raise InputRefused("score", f"a whole number 0-{MAX_SCORE}")
        label = plain_text(band, 120, "band")
        if taken_at is not None and taken_at.tzinfo is None:
            raise InputRefused("taken_at", "an aware time")
        submit = None if idempotency_key is None else _submit_key(idempotency_key)

        def make() -> AssessmentResult:
            return AssessmentResult(person_key=key, instrument_id=instrument, score=score, band=label,
                                    taken_at=taken_at or self.now(), idempotency_key=submit)

        if submit is None:
            with self._transaction() as session:
                result = make()
                session.add(result)
            return result, True
        query = select(AssessmentResult).where(AssessmentResult.person_key == key,
                                               AssessmentResult.idempotency_key == submit)
        return self._insert_once(query, make)

    def results(self, person_key: str, instrument_id: str | None = None) -> list[AssessmentResult]:
        """The person's results, oldest first (optionally of one instrument): the change over time."""
        key = checked_key(person_key)
        query = select(AssessmentResult).where(AssessmentResult.person_key == key)
        if instrument_id is not None:
            query = query.where(AssessmentResult.instrument_id == instrument_id)
        with self._transaction() as session:
            return list(session.execute(query.order_by(AssessmentResult.taken_at, AssessmentResult.id)).scalars())

    # -- the professional's side (through an identified ticket) -------------------------------------
    def overview_for_staff(self, account: Account, ticket_id: int) -> PersonOverview:
        """The resident's results, programmes with their progress, and plan notes; in the access log."""
        with self._transaction() as session:
            require_professional(account)
            _ticket, key = identified_ticket(session, ticket_id, self._secret)
            results = list(session.execute(select(AssessmentResult).where(AssessmentResult.person_key == key)
                                           .order_by(AssessmentResult.taken_at, AssessmentResult.id)).scalars())
            enrolments = self._enrolments_of(session, key)
            progress = self._progress_of(session, [e.id for e in enrolments])
            notes = self._notes_of(session, key)
            log_access(session, account, "own-space-read", ticket_id,
                       f"{len(results)} results, {len(enrolments)} programmes")
            return PersonOverview(results, enrolments, progress, notes)

    def assign_programme(self, account: Account, ticket_id: int, programme_id: str, programme_version: str | int,
                         goal: str | None = None) -> tuple[ProgrammeEnrolment, bool]:
        """A professional holding the open ticket assigns a programme to the resident behind it; an active
        enrolment in it is returned as is (False). In the access log."""
        return _once_more_if_raced(lambda: self._assign(account, ticket_id, programme_id, programme_version, goal,
                                                        None))

    def assign_module(self, account: Account, ticket_id: int, programme_id: str, programme_version: str | int,
                      module_id: str, goal: str | None = None) -> tuple[ProgrammeEnrolment, bool]:
        """A professional holding the open ticket assigns one module of a programme to the resident behind it:
        an enrolment of that module alone (`module_id`), beside any enrolment in the whole programme; an
        active one of the same module is returned as is (False). In the access log."""
        module = _checked(_ID, module_id, "module_id", 120)
        return _once_more_if_raced(lambda: self._assign(account, ticket_id, programme_id, programme_version, goal,
                                                        module))

    def add_plan_note(self, account: Account, ticket_id: int, text: str, enrolment_id: int | None = None,
                      idempotency_key: str | None = None) -> tuple[PlanNote, bool]:
        """A note on the plan of the resident behind the ticket (optionally on one of the resident's
        enrolments), by the professional holding the open ticket; returns (note, stored now?). With the
        submit's idempotency key a double click stores one: the repeat returns the first note (False). In the
        access log (a repeat too)."""
        note_text = plain_text(text, MAX_PLAN_NOTE, "text")
        submit = None if idempotency_key is None else _submit_key(idempotency_key)

        def add() -> tuple[PlanNote, bool]:
            with self._transaction() as session:
                require_professional(account)
                ticket, key = identified_ticket(session, ticket_id, self._secret, for_update=True)
                require_held(ticket, account)
                if enrolment_id is not None:
                    self._own_enrolment(session, key, enrolment_id)
                line = log_access(session, account, "plan-note", ticket_id)
                session.flush()  # the line first: on SQLite its write lock orders two submits at once
                if submit is not None:
                    first = session.execute(select(PlanNote).where(PlanNote.person_key == key,
                                                                   PlanNote.idempotency_key == submit)).scalar_one_or_none()
                    if first is not None:
                        line.detail = "repeat"
                        return first, False
                note = PlanNote(person_key=key, enrolment_id=enrolment_id, staff_account_id=account.id,
                                text=note_text, created_at=self.now(), idempotency_key=submit)
                session.add(note)
                session.flush()
                return note, True

        try:
            return add()
        except IntegrityError:  # the same key's other submit won (on SQLite, without a row lock): find it
            return add()

    # -- plumbing -------------------------------------------------------------------------------------
    def _put_diary_day(self, enrolment_id: int, module: str | None, value: Any, submit: str,
                       day: dt.date) -> tuple[ProgrammeProgress, bool]:
        """The day's diary entry stored, or the earlier entry of that day replaced (its value, time and key);
        a double submit (same key) returns the entry as is. Two entries of a new day at once: the loser's
        insert meets the (enrolment, day) unique constraint and runs again, replacing the winner's."""
        def put() -> tuple[ProgrammeProgress, bool]:
            with self._transaction() as session:
                rows = list(session.execute(select(ProgrammeProgress).where(
                    ProgrammeProgress.enrolment_id == enrolment_id,
                    (ProgrammeProgress.idempotency_key == submit) | (ProgrammeProgress.day == day))
                    .with_for_update()).scalars())
                if any(row.idempotency_key == submit for row in rows):
                    return next(row for row in rows if row.idempotency_key == submit), False
                row = next((row for row in rows if row.day == day), None)
                if row is None:
                    row = ProgrammeProgress(enrolment_id=enrolment_id, kind="diary", day=day)
                    session.add(row)
                row.module_id, row.value, row.recorded_at, row.idempotency_key = module, value, self.now(), submit
                session.flush()
                return row, True

        try:
            return put()
        except IntegrityError:
            return put()

    def _assign(self, account: Account, ticket_id: int, programme_id: str, programme_version: str | int,
                goal: str | None, module_id: str | None) -> tuple[ProgrammeEnrolment, bool]:
        """A professional's assignment, with its access-log line in the same transaction. The line is written
        first: with the ticket's row lock (PostgreSQL) or the write lock that insert takes (SQLite), two
        assignments at once (a double click) are one after the other, so the second finds the first."""
        with self._transaction() as session:
            require_professional(account)
            ticket, key = identified_ticket(session, ticket_id, self._secret, for_update=True)
            require_held(ticket, account)
            line = log_access(session, account, "programme-assign" if module_id is None else "module-assign",
                              ticket_id)
            session.flush()
            enrolment, created = self._enrol(session, key, programme_id, programme_version, "professional", goal,
                                             account.id, module_id)
            what = enrolment.programme_id if module_id is None else f"{enrolment.programme_id}/{module_id}"
            line.detail = f"{what} {'assigned' if created else 'already active'}"
            return enrolment, created

    def _enrol(self, session: Session, key: str, programme_id: str, programme_version: str | int,
               started_by: str, goal: str | None, staff_account_id: int | None,
               module_id: str | None) -> tuple[ProgrammeEnrolment, bool]:
        """In the caller's transaction: the person's active enrolment in the programme (or in its one module,
        with `module_id`), or a new one."""
        programme = _checked(_ID, programme_id, "programme_id", 120)
        if isinstance(programme_version, bool):
            raise InputRefused("programme_version", "a version")
        given = str(programme_version) if isinstance(programme_version, int) else programme_version  # file's `version: 1`
        version = _checked(_VERSION, given, "programme_version", 40)
        chosen = None if goal is None else _checked(_ID, goal, "goal", 40)
        active = session.execute(select(ProgrammeEnrolment).where(
            ProgrammeEnrolment.person_key == key, ProgrammeEnrolment.programme_id == programme,
            ProgrammeEnrolment.status == "active",
            ProgrammeEnrolment.module_id.is_(None) if module_id is None else ProgrammeEnrolment.module_id == module_id
        ).order_by(ProgrammeEnrolment.id).limit(1)).scalar_one_or_none()
        if active is not None:
            return active, False
        enrolment = ProgrammeEnrolment(person_key=key, programme_id=programme, programme_version=version,
                                       goal=chosen, module_id=module_id, started_at=self.now(),
                                       started_by=started_by, staff_account_id=staff_account_id, status="active")
        session.add(enrolment)
        session.flush()
        return enrolment, True

    @staticmethod
    def _own_enrolment(session: Session, key: str, enrolment_id: int, for_update: bool = False
                       ) -> ProgrammeEnrolment:
        enrolment = session.get(ProgrammeEnrolment, enrolment_id, with_for_update=for_update)
        if enrolment is None or enrolment.person_key != key:
            raise EnrolmentNotFound(enrolment_id)
        return enrolment

    @staticmethod
    def _enrolments_of(session: Session, key: str) -> list[ProgrammeEnrolment]:
        return list(session.execute(select(ProgrammeEnrolment).where(ProgrammeEnrolment.person_key == key)
                                    .order_by(ProgrammeEnrolment.started_at.desc(), ProgrammeEnrolment.id.desc())
                                    ).scalars())

    @staticmethod
    def _progress_of(session: Session, enrolment_ids: Iterable[int]) -> dict[int, list[ProgrammeProgress]]:
        ids = list(enrolment_ids)
        found: dict[int, list[ProgrammeProgress]] = {}
        if not ids:
            return found
        for entry in session.execute(select(ProgrammeProgress).where(ProgrammeProgress.enrolment_id.in_(ids))
                                     .order_by(ProgrammeProgress.recorded_at, ProgrammeProgress.id)).scalars():
            found.setdefault(entry.enrolment_id, []).append(entry)
        return found

    @staticmethod
    def _notes_of(session: Session, key: str) -> list[PlanNote]:
        return list(session.execute(select(PlanNote).where(PlanNote.person_key == key)
                                    .order_by(PlanNote.created_at, PlanNote.id)).scalars())

    def _insert_once(self, existing: Any, make: Callable[[], Any]) -> tuple[Any, bool]:
        """Insert `make()` unless `existing` (a select of the same unique key) finds a row; a racing
        insert of the same key loses to the other and returns its row."""
        try:
            with self._transaction() as session:
                found = session.execute(existing).scalar_one_or_none()
                if found is not None:
                    return found, False
                row = make()
                session.add(row)
                session.flush()
            return row, True
        except IntegrityError:
            with self._transaction() as session:
                found = session.execute(existing).scalar_one_or_none()
            if found is None:
                raise
            return found, False
