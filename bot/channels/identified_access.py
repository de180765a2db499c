"""Who may use a conversation on the socket.io channel.

An anonymous conversation is opened by whoever holds its (unguessable) id, as before. A
conversation that has been bound to a strongly identified session is opened only with a valid,
unexpired, not-logged-out token for exactly that conversation. Refusals are logged for the
operators with a reason and the conversation's key (`bot.personal_data.conversation_key`), never
with personal data.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable

from sqlalchemy.exc import SQLAlchemyError

from actions.store.identification import IdentificationStore
from actions.store.transactions import StoreUnavailable
from bot.blocking import blocking
from bot.personal_data import conversation_key
from bot.service_faults import ACCESS_FAULT, ServiceFault
from bot.session_tokens import SessionTokens, TokenRefused

logger = logging.getLogger(__name__)

ENDED_NOTICE = ("Tunnistautunut keskustelusi on päättynyt tai sen voimassaoloaika on kulunut umpeen, joten "
                "aloitimme uuden, nimettömän keskustelun. Voit tunnistautua uudelleen, jos asiasi sitä vaatii.")
MESSAGE_REFUSED_NOTICE = ("Tunnistautunut keskustelusi on päättynyt, joten viestiäsi ei välitetty. Aloitimme uuden, "
                          "nimettömän keskustelun: voit kirjoittaa viestisi uudelleen tai tunnistautua uudelleen.")


@dataclass(frozen=True)
class Verdict:
    """`unbound` (anonymous conversation), `allowed` (bound, valid token) or `refused` with a reason."""

    outcome: str
    reason: str = ""

    @property
    def refused(self) -> bool:
        return self.outcome == "refused"


UNBOUND = Verdict("unbound")
ALLOWED = Verdict("allowed")


class IdentifiedAccess:
    """Checks conversation access against the identification store and the session tokens."""

    def __init__(self, build: Callable[[], tuple[IdentificationStore, SessionTokens]]) -> None:
        self._build = build
        self._parts: tuple[IdentificationStore, SessionTokens] | None = None
        self._building = threading.Lock()

    @classmethod
    def from_env(cls) -> "IdentifiedAccess":
        """Store and tokens from the process settings, built when first needed (not at import)."""
        def build() -> tuple[IdentificationStore, SessionTokens]:
            from actions.store.database import make_engine, make_session_factory
            from bot.session_tokens import session_secret
            from bot.settings import Settings

            settings = Settings.from_env()
            store = IdentificationStore(make_session_factory(make_engine(settings.database_url)))
            return store, SessionTokens(session_secret(settings.identification))
        return cls(build)

    def _store_and_tokens(self) -> tuple[IdentificationStore, SessionTokens]:
        with self._building:  # the first checks arrive together from the executor's threads: build once
            if self._parts is None:
                self._parts = self._build()
        return self._parts

    def check_now(self, conversation_id: str, token: object) -> Verdict:
        """The verdict for using `conversation_id` with `token` (blocking: database)."""
        store, tokens = self._store_and_tokens()
        if not store.is_bound(conversation_id):
            return UNBOUND
        try:
            claims = tokens.read(token)
        except TokenRefused as refusal:
            return Verdict("refused", refusal.reason)
        if claims.conversation_id != conversation_id:
            return Verdict("refused", "token of another conversation")
        session = store.active_session(claims.session_key)
        if session is None or session.conversation_id != conversation_id:
            return Verdict("refused", "session ended or expired")
        return ALLOWED

    async def check(self, conversation_id: str, token: object) -> Verdict:
        """`check_now` off the event loop; an unreachable database is a `ServiceFault` (nothing can be let in)."""
        try:
            return await blocking(self.check_now, conversation_id, token)
        except (SQLAlchemyError, StoreUnavailable) as error:
            raise ServiceFault(ACCESS_FAULT, f"identification store: {error.__class__.__name__}") from error

    @staticmethod
    def log_refusal(where: str, conversation_id: str, verdict: Verdict) -> None:
        logger.warning("webchat: identified conversation %s refused at %s: %s", conversation_key(conversation_id), where,
                       verdict.reason)
