"""The ticket store: contact requests for the central client-guidance team.

`TicketStore` is the only way in: it validates, sets the answer-by time from office hours and
holidays, makes exactly one ticket per submitted form (idempotency key), lets exactly one
professional claim a ticket (conditional update), and writes every read or change of a ticket to
the access log in the same transaction. A database that cannot be reached raises
`StoreUnavailable`; the transaction is rolled back, so nothing half-written remains.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import phonenumbers
from phonenumbers import PhoneNumberType
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from actions.store.office_hours import OfficeHours
from actions.store.person_key import NotAPersonKey, checked_key
from actions.store.analytics import conversation_key, record_event
from actions.store.transactions import Store, StoreUnavailable, utc_now
from actions.store.models import (CHANNELS, CONTACT_METHODS, CONTACT_ROLES, OUTCOMES, REASONS, TICKET_STATUSES,
                                  URGENCIES, AccessLogEntry, Account, Ticket, TicketNote)

REFERENCE_ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"  # no look-alikes (0/O, 1/I/L, 5/S, 8/B, 2/Z)
REFERENCE_LENGTH = 8
MAX_WORDS = 2000
MAX_NOTE = 4000
REACH_TIME_MAX = 200
ACTOR_ASSISTANT = "assistant"
ACTOR_RESIDENT = "resident-chat"
PHONE_TYPED = re.compile(r"\+?[\d\s\-().]{3,40}")
FINLAND_CALLING_CODE = 358  # Åland's numbers (region AX) share it
CALLBACK_NUMBER_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE,
                                   PhoneNumberType.FIXED_LINE_OR_MOBILE})
MIN_MOBILE_DIGITS = 8  # "50 123 456": the library's pattern also allows shorter ones that are never handed out



class TicketError(ValueError):
    """A ticket field is not acceptable; `field` names it (for 422 answers and form questions)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


class TicketNotFound(LookupError):
    """No ticket with that id or reference."""


class ClaimConflict(RuntimeError):
    """Someone else has the ticket, or it is not in a state that allows the change."""


def callback_phone(text: str) -> str | None:
    """A Finnish phone number a professional can call back, in +358 form; None if it is not one.

    Mobile and landline numbers ("040 123 4567", "+358 40 1234567", "09-1234567", Åland's "018 …"),
    as the `phonenumbers` library (Google's libphonenumber data) knows them. Emergency and service
    numbers are not callback numbers: 112 and 116xxx, the national business and government numbers
    (010, 020x, 0295, 030x, 075), toll-free 0800 and premium-rate 060x/070x are refused. Only the
    number itself may be typed: digits, spaces, hyphens, dots, brackets and a leading "+".
    """
    typed = (text or "").strip()
    if not PHONE_TYPED.fullmatch(typed):
        return None
    try:
        number = phonenumbers.parse(typed, "FI")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != FINLAND_CALLING_CODE or not phonenumbers.is_valid_number(number):
        return None
    kind = phonenumbers.number_type(number)
    if kind not in CALLBACK_NUMBER_TYPES:
        return None
    if kind == PhoneNumberType.MOBILE and len(phonenumbers.national_significant_number(number)) < MIN_MOBILE_DIGITS:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class TicketDraft:
    """Everything the chat collected for one contact request, before it is stored."""

    conversation_id: str
    channel: str
    contact_role: str
    reason: str
    urgency: str
    resident_words: str
    contact_method: str
    consent_text: str
    consent_at: dt.datetime
    phone: str | None = None
    reach_time: str = ""
    topic_id: str | None = None
    path_id: str | None = None
    prefilled: Mapping[str, Any] = field(default_factory=dict)
    assessment: Mapping[str, Any] | None = None
    identity_code: str | None = None
    identity_name: str | None = None
    person_key: str | None = None  # actions.store.person_key of identity_code: the resident's own space lists it

    def validated(self) -> "TicketDraft":
        """The draft with the phone normalised; `TicketError` names the first bad field."""
        for name, allowed in (("channel", CHANNELS), ("contact_role", CONTACT_ROLES), ("reason", REASONS),
                              ("urgency", URGENCIES), ("contact_method", CONTACT_METHODS)):
            if getattr(self, name) not in allowed:
                raise TicketError(name, f"must be one of {', '.join(allowed)}")
        if not self.conversation_id:
            raise TicketError("conversation_id", "missing")
        if not self.resident_words.strip():
            raise TicketError("resident_words", "tell what the matter is about")
        if not self.consent_text.strip() or self.consent_at.tzinfo is None:
            raise TicketError("consent", "a ticket needs the resident's consent and its time")
        phone = None
        if self.contact_method == "phone":
            phone = callback_phone(self.phone or "")
            if phone is None:
                raise TicketError("phone", "not a Finnish phone number that can be called back")
        elif self.channel != "identified_chat" or not self.identity_code:
            raise TicketError("contact_method", "a message in the identified service needs an identified session")
        if (self.identity_code is not None) != (self.channel == "identified_chat"):
            raise TicketError("identity_code", "identity goes with the identified channel and only with it")
        if self.person_key is not None and (self.identity_code is None or not _is_key(self.person_key)):
            raise TicketError("person_key", "a person key goes with an identity code and has its form")
        return TicketDraft(**{**self.__dict__, "phone": phone, "resident_words": self.resident_words.strip()[:MAX_WORDS],
                              "reach_time": self.reach_time.strip()[:REACH_TIME_MAX]})


