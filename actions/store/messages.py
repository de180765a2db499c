"""Secure messages: a thread per contact request between the resident and the client-guidance team.

A thread exists for a ticket the resident left while strongly identified, asking to be answered by a
message in the identified service (`contact_method` "secure_message"). `MessageStore` is the only way
in, and it keeps the access rules:

* a resident reaches a thread only with their person key, and only if the ticket's identity code is
  that person's (compared as person keys); any other ticket, an anonymous one, or one answered by
  phone, is `ThreadNotFound`, the same answer whether or not it exists;
* a professional reads any identified ticket's thread (an access-log line), and writes or marks it
  answered only while holding the ticket (as with every change of a ticket: `TicketStore`).

A message is stored (committed) before the caller acknowledges it; a double submit with the same
idempotency key stores one message and returns it again. A professional's message queues its
"Sinulle on uusi viesti" notification (`outbox.py`) in the same transaction, if the resident has
given an address. Bodies are plain text, at most `MAX_BODY` characters, never HTML (the doors escape
them as text). `read_at` of a resident's message means the team has dealt with it (a reply, or "mark
answered": the ticket has no answered status of its own); of a professional's, that the resident has
opened the thread. The team marks only what it has seen: the professional's client names the latest
resident message it showed (`last_seen_id`), and a reply the resident sent after it, while the
professional was typing, stays unread in the queue. Messages are client records: kept like tickets, never in analytics.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable

import logging

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from actions.store.access import (InputRefused, identified_ticket, log_access, plain_text, require_held,
                                  require_professional)
from actions.store.models import Account, IdentifiedSession, NotificationAddress, SecureMessage, Ticket
from actions.store.outbox import NEW_MESSAGE, enqueue
from actions.store.person_key import checked_key, person_key, same_person
from actions.store.transactions import Store, utc_now
from bot.settings import Secret

logger = logging.getLogger(__name__)
MAX_BODY = 4000            # characters of one message (the form says so; a longer one is refused, not cut)
MAX_IDEMPOTENCY_KEY = 120
THREAD_METHOD = "secure_message"


class ThreadNotFound(LookupError):
    """No thread this caller may see: no such ticket, not theirs, anonymous, or answered by phone."""


class ThreadClosed(RuntimeError):
    """The contact request is closed: a new message needs a new request."""


@dataclass(frozen=True)
class ThreadSummary:
    """One of a resident's threads, for the list in their own space."""

    ticket_id: int
    messages: int
    unread: int            # the team's messages the resident has not opened
    last_at: dt.datetime


