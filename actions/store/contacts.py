"""The contact store: one record for every contact with the client-guidance service (issue 20).

A professional records a phone call, a chat, a message or a visit: the channel, who contacted, why (one
or more reasons), a short note (identity codes, phone numbers and e-mail addresses redacted), where the
resident was guided next (with the region's service area when guided to the region's own services) and
the guidance path given. A follow-up becomes a ticket in the team's queue with an answer-by time. A
closed ticket or a live chat gets the same record (`TicketStore.close`, `source_handoff_id`), at most one
each. Every record, its follow-up ticket, its analytics events and its access-log lines are written in
one transaction: nothing is half-stored. The figures (`contact_report.py`) come from the analytics
events alone (no free text).

A guidance path given may also be sent to the resident (`record(..., send_to=address)`): the notification
outbox gets its row (template `guidance_path:<digest>`) in the same transaction as the record, so a path is
never sent for a record that was not stored. The address is kept only in the outbox row (deleted with it a
week after sending), never in the record.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Collection, Mapping, Sequence

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from actions.store.analytics import record_event
from actions.store.models import (CONTACT_CHANNELS, CONTACT_ROLES, CONTACTORS, OUTCOMES, PATH_SENT_VIA, REASONS,
                                  URGENCIES, WITHIN_REGION, AccessLogEntry, Account, ContactRecord, Handoff, Ticket)
from actions.store.office_hours import OfficeHours
from actions.store.outbox import email_address, enqueue, path_template, sms_number
from actions.store.tickets import (ClaimConflict, TicketDraft, TicketError, TicketNotFound, TicketStore,
                                   callback_phone)
from actions.store.transactions import Store, StoreUnavailable, utc_now
from bot.personal_data import redact_identifiers
from guidance_library.staffing import Roster
from guidance_library.validation import ID_PATTERN

LABELS_FILE = Path(__file__).resolve().parent / "contact_labels.yml"
MAX_NOTE = 1000
MAX_KEY = 100               # stored as "form:<account id>:<key>", its follow-up ticket's as "contact:<account id>:<key>"
CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_AGE = dt.timedelta(days=31)
FOLLOW_UP_CONSENT_TEXT = ("Ammattilainen kirjasi, että asiakas antoi luvan ottaa häneen yhteyttä tässä asiassa "
                          "ja välittää asian asiakasohjauksen jonoon.")
CALLBACK_CHANNELS = ("phone", "walk_in", "other")  # where the phone number is the only way back
FOLLOW_UP_CHANNEL = "recorded_contact"             # the ticket channel of a recorded contact's follow-up


class ContactError(TicketError):
    """A contact field is not acceptable: `field` names it, `message` says why in Finnish (422)."""


class ContactConflict(ClaimConflict):
    """The ticket or live chat already has its contact record, or the chat is another professional's (409);
    `already_recorded` tells the two apart (the console hands a chat back only when it is recorded)."""

    def __init__(self, message: str, already_recorded: bool = True) -> None:
        super().__init__(message)
        self.already_recorded = already_recorded


class ContactNotFound(LookupError):
    """No contact record with that id."""


@lru_cache(maxsize=1)
def contact_labels() -> Mapping[str, Mapping[str, str]]:
    """The codes' Finnish labels (`contact_labels.yml`), by category and code."""
    return yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))


def _one_of(name: str, value: object, allowed: Sequence[str], label: str) -> None:
    if value not in allowed:
        raise ContactError(name, f"{label} ei ole tunnettu vaihtoehto. Valitse jokin näistä: {', '.join(allowed)}.")


