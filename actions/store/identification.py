"""Strong identification's records: SAML requests in flight, assertions seen, identified chat sessions.

Kept in the database (not in a process's memory) so the web app's replicas and the Rasa server's
socket.io channel agree: a response is accepted once, for a request this service sent, and a
conversation bound to an identified session is refused to anyone without that session's token.
No identity code or name is stored here; the identity lives in the conversation's `identity` slot.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from actions.store.models import IdentifiedSession, SamlAssertionSeen, SamlRequest
from actions.store.transactions import Store, stored_hash


# An expired request is kept a day more, so a late or repeated response to it is still told apart
# ("already used") from one to a request never sent.
REQUEST_KEPT_AFTER = dt.timedelta(days=1)


# What is stored of a session key (the key itself travels only inside the signed token) or of a
# login's browser binding (the value itself travels only in the browser's cookie): its hash.
key_hash = stored_hash


@dataclass(frozen=True)
class OpenedSession:
    """A new identified session: the key to put in its token, the conversation and the expiry."""

    key: str
    conversation_id: str
    expires_at: dt.datetime


class IdentificationStore(Store):
    """Repository of the identification records; each method is one short transaction."""

    # -- SAML requests and assertions ---------------------------------------------------------------

    def remember_request(self, request_id: str, carry_over_conversation: str | None, lifetime: dt.timedelta,
                         browser_binding: str) -> None:
        """Keep a request in flight; `browser_binding` is the login cookie of the browser that asked (stored
        hashed), which the response must come back with."""
        now = self._clock()
        with self._sessions() as session, session.begin():
            session.add(SamlRequest(id=request_id, carry_over_conversation=carry_over_conversation,
                                    browser_binding=key_hash(browser_binding), created_at=now,
                                    expires_at=now + lifetime))

    def outstanding(self, request_id: str) -> SamlRequest | None:
        """The request if it was sent by us, is unanswered and has not expired."""
        now = self._clock()
        with self._sessions() as session:
            request = session.get(SamlRequest, request_id)
        if request is None or request.answered_at is not None or request.expires_at <= now:
            return None
        return request

    def was_answered(self, request_id: str) -> bool:
        """Whether a response to this request was accepted (or refused as cancelled) already."""
        with self._sessions() as session:
            request = session.get(SamlRequest, request_id)
        return request is not None and request.answered_at is not None

    def answer_request(self, request_id: str) -> SamlRequest | None:
        """Mark the request answered; None if it was unknown, expired or already answered (one winner)."""
        now = self._clock()
        with self._sessions() as session, session.begin():
            result = session.execute(update(SamlRequest)
                                     .where(SamlRequest.id == request_id, SamlRequest.answered_at.is_(None),
                                            SamlRequest.expires_at > now)
                                     .values(answered_at=now))
            if result.rowcount != 1:
                return None
            return session.get(SamlRequest, request_id)

    def first_use_of_assertion(self, assertion_id: str, keep_until: dt.datetime) -> bool:
        """Record an assertion's ID; False if it was seen before (a replay)."""
        now = self._clock()
        try:
            with self._sessions() as session, session.begin():
                session.add(SamlAssertionSeen(assertion_id=assertion_id, seen_at=now, keep_until=keep_until))
        except IntegrityError:
            return False
        return True

    # -- identified sessions ------------------------------------------------------------------------

    def open_session(self, conversation_id: str, lifetime: dt.timedelta, name_id: str | None = None,
                     session_index: str | None = None, person_key: str | None = None) -> OpenedSession:
        """A new session bound to the conversation; earlier open sessions of it end (reason `replaced`).
        `person_key` (actions.store.person_key) names whose own space the session opens."""
        now = self._clock()
        key = secrets.token_hex(32)
        with self._sessions() as session, session.begin():
            session.execute(update(IdentifiedSession)
                            .where(IdentifiedSession.conversation_id == conversation_id,
                                   IdentifiedSession.ended_at.is_(None))
                            .values(ended_at=now, end_reason="replaced"))
            session.add(IdentifiedSession(key_hash=key_hash(key), conversation_id=conversation_id, created_at=now,
                                          expires_at=now + lifetime, name_id=name_id, session_index=session_index,
                                          person_key=person_key))
        return OpenedSession(key, conversation_id, now + lifetime)

    def active_session(self, session_key: str) -> IdentifiedSession | None:
        """The session of this key if it has neither ended nor expired."""
        now = self._clock()
        with self._sessions() as session:
            found = session.execute(select(IdentifiedSession).where(IdentifiedSession.key_hash == key_hash(session_key))
                                    ).scalar_one_or_none()
        if found is None or found.ended_at is not None or found.expires_at <= now:
            return None
        return found

    def is_bound(self, conversation_id: str) -> bool:
        """Whether the conversation was ever bound to an identified session (then only a valid token opens it)."""
        with self._sessions() as session:
            return session.execute(select(IdentifiedSession.id)
                                   .where(IdentifiedSession.conversation_id == conversation_id).limit(1)
                                   ).first() is not None

    def has_live_session(self, conversation_id: str) -> bool:
        """Whether the conversation is bound right now to a session that has neither ended nor expired.

        The actions server asks this before it trusts the conversation's `identity` slot: a tracker
        posted by someone else cannot make an identified ticket without a live session row."""
        with self._sessions() as session:
            return session.execute(select(IdentifiedSession.id)
                                   .where(IdentifiedSession.conversation_id == conversation_id,
                                          IdentifiedSession.ended_at.is_(None),
                                          IdentifiedSession.expires_at > self._clock()).limit(1)
                                   ).first() is not None

    def end_session(self, session_key: str, reason: str = "logout") -> IdentifiedSession | None:
        """End the session (logout); returns it as it was, or None if it was not active."""
        active = self.active_session(session_key)
        if active is None:
            return None
        with self._sessions() as session, session.begin():
            session.execute(update(IdentifiedSession).where(IdentifiedSession.id == active.id,
                                                            IdentifiedSession.ended_at.is_(None))
                            .values(ended_at=self._clock(), end_reason=reason))
        return active

    def purge(self) -> tuple[int, int]:
        """Forget requests a day after they expired (answered or not) and seen assertions past their keeping
        time; returns how many of each went. Run by the retention (actions/store/retention.py)."""
        now = self._clock()
        with self._sessions() as session, session.begin():
            requests = session.execute(delete(SamlRequest).where(SamlRequest.expires_at < now - REQUEST_KEPT_AFTER))
            seen = session.execute(delete(SamlAssertionSeen).where(SamlAssertionSeen.keep_until < now))
        return int(requests.rowcount or 0), int(seen.rowcount or 0)