def _key(idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise InputRefused("idempotency_key", f"1 to {MAX_IDEMPOTENCY_KEY} characters")
    return key


class MessageStore(Store):
    """Repository of secure messages; each call one transaction."""

    def __init__(self, sessions: sessionmaker, person_secret: Secret,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        super().__init__(sessions, clock)
        self._secret = person_secret

    # -- the resident's side ------------------------------------------------------------------------
    def _residents_ticket(self, session: Session, person_key: str, ticket_id: int) -> Ticket:
        ticket = session.get(Ticket, ticket_id)
        if (ticket is None or ticket.contact_method != THREAD_METHOD
                or not same_person(person_key, ticket.identity_code, self._secret)):
            raise ThreadNotFound(ticket_id)
        return ticket

    def thread(self, person_key: str, ticket_id: int) -> list[SecureMessage]:
        """The thread of the resident's own ticket, oldest first (nothing is marked read)."""
        key = checked_key(person_key)
        with self._transaction() as session:
            self._residents_ticket(session, key, ticket_id)
            return list(session.execute(select(SecureMessage).where(SecureMessage.ticket_id == ticket_id)
                                        .order_by(SecureMessage.created_at, SecureMessage.id)).scalars())

    def add_resident_message(self, person_key: str, ticket_id: int, body: str,
                             idempotency_key: str) -> tuple[SecureMessage, bool]:
        """The resident's reply; returns (message, stored now?). A double submit returns the first."""
        key, text, submit = checked_key(person_key), plain_text(body, MAX_BODY, "body"), _key(idempotency_key)

        def access(session: Session) -> tuple[Ticket, str]:
            return self._residents_ticket(session, key, ticket_id), key

        def write(session: Session, ticket: Ticket, _person: str) -> SecureMessage:
            if ticket.status == "closed":
                raise ThreadClosed(ticket_id)
            ticket.updated_at = self.now()
            return SecureMessage(ticket_id=ticket_id, person_key=key, sender="resident", body=text,
                                 created_at=self.now(), idempotency_key=submit)

        return self._store_once(ticket_id, "resident", submit, access, write)

    def mark_read(self, person_key: str, ticket_id: int) -> int:
        """The resident opened the thread: the team's unread messages are read. Returns how many."""
        key = checked_key(person_key)
        with self._transaction() as session:
            self._residents_ticket(session, key, ticket_id)
            return self._mark(session, ticket_id, "staff")

    def threads(self, person_key: str) -> list[ThreadSummary]:
        """The resident's threads that have messages, the latest first."""
        key = checked_key(person_key)
        with self._transaction() as session:
            rows = session.execute(select(SecureMessage.ticket_id, SecureMessage.sender, SecureMessage.read_at,
                                          SecureMessage.created_at)
                                   .where(SecureMessage.person_key == key)).all()
        summaries: dict[int, list] = {}
        for ticket_id, sender, read_at, created_at in rows:
            entry = summaries.setdefault(ticket_id, [0, 0, created_at])
            entry[0] += 1
            entry[1] += int(sender == "staff" and read_at is None)
            entry[2] = max(entry[2], created_at)
        return sorted((ThreadSummary(ticket_id, count, unread_count, last)
                       for ticket_id, (count, unread_count, last) in summaries.items()),
                      key=lambda summary: summary.last_at, reverse=True)

    def unread_for_resident(self, person_key: str) -> int:
        """How many of the team's messages the resident has not opened (all their threads)."""
        key = checked_key(person_key)
        with self._transaction() as session:
            return int(session.execute(select(func.count(SecureMessage.id)).where(
                SecureMessage.person_key == key, SecureMessage.sender == "staff",
                SecureMessage.read_at.is_(None))).scalar_one())

    # -- the team's side ------------------------------------------------------------------------------
    def _staff_ticket(self, session: Session, account: Account, ticket_id: int, *, held: bool,
                      lock: bool = False) -> tuple[Ticket, str]:
        require_professional(account)
        ticket, key = identified_ticket(session, ticket_id, self._secret, for_update=held or lock)
        if ticket.contact_method != THREAD_METHOD:
            raise ThreadNotFound(ticket_id)
        if held:
            self._require_held(ticket, account)
        return ticket, key

    @staticmethod
    def _require_held(ticket: Ticket, account: Account) -> None:
        """Changes are for the professional holding the ticket (`access.require_held`); a closed ticket's
        thread is `ThreadClosed` (a new message needs a new request)."""
        if ticket.status == "closed":
            raise ThreadClosed(ticket.id)
        require_held(ticket, account)

    def thread_for_staff(self, account: Account, ticket_id: int) -> list[SecureMessage]:
        """A ticket's thread for a professional, oldest first; the read is in the access log."""
        with self._transaction() as session:
            self._staff_ticket(session, account, ticket_id, held=False)
            messages = list(session.execute(select(SecureMessage).where(SecureMessage.ticket_id == ticket_id)
                                            .order_by(SecureMessage.created_at, SecureMessage.id)).scalars())
            log_access(session, account, "messages-read", ticket_id, f"{len(messages)} messages")
            return messages

    def add_staff_message(self, account: Account, ticket_id: int, body: str, idempotency_key: str,
                          last_seen_id: int | None = None) -> tuple[SecureMessage, bool]:
        """A professional's message on a ticket they hold; returns (message, stored now?). The resident's
        messages up to `last_seen_id` (the latest one the professional was shown; None: none) count as
        dealt with, and the notification is queued in the same transaction."""
        text, submit = plain_text(body, MAX_BODY, "body"), _key(idempotency_key)

        def access(session: Session) -> tuple[Ticket, str]:
            return self._staff_ticket(session, account, ticket_id, held=False, lock=True)

        def write(session: Session, ticket: Ticket, key: str) -> SecureMessage:
            self._require_held(ticket, account)
            now = self.now()
            ticket.updated_at = now
            if last_seen_id is not None:
                self._mark(session, ticket_id, "resident", last_seen_id)
            self._notify(session, key, now)
            log_access(session, account, "message", ticket_id)
            return SecureMessage(ticket_id=ticket_id, person_key=key, sender="staff", staff_account_id=account.id,
                                 body=text, created_at=now, idempotency_key=submit)

        return self._store_once(ticket_id, "staff", submit, access, write)

    def mark_answered(self, account: Account, ticket_id: int, last_seen_id: int | None = None) -> int:
        """The professional has dealt with the resident's messages up to `last_seen_id` (the latest one they
        were shown; the staff doors require it, None marks all) without writing back: those are marked
        read, and the ticket leaves the list of unread replies unless a later one waits. Returns how many
        were marked."""
        with self._transaction() as session:
            self._staff_ticket(session, account, ticket_id, held=True)
            marked = self._mark(session, ticket_id, "resident", last_seen_id)
            log_access(session, account, "messages-answered", ticket_id, f"{marked} marked")
            return marked

    def unread_replies(self, ticket_ids: Iterable[int] | None = None) -> dict[int, int]:
        """Resident messages the team has not dealt with, per ticket (only tickets that have some): the
        queue's "unread replies". Counts only; the queue's own reads are logged by the ticket store."""
        query = (select(SecureMessage.ticket_id, func.count(SecureMessage.id))
                 .where(SecureMessage.sender == "resident", SecureMessage.read_at.is_(None))
                 .group_by(SecureMessage.ticket_id))
        if ticket_ids is not None:
            wanted = list(ticket_ids)
            if not wanted:
                return {}
            query = query.where(SecureMessage.ticket_id.in_(wanted))
        with self._transaction() as session:
            return {int(ticket_id): int(count) for ticket_id, count in session.execute(query)}

    def live_chats(self, ticket_id: int) -> list[str]:
        """The chat conversations where the resident behind a thread's ticket is identified right now (any
        live identified session of the same person, the ticket's own conversation or another). The web app
        announces a professional's new message there; no door ever shows these ids. Nothing is logged:
        no resident data is read."""
        now = self.now()
        with self._transaction() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None or ticket.identity_code is None or ticket.contact_method != THREAD_METHOD:
                return []
            key = ticket.person_key or person_key(ticket.identity_code, self._secret)
            live = (IdentifiedSession.ended_at.is_(None), IdentifiedSession.expires_at > now)
            # by the person alone: a conversation carried over into another person's identification on a
            # shared device must not be told that this person has a message
            rows = session.execute(select(IdentifiedSession.conversation_id).where(
                *live, IdentifiedSession.person_key == key).order_by(IdentifiedSession.id)).scalars()
            return list(dict.fromkeys(rows))

    # -- plumbing -------------------------------------------------------------------------------------
    def _mark(self, session: Session, ticket_id: int, sender: str, up_to: int | None = None) -> int:
        """Mark the sender's unread messages of the thread read: all, or those up to the id `up_to`."""
        wanted = [SecureMessage.ticket_id == ticket_id, SecureMessage.sender == sender, SecureMessage.read_at.is_(None)]
        if up_to is not None:
            wanted.append(SecureMessage.id <= up_to)
        return int(session.execute(update(SecureMessage).where(*wanted).values(read_at=self.now())
                                   .execution_options(synchronize_session=False)).rowcount or 0)

    @staticmethod
    def _notify(session: Session, key: str, now: dt.datetime) -> None:
        """Queue "Sinulle on uusi viesti" to the person's address, if they gave one. An address stored before
        the check tightened (an e-mail address with non-ASCII letters) would fail every try: it is skipped,
        logged without the address, and the message is stored all the same."""
        address = session.get(NotificationAddress, key)
        if address is None:
            return
        try:
            enqueue(session, address.channel, address.address, NEW_MESSAGE, now, person_key=key)
        except InputRefused:
            logger.warning("a new message's %s notification skipped: the stored address is no longer accepted",
                           address.channel)

    def _store_once(self, ticket_id: int, sender: str, submit: str,
                    access: Callable[[Session], tuple[Ticket, str]],
                    write: Callable[[Session, Ticket, str], SecureMessage]) -> tuple[SecureMessage, bool]:
        """Add the message `write` makes, in one transaction with what `write` changes, once per (ticket,
        sender, key). `access` runs the access checks first; then a double submit, also one racing this
        one, gets the stored message back, and only a new message meets `write`'s checks of state."""
        try:
            with self._transaction() as session:
                ticket, key = access(session)
                existing = session.execute(select(SecureMessage).where(
                    SecureMessage.ticket_id == ticket_id, SecureMessage.sender == sender,
                    SecureMessage.idempotency_key == submit)).scalar_one_or_none()
                if existing is not None:
                    return existing, False
                message = write(session, ticket, key)
                session.add(message)
                session.flush()
            return message, True
        except IntegrityError:  # the same submit, a moment earlier in another transaction
            with self._transaction() as session:
                existing = session.execute(select(SecureMessage).where(
                    SecureMessage.ticket_id == ticket_id, SecureMessage.sender == sender,
                    SecureMessage.idempotency_key == submit)).scalar_one_or_none()
            if existing is None:
                raise
            return existing, False