@dataclass(frozen=True)
class ContactDraft:
    """One contact as the professional fills the form, before it is stored."""

    channel: str
    contactor: str
    reasons: Sequence[str]
    onward: str
    contact_at: dt.datetime | None = None  # default: now
    note: str = ""
    service_area: str | None = None
    path_id: str | None = None
    path_sent_via: str | None = None
    follow_up: bool = False
    urgency: str = "normal"
    callback_phone: str | None = None
    follow_up_consent: bool = False
    reach_time: str = ""
    source_handoff_id: int | None = None

    def validated(self, now: dt.datetime, service_areas: Collection[str]) -> "ContactDraft":
        """The draft cleaned (reasons de-duplicated, note redacted, phone in +358 form, contact time set);
        `ContactError` names the first bad field with a Finnish message."""
        _one_of("channel", self.channel, CONTACT_CHANNELS, "Kanava")
        if self.source_handoff_id is not None and self.channel != "chat":
            raise ContactError("channel", "Chat-keskustelun yhteydenoton kanava on chat.")
        _one_of("contactor", self.contactor, CONTACTORS, "Yhteydenottaja")
        if isinstance(self.reasons, str) or not self.reasons:
            raise ContactError("reasons", "Valitse vähintään yksi yhteydenoton syy.")
        reasons = list(dict.fromkeys(self.reasons))
        for reason in reasons:
            _one_of("reasons", reason, REASONS, "Yhteydenoton syy")
        _one_of("onward", self.onward, OUTCOMES, "Jatko-ohjaus")
        contact_at = self.contact_at or now
        if contact_at.tzinfo is None:
            raise ContactError("contact_at", "Anna yhteydenoton aika aikavyöhykkeen kanssa.")
        if contact_at > now + CLOCK_SKEW:
            raise ContactError("contact_at", "Yhteydenoton aika ei voi olla tulevaisuudessa.")
        if contact_at < now - MAX_AGE:
            raise ContactError("contact_at", f"Yhteydenoton voi kirjata enintään {MAX_AGE.days} päivän takaa.")
        area = self.service_area or None
        if self.onward == WITHIN_REGION:
            if area is None:
                raise ContactError("service_area", "Valitse palvelualue, jolle asiakas ohjattiin.")
            if area not in service_areas:
                raise ContactError("service_area", "Palvelualue ei ole alueen palvelualueiden luettelossa.")
        elif area is not None:
            raise ContactError("service_area", "Palvelualue kirjataan vain, kun asiakas ohjattiin alueen omiin "
                                               "palveluihin.")
        note = redact_identifiers(self.note or "").strip()
        if len(self.note or "") > MAX_NOTE:
            raise ContactError("note", f"Muistiinpano saa olla enintään {MAX_NOTE} merkkiä.")
        if self.path_id is not None and not ID_PATTERN.fullmatch(self.path_id):
            raise ContactError("path_id", "Ohjauspolun tunniste ei kelpaa.")
        if self.path_sent_via is not None:
            _one_of("path_sent_via", self.path_sent_via, PATH_SENT_VIA, "Lähetystapa")
            if self.path_id is None:
                raise ContactError("path_sent_via", "Valitse ensin ohjauspolku, joka lähetetään asiakkaalle.")
        phone = None
        if self.follow_up:
            _one_of("urgency", self.urgency, URGENCIES, "Kiireellisyys")
            if not note:
                raise ContactError("note", "Kirjoita lyhyesti, mistä on kyse: jatkoyhteydenotto tarvitsee sen.")
            phone = callback_phone(self.callback_phone or "")
            if phone is None:
                raise ContactError("callback_phone", "Anna suomalainen puhelinnumero, johon asiakkaalle voi soittaa "
                                                     "takaisin.")
            if self.follow_up_consent is not True:
                raise ContactError("follow_up_consent", "Jatkoyhteydenotto tarvitsee asiakkaan luvan: kysy ja "
                                                        "merkitse se.")
        return replace(self, reasons=tuple(reasons), contact_at=contact_at, service_area=area, note=note,
                       callback_phone=phone, reach_time=redact_identifiers(self.reach_time or "").strip()[:200])


