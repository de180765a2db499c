"""The notification outbox: "Sinulle on uusi viesti" by e-mail or SMS, sent after the fact, with retries.

A notification is a row written in the SAME transaction as what it announces (`enqueue(session, ...)`,
called by `MessageStore`), so a message is never announced without being stored, nor stored without
its announcement queued. The row holds only the channel, the address and a template key: never a
message's text (the texts are `notification_texts.yml`, filled in when sending).

`delivery.deliver_due` sends what is due: each row is claimed by one runner (a conditional UPDATE, so
several web replicas never send one row twice at the same time), sent, and marked sent; a failure is
retried later with exponential back-off (`RetryPolicy`) and given up after `max_attempts`. Given-up
rows stay for operators to see (`OutboxStore.counts`, a log line without personal data) until the
retention deletes sent and given-up rows `OUTBOX_KEPT` after (`OutboxStore.purge`). A send that
succeeded but could not be marked (the database went away) is sent again later: at least once.

Residents choose where they hear of new messages: one address per person (`set_address`).

A professional may also send a guidance path from the library to a resident who contacted the service
(issue 20): the row's template is `guidance_path:<digest of the path id>` (`path_template`), so the row
still holds no text; the sender finds the path in the live library by the digest when sending. The
address is only the row's: it goes with the row (`purge`), like every other notification's.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from actions.store.access import InputRefused
from actions.store.models import NOTIFICATION_CHANNELS, NotificationAddress, OutboxNotification
from actions.store.person_key import checked_key
from actions.store.tickets import callback_phone
from actions.store.transactions import Store
from bot.personal_data import EMAIL

NEW_MESSAGE = "new_message"   # "Sinulle on uusi viesti"
GUIDANCE_PATH = "guidance_path"  # a guidance path a professional sent (issue 20): `path_template`
TEMPLATES = (NEW_MESSAGE, GUIDANCE_PATH)
PATH_DIGEST_LENGTH = 20       # hex characters: "guidance_path:" + 20 fits the template column (40)
OUTBOX_KEPT = dt.timedelta(days=7)  # sent and given-up rows, for the operators' eyes, then deleted
MAX_ERROR = 200
MAX_EMAIL = 254
SMS_NUMBER_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed notification is tried again, and when it is given up.

    With the defaults: retries 2, 4, 8, 16, 32, 64 and 120 minutes apart (about four hours in all),
    given up at the 8th failure. `lease` is how long a claimed row is left to the runner sending it;
    a runner that died mid-send leaves the row to be tried again after it."""

    max_attempts: int = 8
    first_delay: dt.timedelta = dt.timedelta(minutes=2)
    max_delay: dt.timedelta = dt.timedelta(hours=2)
    lease: dt.timedelta = dt.timedelta(minutes=5)

    def delay(self, attempts: int) -> dt.timedelta:
        """The wait after the `attempts`-th failure (1, 2, ...): doubling from `first_delay`, at most `max_delay`."""
        return min(self.first_delay * (2 ** max(0, attempts - 1)), self.max_delay)


DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True)
class OutboxCounts:
    """For the operators' gauges: not yet sent (first try or retrying), of which retrying, and given up."""

    waiting: int
    retrying: int
    given_up: int


def email_address(text: str) -> str | None:
    """An e-mail address as typed (trimmed), or None if it does not look like one. ASCII only: a server
    without SMTPUTF8 refuses an address like "mäki@esimerkki.fi" on every try, so it is refused here, at
    the door, where the resident can still correct it."""
    address = (text or "").strip()
    if len(address) > MAX_EMAIL or not address.isascii() or not EMAIL.fullmatch(address):
        return None
    return address


def sms_number(text: str) -> str | None:
    """A Finnish mobile number in +358 form (as a callback number is read), or None: landlines, service
    and emergency numbers get no text messages."""
    number = callback_phone(text)
    if number is None or phonenumbers.number_type(phonenumbers.parse(number)) not in SMS_NUMBER_TYPES:
        return None
    return number


