"""The web app's runtime: everything its doors share, built once per app and kept on `app.ctx`.

One database engine (the team's stores, the identification sessions and the erasure all use it),
one relay client to the Rasa server, one live guidance library, the SAML set-up, the console's
emergency marks. Handlers reach it through `runtime_of(request)`; nothing is built in closures.

The resident door never touches the database, so nothing connects when the app is created: the
engine (schema migrated) and the stores are built on first use, and a database that cannot be
reached then is `StoreUnavailable` (503) and is tried again on the next request.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Union

from sanic import Sanic
from sanic.request import Request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from actions.store.analytics import LOCAL_ZONE
from actions.store.database import make_engine, make_session_factory
from actions.store.erasure import ErasureResult, erase_conversation
from actions.store.identification import IdentificationStore
from actions.store.messages import MessageStore
from actions.store.outbox import OutboxStore
from actions.store.own_space import OwnSpaceStore
from actions.store.person_key import secret_of
from actions.store.tickets import StoreUnavailable, TicketStore
from actions.store.transcripts import TranscriptStore
from bot.log_format import error_summary
from bot.metrics import count_store_error
from bot.session_tokens import SessionTokens, session_secret
from bot.settings import Secret, Settings, library_sources
from bot.web.emergency_marks import EmergencyMarks
from bot.web.relay_client import Relay, RelayClient
from bot.web.saml_setup import SamlSetup, prepare
from bot.web.saml_sp import ServiceProvider
from bot.web.own_space_texts import OwnSpaceTexts, load_own_space_texts
from bot.web.team_stores import TeamStores, office_hours, stores_on
from guidance_library.live import LiveLibrary
from guidance_library.models import GuidanceLibrary

StoreSource = Union[TeamStores, Callable[[], TeamStores]]
Eraser = Callable[..., ErasureResult]  # (conversation_id, person_key=None)


logger = logging.getLogger(__name__)


@dataclass
class Identification:
    """What the /auth routes work with once identification is in use (built on its first request)."""

    provider: ServiceProvider
    store: IdentificationStore
    tokens: SessionTokens
    relay: Relay
    erase: Eraser
    person_secret: Secret  # the person keys' secret (actions.store.person_key): whose own space a session opens


@dataclass(frozen=True)
class OwnSpace:
    """What the resident's own space (`bot/web/own_space.py`) works with, on the app's one engine."""

    space: OwnSpaceStore
    messages: MessageStore
    outbox: OutboxStore
    tickets: TicketStore


class WebRuntime:
    """The shared parts of one web app. `team_stores` and `relay` (tests) replace the real ones."""

    def __init__(self, settings: Settings, team_stores: StoreSource | None = None, relay: Relay | None = None,
                 today: Callable[[], dt.date] | None = None) -> None:
        from bot.web.staff_own_space import Announced  # and the staff's replies their announcements
        self.settings = settings
        self.saml: SamlSetup | None = prepare(settings)
        self.emergencies = EmergencyMarks()
        self.announced = Announced()
        self.person_secret = secret_of(settings.identification)  # read once, at start (var/ in development)
        self.today = today or (lambda: dt.datetime.now(LOCAL_ZONE).date())
        self._given_stores = team_stores
        self._relays: dict[str, Relay] = {}
        if relay is not None:
            self._relays[settings.handoff.rasa_url] = relay
        self._lock = threading.Lock()
        self._library_lock = threading.Lock()
        self._identification_lock = threading.Lock()  # a first load takes seconds: the stores must not wait for it
        self._sessions: sessionmaker | None = None
        self._stores: TeamStores | None = None
        self._library: LiveLibrary[GuidanceLibrary] | None = None
        self._identification: Identification | None = None
        self._own_space: OwnSpace | None = None
        self._own_space_texts: OwnSpaceTexts | None = None

    # -- the database ---------------------------------------------------------------------------
    def sessions(self) -> sessionmaker:
        """The one session factory of this process (engine made and schema migrated on first use)."""
        with self._lock:
            if self._sessions is None:
                try:
                    self._sessions = make_session_factory(make_engine(self.settings.database_url))
                except DBAPIError as error:
                    count_store_error()
                    raise StoreUnavailable(str(error.orig)) from error
            return self._sessions

    def stores(self) -> TeamStores:
        """The team's stores: the injected ones (tests), or built on the one engine (blocking: call it
        through `bot.blocking.blocking`)."""
        given = self._given_stores
        if isinstance(given, TeamStores):
            return given
        if given is not None:
            return given()
        sessions = self.sessions()
        with self._lock:
            if self._stores is None:
                self._stores = stores_on(sessions, self.person_secret)
            return self._stores

    def own_space(self) -> OwnSpace:
        """The own space's stores (residents by person key), built on first use (blocking)."""
        sessions = self.sessions()
        with self._lock:
            if self._own_space is None:
                secret = self.person_secret
                self._own_space = OwnSpace(OwnSpaceStore(sessions, secret), MessageStore(sessions, secret),
                                           OutboxStore(sessions), TicketStore(sessions, office_hours()))
            return self._own_space

    def own_space_texts(self) -> OwnSpaceTexts:
        """The own space's Finnish texts (read on first use, also when the database is down: its 503 is one)."""
        with self._lock:
            if self._own_space_texts is None:
                self._own_space_texts = load_own_space_texts()
            return self._own_space_texts

    # -- the Rasa server and the library ---------------------------------------------------------
    def relay_to(self, rasa_url: str) -> Relay:
        """The relay client of the Rasa server at `rasa_url` (in production the console's and the
        identification's are the same server, so one client)."""
        with self._lock:
            if rasa_url not in self._relays:
                self._relays[rasa_url] = RelayClient(rasa_url, self.settings.handoff.token())
            return self._relays[rasa_url]

    @property
    def relay(self) -> Relay:
        """The console's way to the Rasa server."""
        return self.relay_to(self.settings.handoff.rasa_url)

    def library(self) -> GuidanceLibrary:
        """The newest valid guidance library (reloaded in the background when an editor saves). The
        first call loads it (seconds): call it through `bot.blocking.blocking`, never on the loop."""
        with self._library_lock:
            if self._library is None:
                self._library = LiveLibrary(library_sources(), lambda built: built)
        return self._library.current()

    def warm_up(self) -> None:
        """Load the library and open the database before the app listens (`python -m bot.web`), so the
        first resident's page does not wait for them: loaded on the first chat-config request, the
        library kept the greeting 5 s late on an idle machine and over 30 s on a busy one. A failure
        is logged and the app starts anyway; the request that needs the part meets the error again
        and answers it as it always has."""
        for part, load in (("guidance library", self.library), ("database", self.sessions)):
            try:
                load()
            except Exception as error:  # noqa: BLE001 - reported again by the request that needs it
                logger.error("web app: the %s could not be loaded at start (%s); retried on first use", part,
                             error_summary(error))

    # -- identification --------------------------------------------------------------------------
    def identification(self) -> Identification:
        """The SAML service provider, session store, token signer, relay and eraser (blocking on first
        use: it opens the database). Only called when `saml` is set."""
        assert self.saml is not None
        with self._identification_lock:  # two first requests at once build it once
            return self._identification or self._build_identification(self.saml)

    def _build_identification(self, saml: SamlSetup) -> Identification:
        sessions = self.sessions()
        store = IdentificationStore(sessions)
        ident = self.settings.identification
        eraser = functools.partial(erase_conversation, sessions,
                                   TranscriptStore.from_url(self.settings.privacy.tracker_url))
        self._identification = Identification(ServiceProvider(saml, store), store,
                                              SessionTokens(session_secret(ident)),
                                              self.relay_to(ident.rasa_url), eraser, self.person_secret)
        return self._identification


def install_runtime(app: Sanic, runtime: WebRuntime) -> None:
    app.ctx.runtime = runtime


def runtime_of(request: Request) -> Any:
    """The runtime of the app serving `request`."""
    return request.app.ctx.runtime