@dataclass(frozen=True)
class ContactFilter:
    """The record list's filters (all optional): contact time from/to, channel."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    channel: str | None = None
    limit: int = 100
    extra: Mapping[str, Any] = field(default_factory=dict)


def channel_of_ticket(session: Session, ticket: Ticket) -> str:
    """The contact channel a ticket's record gets: a secure-message thread is a message, other chat tickets
    a chat; a recorded contact's follow-up keeps the original contact's channel (else phone)."""
    if ticket.channel == FOLLOW_UP_CHANNEL:
        original = session.execute(select(ContactRecord.channel)
                                   .where(ContactRecord.follow_up_ticket_id == ticket.id)).scalar_one_or_none()
        return original or "phone"
    return "secure_message" if ticket.contact_method == "secure_message" else "chat"


def _log(session: Session, account: Account, action: str, record: ContactRecord, ticket_id: int | None = None
         ) -> None:
    session.add(AccessLogEntry(actor=f"account:{account.username}", account_id=account.id, action=action,
                               ticket_id=ticket_id, detail=f"contact_record {record.id}"))


def record_key(record_id: int) -> str:
    """What the record's analytics events carry in `conversation` (hashed there): its id, never a resident's."""
    return f"contact-record:{record_id}"


def write_record(session: Session, account: Account, draft: ContactDraft, idempotency_key: str, now: dt.datetime,
                 *, source_ticket_id: int | None = None, follow_up_ticket: Ticket | None = None) -> ContactRecord:
    """Add a validated record, its analytics events and its access-log line to the caller's transaction."""
    record = ContactRecord(idempotency_key=idempotency_key, recorded_by=account.id, created_at=now,
                           contact_at=draft.contact_at, channel=draft.channel, contactor=draft.contactor,
                           reasons=list(draft.reasons), note=draft.note, onward=draft.onward,
                           service_area=draft.service_area, path_id=draft.path_id, path_sent_via=draft.path_sent_via,
                           follow_up_ticket_id=follow_up_ticket.id if follow_up_ticket is not None else None,
                           source_ticket_id=source_ticket_id, source_handoff_id=draft.source_handoff_id)
    session.add(record)
    session.flush()
    key = record_key(record.id)  # the record's events group together (a contact's reasons), nothing else
    record_event(session, "contact_recorded", key, at=draft.contact_at, channel=draft.channel,
                 contact_role=draft.contactor, outcome=draft.onward, service_area=draft.service_area,
                 path_id=draft.path_id)
    for reason in draft.reasons:
        record_event(session, "contact_reason", key, at=draft.contact_at, reason=reason, channel=draft.channel)
    _log(session, account, "contact_create", record, source_ticket_id or record.follow_up_ticket_id)
    return record


def follow_up_draft(draft: ContactDraft, contact_at: dt.datetime) -> TicketDraft:
    """The ticket a recorded contact's follow-up becomes (same queue, answer-by time from office hours); the
    consent was given during the contact (`contact_at`), not when it was saved."""
    return TicketDraft(conversation_id=f"recorded-{secrets.token_hex(12)}", channel=FOLLOW_UP_CHANNEL,
                       contact_role=draft.contactor if draft.contactor in CONTACT_ROLES else "other",
                       reason=draft.reasons[0], urgency=draft.urgency, resident_words=draft.note,
                       contact_method="phone", phone=draft.callback_phone, reach_time=draft.reach_time,
                       consent_text=FOLLOW_UP_CONSENT_TEXT, consent_at=contact_at, path_id=draft.path_id,
                       prefilled={"recorded_contact": {"channel": draft.channel}})


def form_key(account: Account, idempotency_key: str) -> str:
    """The stored key of a client's form: scoped to its account, apart from the close's "ticket:<id>"."""
    return f"form:{account.id}:{idempotency_key}"


