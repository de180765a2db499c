"""Who may reach the own space's rows, shared by the message and own-space stores.

Residents reach only their own rows: every resident call takes the person key (`person_key.py`) and
filters by it. Professionals reach a resident's rows only through a contact request the resident
left while strongly identified: the ticket's identity code gives the person key, and a ticket
filed anonymously has none, so nothing of an anonymous conversation is reachable. Every staff read
or change is a line in the access log, in the same transaction, naming the ticket it went through.
"""
from __future__ import annotations

import re

from sqlalchemy.orm import Session

from actions.store.models import AccessLogEntry, Account, Ticket
from actions.store.person_key import person_key
from actions.store.tickets import ClaimConflict, TicketNotFound
from bot.bidi_controls import without_bidi_controls
from bot.settings import Secret

STAFF_ROLE = "professional"  # the only role that sees residents' matters (as in the ticket queue)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # control characters other than tab and newline


class InputRefused(ValueError):
    """A value is not acceptable; `field` names it (for 422 answers and Finnish messages at the door)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


class StaffOnly(PermissionError):
    """The account is not a professional's (or not active): residents' matters are not for it."""


class NotIdentified(LookupError):
    """The ticket was filed in an anonymous conversation: it has no resident behind it to reach."""


def require_professional(account: Account) -> None:
    """Refuse any account but an active professional's."""
    if account is None or account.role != STAFF_ROLE or not account.active:
        raise StaffOnly("only a professional reaches residents' matters")


def log_access(session: Session, account: Account, action: str, ticket_id: int | None,
               detail: str = "") -> AccessLogEntry:
    """One access-log line in the caller's transaction (as the ticket store writes them)."""
    entry = AccessLogEntry(actor=f"account:{account.username}", account_id=account.id, action=action[:30],
                           ticket_id=ticket_id, detail=detail[:500])
    session.add(entry)
    return entry


def identified_ticket(session: Session, ticket_id: int, secret: Secret, *, for_update: bool = False
                      ) -> tuple[Ticket, str]:
    """The ticket and its resident's person key; `TicketNotFound`, or `NotIdentified` for an anonymous one."""
    ticket = session.get(Ticket, ticket_id, with_for_update=for_update)
    if ticket is None:
        raise TicketNotFound(ticket_id)
    if ticket.identity_code is None:
        raise NotIdentified(ticket_id)
    return ticket, person_key(ticket.identity_code, secret)


def require_held(ticket: Ticket, account: Account) -> None:
    """Changes to what the resident sees are for the professional holding the open ticket (as with every
    change of a ticket: `TicketStore`); otherwise `ClaimConflict` says why."""
    if ticket.status == "closed":
        raise ClaimConflict("the ticket is closed")
    if ticket.assignee_id != account.id:
        raise ClaimConflict("claim the ticket first" if ticket.assignee_id is None
                            else "another professional has this ticket")


def plain_text(text: str, limit: int, field_name: str) -> str:
    """Text as it is stored: no bidirectional or other control characters (tabs and newlines stay),
    Windows line ends made plain, trimmed; empty or longer than `limit` characters is `InputRefused`
    (a resident's words are never cut silently)."""
    cleaned = _CONTROL.sub("", without_bidi_controls((text or "").replace("\r\n", "\n").replace("\r", "\n"))).strip()
    if not cleaned:
        raise InputRefused(field_name, "empty")
    if len(cleaned) > limit:
        raise InputRefused(field_name, f"at most {limit} characters")
    return cleaned