def checked_address(channel: str, address: str) -> str:
    """The address in its stored form, or `InputRefused` naming the field."""
    if channel not in NOTIFICATION_CHANNELS:
        raise InputRefused("channel", f"must be one of {', '.join(NOTIFICATION_CHANNELS)}")
    checked = email_address(address) if channel == "email" else sms_number(address)
    if checked is None:
        raise InputRefused("address", "not an e-mail address" if channel == "email" else "not a Finnish mobile number")
    return checked


def path_digest(path_id: str) -> str:
    """A short, fixed-length name of a path id (ids are up to 120 characters; the template column is 40)."""
    return hashlib.sha256(path_id.encode("utf-8")).hexdigest()[:PATH_DIGEST_LENGTH]


def path_template(path_id: str) -> str:
    """The template key of a row that sends this guidance path."""
    return f"{GUIDANCE_PATH}:{path_digest(path_id)}"


def template_parts(template: str) -> tuple[str, str | None]:
    """(the texts' key, the path digest or None): "guidance_path:ab12..." -> ("guidance_path", "ab12...")."""
    base, _, digest = template.partition(":")
    return base, digest or None


def enqueue(session: Session, channel: str, address: str, template: str, now: dt.datetime,
            person_key: str | None = None) -> OutboxNotification:
    """Queue one notification in the caller's transaction (due at once)."""
    base, digest = template_parts(template)
    if base not in TEMPLATES or (base == GUIDANCE_PATH) != (digest is not None):
        raise ValueError(f"unknown notification template {template!r}")
    item = OutboxNotification(person_key=person_key, channel=channel, address=checked_address(channel, address),
                              template=template, created_at=now, attempts=0, next_attempt_at=now)
    session.add(item)
    return item


def short_reason(reason: str) -> str:
    """What `last_error` keeps: a short reason, one line."""
    return " ".join((reason or "unknown").split())[:MAX_ERROR]