def send_address(draft: ContactDraft, send_to: str | None, channels: Collection[str]) -> str | None:
    """The checked address a path is sent to (None: not sent by the service), or `ContactError`. No
    `send_to` at all: the professional sent it themselves; a blank one with `path_sent_via` is a form whose
    address was left empty, refused rather than recorded as sent with nothing queued."""
    if send_to is None:
        return None
    if not send_to.strip():
        if draft.path_sent_via is not None:
            raise ContactError("send_to", "Anna osoite, johon ohje lähetetään.")
        return None
    if draft.path_id is None:
        raise ContactError("path_id", "Valitse ensin ohjauspolku, joka lähetetään asiakkaalle.")
    via = draft.path_sent_via
    if via is None:
        raise ContactError("path_sent_via", "Valitse, lähetetäänkö ohje sähköpostilla vai tekstiviestillä.")
    if via not in channels:
        raise ContactError("path_sent_via", "Tällä lähetystavalla ei voi lähettää: palvelussa ei ole otettu sitä "
                                            "käyttöön. Valitse toinen tapa tai anna ohje asiakkaalle muuten.")
    address = email_address(send_to) if via == "email" else sms_number(send_to)
    if address is None:
        raise ContactError("send_to", "Anna sähköpostiosoite muodossa nimi@esimerkki.fi." if via == "email" else
                                      "Anna suomalainen matkapuhelinnumero, esimerkiksi 040 123 4567.")
    return address