def _is_key(value: str) -> bool:
    try:
        checked_key(value)
    except NotAPersonKey:
        return False
    return True


@dataclass(frozen=True)
class QueueFilter:
    """Filters of the team's queue (all optional)."""

    urgency: str | None = None
    status: Sequence[str] | None = None  # default: everything not closed
    topic_id: str | None = None
    due_before: dt.datetime | None = None
    assignee_id: int | None = None
    limit: int = 100
    contact_method: str | None = None          # e.g. only the secure-message tickets (the console's list)
    ticket_ids: Sequence[int] | None = None    # only these (e.g. the tickets with unread replies)


@dataclass(frozen=True)
class ResidentStatus:
    """What a resident may hear about their own request."""

    reference: str
    status: str
    urgency: str
    answer_by: dt.datetime
    created_at: dt.datetime


def new_reference() -> str:
    """"K7P4-9QXH"-style reference: 8 symbols from an alphabet without look-alikes (~10^11)."""
    symbols = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{symbols[:4]}-{symbols[4:]}"


def normalise_reference(text: str) -> str | None:
    """A reference as typed ("k7p4 9qxh", "K7P49QXH") in its stored form, or None."""
    letters = re.sub(r"[\s\-]", "", text or "").upper()
    if len(letters) != REFERENCE_LENGTH or any(c not in REFERENCE_ALPHABET for c in letters):
        return None
    return f"{letters[:4]}-{letters[4:]}"


def _reported(ticket: Ticket) -> dict[str, Any]:
    """The ticket's dimensions as the regions report them (analytics events)."""
    return {"channel": ticket.channel, "urgency": ticket.urgency, "contact_role": ticket.contact_role,
            "reason": ticket.reason, "topic_id": ticket.topic_id}


ALL_OPEN = QueueFilter()  # the whole open queue