class OutboxStore(Store):
    """Repository of the outbox and of the residents' notification addresses; each call one transaction."""

    def at(self, now: dt.datetime) -> "OutboxStore":
        """The same store on a clock stopped at `now` (one delivery round sees one time)."""
        return OutboxStore(self._sessions, clock=lambda: now)

    # -- where a resident hears of new messages ------------------------------------------------------
    def set_address(self, person_key: str, channel: str, address: str) -> NotificationAddress:
        """Set (or replace) the person's one notification address; `InputRefused` for a bad one."""
        key, checked = checked_key(person_key), checked_address(channel, address)
        with self._transaction() as session:
            row = session.get(NotificationAddress, key, with_for_update=True)
            if row is None:
                row = NotificationAddress(person_key=key)
                session.add(row)
            row.channel, row.address, row.updated_at = channel, checked, self.now()
        return row

    def address_of(self, person_key: str) -> NotificationAddress | None:
        with self._transaction() as session:
            return session.get(NotificationAddress, checked_key(person_key))

    def remove_address(self, person_key: str) -> bool:
        """The person no longer wants notifications; True if there was an address."""
        with self._transaction() as session:
            return bool(session.execute(delete(NotificationAddress)
                                        .where(NotificationAddress.person_key == checked_key(person_key))).rowcount)

    # -- the queue -----------------------------------------------------------------------------------
    def enqueue(self, channel: str, address: str, template: str, person_key: str | None = None) -> OutboxNotification:
        """Queue one notification in a transaction of its own (a caller with its own uses `enqueue`)."""
        with self._transaction() as session:
            return enqueue(session, channel, address, template, self.now(), person_key)

    def claim_due(self, limit: int = 20, policy: RetryPolicy = DEFAULT_POLICY) -> list[OutboxNotification]:
        """Due rows, each claimed for this runner only (its attempt counted, leased for `policy.lease`)."""
        now = self.now()
        with self._transaction() as session:
            due = session.execute(select(OutboxNotification.id, OutboxNotification.attempts)
                                  .where(OutboxNotification.sent_at.is_(None), OutboxNotification.given_up_at.is_(None),
                                         OutboxNotification.next_attempt_at <= now)
                                  .order_by(OutboxNotification.next_attempt_at, OutboxNotification.id)
                                  .limit(max(1, limit))).all()
        claimed = []
        for row_id, attempts in due:
            with self._transaction() as session:
                won = session.execute(update(OutboxNotification)
                                      .where(OutboxNotification.id == row_id, OutboxNotification.attempts == attempts,
                                             OutboxNotification.sent_at.is_(None),
                                             OutboxNotification.given_up_at.is_(None),
                                             OutboxNotification.next_attempt_at <= now)
                                      .values(attempts=attempts + 1, next_attempt_at=now + policy.lease)
                                      .execution_options(synchronize_session=False)).rowcount == 1
                if won:
                    claimed.append(session.get(OutboxNotification, row_id))
        return claimed

    def mark_sent(self, item_id: int, attempt: int | None = None) -> bool:
        """Record the row as sent; with `attempt` (the attempt count its claim gave it) only while that claim
        still holds. False: another runner has claimed it since (its lease ran out during this send)."""
        condition = [OutboxNotification.id == item_id, OutboxNotification.sent_at.is_(None)]
        if attempt is not None:
            condition.append(OutboxNotification.attempts == attempt)
        with self._transaction() as session:
            return session.execute(update(OutboxNotification).where(*condition)
                                   .values(sent_at=self.now(), last_error=None)
                                   .execution_options(synchronize_session=False)).rowcount == 1

    def mark_failed(self, item_id: int, reason: str, policy: RetryPolicy = DEFAULT_POLICY,
                    permanent: bool = False, attempt: int | None = None) -> OutboxNotification:
        """Record a failed attempt: tried again after the back-off, or given up (after the last attempt, or
        at once when the failure is `permanent`, e.g. the address was refused). Returns the row as it is now;
        with `attempt` (its claim's attempt count) the row is left to the runner that has claimed it since."""
        now = self.now()
        with self._transaction() as session:
            item = session.get(OutboxNotification, item_id, with_for_update=True)
            if item is None:
                raise LookupError(item_id)
            if attempt is not None and (item.attempts != attempt or item.sent_at is not None):
                return item
            item.last_error = short_reason(reason)
            if permanent or item.attempts >= policy.max_attempts:
                item.given_up_at = now
            else:
                item.next_attempt_at = now + policy.delay(item.attempts)
            return item

    # -- for operators and the retention -------------------------------------------------------------
    def counts(self) -> OutboxCounts:
        """Rows not yet sent, of which retried at least once, and rows given up (for a metrics gauge)."""
        pending = (OutboxNotification.sent_at.is_(None), OutboxNotification.given_up_at.is_(None))
        with self._transaction() as session:
            waiting = session.execute(select(func.count(OutboxNotification.id)).where(*pending)).scalar_one()
            retrying = session.execute(select(func.count(OutboxNotification.id))
                                       .where(*pending, OutboxNotification.last_error.is_not(None))).scalar_one()
            given_up = session.execute(select(func.count(OutboxNotification.id))
                                       .where(OutboxNotification.given_up_at.is_not(None))).scalar_one()
        return OutboxCounts(int(waiting), int(retrying), int(given_up))

    def given_up_count(self) -> int:
        """Notifications given up and not yet deleted: the number an operator's alert watches."""
        return self.counts().given_up

    def purge(self, kept: dt.timedelta = OUTBOX_KEPT) -> int:
        """Delete rows sent or given up more than `kept` ago; returns how many went."""
        cutoff = self.now() - kept
        with self._transaction() as session:
            return int(session.execute(delete(OutboxNotification).where(
                or_(OutboxNotification.sent_at < cutoff, OutboxNotification.given_up_at < cutoff))).rowcount or 0)