class ContactStore(Store):
    """Repository of contact records; each call is one transaction (with the access log)."""

    def __init__(self, sessions: sessionmaker, office_hours: OfficeHours,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        super().__init__(sessions, clock)
        self.tickets = TicketStore(sessions, office_hours, clock)

    @classmethod
    def beside(cls, tickets: TicketStore) -> "ContactStore":
        """A contact store on the ticket store's database, office hours and clock."""
        return cls(tickets._sessions, tickets.office_hours, tickets._clock)  # noqa: SLF001 - the same store family

    def record(self, account: Account, draft: ContactDraft, idempotency_key: str,
               service_areas: Collection[str] = (), send_to: str | None = None,
               send_channels: Collection[str] = ("email", "sms")) -> tuple[ContactRecord, bool]:
        """Store a contact once per idempotency key; returns (record, created now?). A follow-up makes its
        ticket, and a path sent to `send_to` (by `draft.path_sent_via`, one of `send_channels`: those with a
        sender) its outbox row, in the same transaction."""
        if not idempotency_key or len(idempotency_key) > MAX_KEY:
            raise ContactError("idempotency_key", f"Lomakkeen tunniste puuttuu tai on yli {MAX_KEY} merkkiä.")
        now = self.now()
        draft = draft.validated(now, service_areas)
        address = send_address(draft, send_to, send_channels)
        # a client's key is its own account's (a repeat by another account is a new form, never their record),
        # and never one of the ticket close's keys ("ticket:<id>")
        stored_key = form_key(account, idempotency_key)
        existing = self.by_idempotency_key(stored_key)
        if existing is not None:
            return self._replayed(account, existing), False
        for _attempt in range(3):
            try:
                with self._transaction() as session:
                    if draft.source_handoff_id is not None:
                        self._check_handoff(session, account, draft.source_handoff_id)
                    ticket = None
                    if draft.follow_up:
                        # created now, answered counting from the contact itself (it may be recorded later)
                        ticket = self.tickets.add_in(session, follow_up_draft(draft, draft.contact_at or now),
                                                     f"contact:{account.id}:{idempotency_key}", now,
                                                     actor=f"account:{account.username}", account_id=account.id,
                                                     answer_from=draft.contact_at)
                    record = write_record(session, account, draft, stored_key, now, follow_up_ticket=ticket)
                    if address is not None and draft.path_id is not None and draft.path_sent_via is not None:
                        enqueue(session, draft.path_sent_via, address, path_template(draft.path_id), now)
                return record, True
            except IntegrityError:
                existing = self.by_idempotency_key(stored_key)
                if existing is not None:  # a double submit raced us: theirs is the one
                    return self._replayed(account, existing), False
                if draft.source_handoff_id is not None and self._handoff_recorded(draft.source_handoff_id):
                    raise ContactConflict("this chat already has its contact record") from None
                # otherwise the follow-up ticket's reference collided (about 1 in 10^11): try again
        raise StoreUnavailable("could not store the contact record")

    @staticmethod
    def _check_handoff(session: Session, account: Account, handoff_id: int) -> None:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise ContactError("handoff_id", "Chat-keskustelua ei löydy.")
        if handoff.taken_by != account.id:
            raise ContactConflict("only the professional who held this chat records it", already_recorded=False)
        if session.execute(select(ContactRecord.id).where(ContactRecord.source_handoff_id == handoff_id)).first():
            raise ContactConflict("this chat already has its contact record")

    def _handoff_recorded(self, handoff_id: int) -> bool:
        with self._transaction() as session:
            return session.execute(select(ContactRecord.id)
                                   .where(ContactRecord.source_handoff_id == handoff_id)).first() is not None

    def _replayed(self, account: Account, record: ContactRecord) -> ContactRecord:
        """The record a repeated form returns, read (and logged) as the account's own."""
        with self._transaction() as session:
            _log(session, account, "contact_read", record, record.source_ticket_id or record.follow_up_ticket_id)
        return record

    def by_idempotency_key(self, key: str) -> ContactRecord | None:
        with self._transaction() as session:
            return session.execute(select(ContactRecord).where(ContactRecord.idempotency_key == key)
                                   ).scalar_one_or_none()

    def get(self, account: Account, record_id: int) -> ContactRecord:
        with self._transaction() as session:
            record = session.get(ContactRecord, record_id)
            if record is None:
                raise ContactNotFound(record_id)
            _log(session, account, "contact_read", record, record.source_ticket_id or record.follow_up_ticket_id)
            return record

    def ticket_summary(self, ticket_id: int) -> dict[str, Any] | None:
        """A follow-up ticket as the recording professional sees it at once: reference, status, answer-by."""
        with self._transaction() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                return None
            return {"id": ticket.id, "reference": ticket.reference, "status": ticket.status,
                    "urgency": ticket.urgency, "answer_by": ticket.answer_by.isoformat()}

    def report(self, period: Any, service_areas: Sequence[tuple[str, str]] = (),
               office_hours: OfficeHours | None = None, staffing: Sequence[Roster] = ()) -> dict[str, Any]:
        """`contact_report.build_contact_report` in one read-only transaction (counts only: no access log);
        the staffed time ends at the store's clock."""
        from actions.store.contact_report import build_contact_report
        with self._transaction() as session:
            return build_contact_report(session, period, service_areas=service_areas, office_hours=office_hours,
                                        staffing=staffing, now=self.now())

    def of_ticket(self, ticket_id: int) -> ContactRecord | None:
        """The record made when this ticket was closed, if any (no log: the caller reads the ticket)."""
        with self._transaction() as session:
            return session.execute(select(ContactRecord).where(ContactRecord.source_ticket_id == ticket_id)
                                   ).scalar_one_or_none()

    def list(self, account: Account, filters: ContactFilter | None = None) -> list[ContactRecord]:
        """Records newest contact first; each listed record is logged as read."""
        filters = filters or ContactFilter()
        query = select(ContactRecord)
        if filters.start is not None:
            query = query.where(ContactRecord.contact_at >= filters.start)
        if filters.end is not None:
            query = query.where(ContactRecord.contact_at < filters.end)
        if filters.channel is not None:
            query = query.where(ContactRecord.channel == filters.channel)
        query = query.order_by(ContactRecord.contact_at.desc(), ContactRecord.id.desc())
        query = query.limit(max(1, min(filters.limit, 500)))
        with self._transaction() as session:
            records = list(session.execute(query).scalars())
            for record in records:
                _log(session, account, "contact_list", record, record.source_ticket_id or record.follow_up_ticket_id)
            return records


__all__ = ["ContactConflict", "ContactDraft", "ContactError", "ContactFilter", "ContactNotFound", "ContactStore",
           "FOLLOW_UP_CONSENT_TEXT", "TicketNotFound", "channel_of_ticket", "contact_labels",
           "write_record"]
