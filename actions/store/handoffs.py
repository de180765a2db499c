"""The live-handoff queue: conversations waiting for a professional, and who holds which.

`HandoffStore` is the only way in. A conversation has at most one active handoff (waiting or
taken); exactly one professional wins a take-over (conditional UPDATE, like `TicketStore.claim`);
a holder whose heartbeat stops loses the conversation back to the queue; a wait that runs too long
expires. Every state change is one transaction, so two web-app processes running the same
housekeeping act on each handoff once (the one whose UPDATE matched the row). Console reads of a
conversation are written to the access log, naming the conversation only by its hashed key.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from actions.store.models import HANDOFF_ACTIVE, AccessLogEntry, Account, Handoff
from actions.store.analytics import conversation_key, record_event
from actions.store.transactions import Store

HEARTBEAT_TIMEOUT = dt.timedelta(seconds=30)
DEFAULT_MAX_WAIT = dt.timedelta(minutes=5)


class HandoffNotFound(LookupError):
    """No handoff with that id (or none active for the conversation)."""


class HandoffConflict(RuntimeError):
    """Someone else holds the conversation, or it is not in a state that allows the change."""


class HandoffStore(Store):
    """Repository of handoffs; each call is one transaction."""

    # -- the chat side ----------------------------------------------------------------------------
    def enqueue(self, conversation_id: str, summary: Mapping[str, Any]) -> tuple[Handoff, bool]:
        """Put the conversation in the queue; an active handoff of it is returned as is (False)."""
        with self._transaction() as session:
            active = self._active(session, conversation_id)
            if active is not None:
                return active, False
            now = self.now()
            handoff = Handoff(conversation_id=conversation_id, summary=dict(summary), status="waiting",
                              requested_at=now, queued_at=now)
            session.add(handoff)
            session.flush()
            record_event(session, "handoff_requested", conversation_id, at=now,
                         topic_id=summary.get("topic_id"), path_id=summary.get("path_id"))
            return handoff, True

    def active_for(self, conversation_id: str) -> Handoff | None:
        """The conversation's waiting or taken handoff, if any."""
        with self._transaction() as session:
            return self._active(session, conversation_id)

    @staticmethod
    def _active(session: Session, conversation_id: str) -> Handoff | None:
        return session.execute(select(Handoff).where(Handoff.conversation_id == conversation_id,
                                                     Handoff.status.in_(HANDOFF_ACTIVE))
                               .order_by(Handoff.id.desc()).limit(1)).scalar_one_or_none()

    def position(self, handoff_id: int) -> int | None:
        """1 for the first in the queue; None if the handoff is not waiting."""
        with self._transaction() as session:
            handoff = session.get(Handoff, handoff_id)
            if handoff is None or handoff.status != "waiting":
                return None
            ahead = session.execute(select(func.count(Handoff.id)).where(
                Handoff.status == "waiting",
                (Handoff.requested_at < handoff.requested_at)
                | ((Handoff.requested_at == handoff.requested_at) & (Handoff.id < handoff.id)))).scalar_one()
            return int(ahead) + 1

    def cancel(self, conversation_id: str) -> Handoff | None:
        """The resident leaves the queue (only a waiting handoff; a taken one is the professional's)."""
        with self._transaction() as session:
            handoff = self._active(session, conversation_id)
            if handoff is None or handoff.status != "waiting":
                return None
            changed = session.execute(update(Handoff).where(Handoff.id == handoff.id, Handoff.status == "waiting")
                                      .values(status="closed", ended_at=self.now())).rowcount
            return handoff if changed == 1 else None

    # -- the console side -------------------------------------------------------------------------
    def queue(self) -> list[Handoff]:
        """Active handoffs: waiting ones first in queue order, then the taken ones."""
        with self._transaction() as session:
            rows = session.execute(select(Handoff).where(Handoff.status.in_(HANDOFF_ACTIVE))
                                   .order_by(Handoff.requested_at, Handoff.id)).scalars()
            handoffs = list(rows)
        return [h for h in handoffs if h.status == "waiting"] + [h for h in handoffs if h.status == "taken"]

    def get(self, handoff_id: int) -> Handoff:
        with self._transaction() as session:
            handoff = session.get(Handoff, handoff_id)
            if handoff is None:
                raise HandoffNotFound(handoff_id)
            return handoff

    def take(self, account: Account, handoff_id: int) -> Handoff:
        """Take a waiting conversation; exactly one professional wins (`HandoffConflict` for the rest)."""
        with self._transaction() as session:
            now = self.now()
            changed = session.execute(update(Handoff).where(Handoff.id == handoff_id, Handoff.status == "waiting")
                                      .values(status="taken", taken_by=account.id, taken_at=now, heartbeat_at=now)
                                      ).rowcount
            handoff = session.get(Handoff, handoff_id, populate_existing=True)
            if handoff is None:
                raise HandoffNotFound(handoff_id)
            if changed != 1:
                raise HandoffConflict("another professional has this conversation" if handoff.status == "taken"
                                      else "the conversation is no longer in the queue")
            self._log(session, account, "handoff-take", handoff)
            record_event(session, "handoff_taken", handoff.conversation_id, at=now)
            return handoff

    def held(self, account: Account, handoff_id: int) -> Handoff:
        """The handoff if this account holds it now, else `HandoffConflict`."""
        with self._transaction() as session:
            return self._held(session, account, handoff_id)

    @staticmethod
    def _held(session: Session, account: Account, handoff_id: int) -> Handoff:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise HandoffNotFound(handoff_id)
        if handoff.status != "taken" or handoff.taken_by != account.id:
            raise HandoffConflict("you do not hold this conversation (any more)")
        return handoff

    def heartbeat(self, account: Account, handoff_id: int) -> Handoff:
        """The holder's console is alive; `HandoffConflict` if the conversation was lost meanwhile."""
        with self._transaction() as session:
            changed = session.execute(update(Handoff).where(Handoff.id == handoff_id, Handoff.status == "taken",
                                                            Handoff.taken_by == account.id)
                                      .values(heartbeat_at=self.now())).rowcount
            if changed != 1:
                return self._held(session, account, handoff_id)  # raises the right error
            return session.get(Handoff, handoff_id, populate_existing=True)

    def hand_back(self, account: Account, handoff_id: int) -> Handoff:
        """The holder returns the conversation to the bot."""
        return self._end_held(account, handoff_id, "returned", "handoff-return")

    def _end_held(self, account: Account, handoff_id: int, status: str, action: str) -> Handoff:
        with self._transaction() as session:
            changed = session.execute(update(Handoff).where(Handoff.id == handoff_id, Handoff.status == "taken",
                                                            Handoff.taken_by == account.id)
                                      .values(status=status, ended_at=self.now())).rowcount
            if changed != 1:
                self._held(session, account, handoff_id)
            handoff = session.get(Handoff, handoff_id, populate_existing=True)
            self._log(session, account, action, handoff)
            return handoff

    def release(self, account: Account, handoff_id: int) -> Handoff | None:
        """The holder puts the conversation back in the queue (sign-out); None if not held."""
        with self._transaction() as session:
            changed = session.execute(update(Handoff).where(Handoff.id == handoff_id, Handoff.status == "taken",
                                                            Handoff.taken_by == account.id)
                                      .values(status="waiting", taken_by=None, taken_at=None, heartbeat_at=None,
                                              queued_at=self.now())).rowcount
            if changed != 1:
                return None
            handoff = session.get(Handoff, handoff_id, populate_existing=True)
            self._log(session, account, "handoff-release", handoff)
            return handoff

    def held_by(self, account: Account) -> list[Handoff]:
        with self._transaction() as session:
            return list(session.execute(select(Handoff).where(Handoff.status == "taken",
                                                              Handoff.taken_by == account.id)).scalars())

    def attach_ticket(self, account: Account, handoff_id: int, ticket_id: int) -> Handoff:
        with self._transaction() as session:
            handoff = self._held(session, account, handoff_id)
            handoff.ticket_id = ticket_id
            return handoff

    def log_read(self, account: Account, handoff: Handoff, what: str = "") -> None:
        """A console read of the conversation, in the access log (conversation named by its key)."""
        with self._transaction() as session:
            self._log(session, account, "handoff-read", handoff, what)

    @staticmethod
    def _log(session: Session, account: Account, action: str, handoff: Handoff, what: str = "") -> None:
        detail = f"conversation {conversation_key(handoff.conversation_id)} handoff {handoff.id}"
        session.add(AccessLogEntry(actor=f"account:{account.username}", account_id=account.id, action=action,
                                   ticket_id=None, detail=(detail + (f" {what}" if what else ""))[:500]))

    # -- housekeeping (the web app's background task) ---------------------------------------------
    def release_stale(self, timeout: dt.timedelta = HEARTBEAT_TIMEOUT) -> list[Handoff]:
        """Taken handoffs whose holder's heartbeat stopped go back to the queue; returns them."""
        return self._sweep(Handoff.status == "taken", Handoff.heartbeat_at < self.now() - timeout,
                           values={"status": "waiting", "taken_by": None, "taken_at": None, "heartbeat_at": None,
                                   "queued_at": self.now()})

    def expire_waiting(self, max_wait: dt.timedelta = DEFAULT_MAX_WAIT) -> list[Handoff]:
        """Handoffs waiting longer than `max_wait` since they (re)entered the queue end as expired."""
        return self._sweep(Handoff.status == "waiting", Handoff.queued_at < self.now() - max_wait,
                           values={"status": "expired", "ended_at": self.now()})

    def _sweep(self, *conditions: Any, values: dict[str, Any]) -> list[Handoff]:
        done = []
        with self._transaction() as session:
            candidates = list(session.execute(select(Handoff.id).where(*conditions)).scalars())
        for handoff_id in candidates:
            with self._transaction() as session:
                changed = session.execute(update(Handoff).where(Handoff.id == handoff_id, *conditions)
                                          .values(**values)).rowcount
                if changed == 1:
                    done.append(session.get(Handoff, handoff_id, populate_existing=True))
        return done