class TicketStore(Store):
    """Repository of tickets, notes and the access log; each call is one transaction."""

    def __init__(self, sessions: sessionmaker, office_hours: OfficeHours,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        super().__init__(sessions, clock)
        self.office_hours = office_hours

    # -- plumbing -------------------------------------------------------------------------------
    @staticmethod
    def _log(session: Session, actor: str, action: str, ticket_id: int | None, detail: str = "",
             account_id: int | None = None) -> None:
        session.add(AccessLogEntry(actor=actor, account_id=account_id, action=action, ticket_id=ticket_id,
                                   detail=detail[:500]))

    @staticmethod
    def _actor(account: Account) -> str:
        return f"account:{account.username}"

    # -- the chat side ----------------------------------------------------------------------------
    def create(self, draft: TicketDraft, idempotency_key: str) -> tuple[Ticket, bool]:
        """Store a ticket once per idempotency key; returns (ticket, created now?)."""
        draft = draft.validated()
        if not idempotency_key:
            raise TicketError("idempotency_key", "missing")
        existing = self.by_idempotency_key(idempotency_key)
        if existing is not None:
            return existing, False
        now = self.now()
        for _attempt in range(5):
            try:
                with self._transaction() as session:
                    ticket = self.add_in(session, draft, idempotency_key, now)
                return ticket, True
            except IntegrityError:
                existing = self.by_idempotency_key(idempotency_key)
                if existing is not None:  # a retry or double click raced us: theirs is the one
                    return existing, False
                # otherwise the reference collided (about 1 in 10^11): draw a new one
        raise StoreUnavailable("could not draw a free reference")

    def add_in(self, session: Session, draft: TicketDraft, idempotency_key: str, now: dt.datetime, *,
               actor: str = ACTOR_ASSISTANT, account_id: int | None = None,
               answer_from: dt.datetime | None = None) -> Ticket:
        """Add a ticket, its access-log line and its analytics event to the caller's transaction (the chat's
        contact request, or a recorded contact's follow-up: `actions.store.contacts`). The answer-by time
        counts from `answer_from` (a recorded contact's time) or else from `now`."""
        draft = draft.validated()
        ticket = Ticket(reference=new_reference(), idempotency_key=idempotency_key,
                        conversation_id=draft.conversation_id, created_at=now, updated_at=now,
                        channel=draft.channel, contact_role=draft.contact_role, reason=draft.reason,
                        topic_id=draft.topic_id, path_id=draft.path_id, urgency=draft.urgency,
                        resident_words=draft.resident_words, prefilled=dict(draft.prefilled),
                        assessment=dict(draft.assessment) if draft.assessment else None,
                        contact_method=draft.contact_method, phone=draft.phone, reach_time=draft.reach_time,
                        consent_text=draft.consent_text, consent_at=draft.consent_at,
                        identity_code=draft.identity_code, identity_name=draft.identity_name,
                        person_key=draft.person_key, status="new",
                        answer_by=self.office_hours.answer_by(answer_from or now, draft.urgency))  # type: ignore[arg-type]
        session.add(ticket)
        session.flush()
        self._log(session, actor, "create", ticket.id, f"conversation {conversation_key(draft.conversation_id)}",
                  account_id)
        record_event(session, "ticket_created", draft.conversation_id, at=now, path_id=ticket.path_id,
                     **_reported(ticket))
        return ticket

    def of_person(self, person_key: str, limit: int = 50) -> list[Ticket]:
        """A strongly identified resident's own tickets, newest first (never an anonymous one: those have
        no person key)."""
        key = checked_key(person_key)
        with self._transaction() as session:
            return list(session.execute(select(Ticket).where(Ticket.person_key == key)
                                        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)).scalars())

    def by_idempotency_key(self, key: str) -> Ticket | None:
        with self._transaction() as session:
            return session.execute(select(Ticket).where(Ticket.idempotency_key == key)).scalar_one_or_none()

    def resident_status(self, reference: str, *, conversation_id: str, phone_last_digits: str | None = None,
                        identity_code: str | None = None) -> ResidentStatus | None:
        """The status of a resident's own request; None unless the check passes.

        The check keeps others out: the same conversation that filed it, or the same identified
        person, or the last four digits of the callback phone number given on the request.
        """
        wanted = normalise_reference(reference)
        if wanted is None:
            return None
        with self._transaction() as session:
            ticket = session.execute(select(Ticket).where(Ticket.reference == wanted)).scalar_one_or_none()
            if ticket is None:
                return None
            allowed = (ticket.conversation_id == conversation_id
                       or (identity_code is not None and ticket.identity_code == identity_code)
                       or (phone_last_digits is not None and len(phone_last_digits) == 4 and ticket.phone is not None
                           and secrets.compare_digest(ticket.phone[-4:], phone_last_digits)))
            self._log(session, ACTOR_RESIDENT, "status" if allowed else "status-denied", ticket.id,
                      f"conversation {conversation_key(conversation_id)}")
            if not allowed:
                return None
            return ResidentStatus(ticket.reference, ticket.status, ticket.urgency, ticket.answer_by, ticket.created_at)

    # -- the team side ----------------------------------------------------------------------------
    def queue(self, account: Account, filters: QueueFilter = ALL_OPEN) -> list[Ticket]:
        """Open tickets, most urgent and earliest due first; each listed ticket is logged as read."""
        statuses = list(filters.status) if filters.status else [s for s in TICKET_STATUSES if s != "closed"]
        query = select(Ticket).where(Ticket.status.in_(statuses))
        if filters.urgency:
            query = query.where(Ticket.urgency == filters.urgency)
        if filters.topic_id:
            query = query.where(Ticket.topic_id == filters.topic_id)
        if filters.due_before:
            query = query.where(Ticket.answer_by <= filters.due_before)
        if filters.assignee_id is not None:
            query = query.where(Ticket.assignee_id == filters.assignee_id)
        if filters.contact_method:
            query = query.where(Ticket.contact_method == filters.contact_method)
        if filters.ticket_ids is not None:
            query = query.where(Ticket.id.in_(list(filters.ticket_ids) or [-1]))
        query = query.order_by(Ticket.answer_by, Ticket.id).limit(max(1, min(filters.limit, 500)))
        with self._transaction() as session:
            tickets = list(session.execute(query).scalars())
            for ticket in tickets:
                self._log(session, self._actor(account), "list", ticket.id, account_id=account.id)
            return tickets

    def get(self, account: Account, ticket_id: int) -> tuple[Ticket, list[TicketNote]]:
        with self._transaction() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise TicketNotFound(ticket_id)
            notes = list(session.execute(select(TicketNote).where(TicketNote.ticket_id == ticket_id)
                                         .order_by(TicketNote.id)).scalars())
            self._log(session, self._actor(account), "read", ticket.id, account_id=account.id)
            return ticket, notes

    def claim(self, account: Account, ticket_id: int) -> Ticket:
        """Take a new ticket; of two professionals claiming at once exactly one wins."""
        with self._transaction() as session:
            result = session.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.status == "new")
                                     .values(status="claimed", assignee_id=account.id, updated_at=self.now())
                                     .execution_options(synchronize_session=False))
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise TicketNotFound(ticket_id)
            if result.rowcount != 1:
                raise ClaimConflict("the ticket is already claimed or closed")
            self._log(session, self._actor(account), "claim", ticket.id, account_id=account.id)
        return ticket

    def update(self, account: Account, ticket_id: int, *, status: str | None = None,
               urgency: str | None = None, topic_id: str | None = None) -> Ticket:
        """Change status (claimed <-> in_progress), urgency or topic of a ticket the account holds."""
        if status is not None and status not in ("claimed", "in_progress"):
            raise TicketError("status", "use claim to take a ticket and close to close it")
        if urgency is not None and urgency not in URGENCIES:
            raise TicketError("urgency", f"must be one of {', '.join(URGENCIES)}")
        with self._transaction() as session:
            ticket = self._held(session, account, ticket_id)
            changes = []
            if status is not None and status != ticket.status:
                changes.append(f"status {ticket.status}->{status}")
                ticket.status = status
            if urgency is not None and urgency != ticket.urgency:
                changes.append(f"urgency {ticket.urgency}->{urgency}")
                ticket.urgency = urgency
                ticket.answer_by = self.office_hours.answer_by(ticket.created_at, urgency)  # type: ignore[arg-type]
            if topic_id is not None and topic_id != ticket.topic_id:
                changes.append(f"topic {ticket.topic_id}->{topic_id}")
                ticket.topic_id = topic_id
            ticket.updated_at = self.now()
            self._log(session, self._actor(account), "update", ticket.id, "; ".join(changes), account.id)
        return ticket

    def add_note(self, account: Account, ticket_id: int, text: str) -> TicketNote:
        text = (text or "").strip()
        if not text:
            raise TicketError("text", "a note cannot be empty")
        if len(text) > MAX_NOTE:
            raise TicketError("text", f"at most {MAX_NOTE} characters")
        with self._transaction() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise TicketNotFound(ticket_id)
            note = TicketNote(ticket_id=ticket_id, author_id=account.id, text=text, created_at=self.now())
            session.add(note)
            ticket.updated_at = self.now()
            self._log(session, self._actor(account), "note", ticket.id, account_id=account.id)
        return note

    def close(self, account: Account, ticket_id: int, outcome: str, contact: Any = None,
              service_areas: Sequence[str] = ()) -> Ticket:
        """Close a held ticket. With `contact` (an `actions.store.contacts.ContactDraft` without channel and
        time: they come from the ticket and now) the ticket's contact record is written in the same
        transaction, its onward guidance the outcome: at most one per ticket."""
        if outcome not in OUTCOMES:
            raise TicketError("outcome", f"must be one of {', '.join(OUTCOMES)}")
        with self._transaction() as session:
            ticket = self._held(session, account, ticket_id)
            ticket.status, ticket.outcome = "closed", outcome
            ticket.closed_at = ticket.updated_at = now = self.now()
            self._log(session, self._actor(account), "close", ticket.id, outcome, account.id)
            record_event(session, "ticket_closed", ticket.conversation_id, at=ticket.closed_at, outcome=outcome,
                         answer_by_met=ticket.closed_at <= ticket.answer_by, **_reported(ticket))
            if contact is not None:
                from actions.store.contacts import ContactConflict, channel_of_ticket, write_record
                from actions.store.models import ContactRecord
                if session.execute(select(ContactRecord.id).where(
                        (ContactRecord.source_ticket_id == ticket.id)
                        | (ContactRecord.idempotency_key == f"ticket:{ticket.id}"))).first():
                    # (the key: a record stored before client keys were prefixed may hold it: a 409, not a 500)
                    raise ContactConflict("this ticket already has its contact record")
                draft = dataclasses.replace(contact, channel=channel_of_ticket(session, ticket), onward=outcome,
                                            contactor=contact.contactor or ticket.contact_role,  # the same codes
                                            reasons=tuple(contact.reasons) or (ticket.reason,),
                                            path_id=contact.path_id or ticket.path_id, contact_at=now,
                                            follow_up=False).validated(now, service_areas)
                write_record(session, account, draft, f"ticket:{ticket.id}", now, source_ticket_id=ticket.id)
        return ticket

    def _held(self, session: Session, account: Account, ticket_id: int) -> Ticket:
        ticket = session.get(Ticket, ticket_id, with_for_update=True)
        if ticket is None:
            raise TicketNotFound(ticket_id)
        if ticket.status == "closed":
            raise ClaimConflict("the ticket is closed")
        if ticket.assignee_id != account.id:
            raise ClaimConflict("claim the ticket first" if ticket.assignee_id is None
                                else "another professional has this ticket")
        return ticket

    def access_log(self, ticket_id: int | None = None, limit: int = 200,
                   account_id: int | None = None) -> list[AccessLogEntry]:
        """Newest entries first, optionally of one ticket and/or one account."""
        query = select(AccessLogEntry).order_by(AccessLogEntry.id.desc()).limit(limit)
        if ticket_id is not None:
            query = query.where(AccessLogEntry.ticket_id == ticket_id)
        if account_id is not None:
            query = query.where(AccessLogEntry.account_id == account_id)
        with self._transaction() as session:
            return list(session.execute(query).scalars())

    def count(self) -> int:
        with self._transaction() as session:
            return int(session.execute(select(func.count(Ticket.id))).scalar_one())
