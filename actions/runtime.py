"""What the actions need at run time: the live library, the database, the emergency answers,
the ticket store, the resident's own space (with the person keys' secret) and the programme texts.

Built once per actions-server process, before it listens (`actions.server.warm_up`; if that fails, on
first use); tests pass their own `Runtime` to the actions instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from sqlalchemy.orm import sessionmaker

from actions.store.office_hours import OfficeHours
from actions.programme_texts import ProgrammeTexts, load_programme_texts
from actions.store.database import make_engine, make_session_factory
from actions.store.own_space import OwnSpaceStore
from actions.store.person_key import secret_of
from actions.store.tickets import TicketStore
from bot.nlu.finnish import FinnishAnalyzer
from bot.redaction import Redactor
from bot.settings import Secret, Settings, library_sources
from guidance_library.emergency import EmergencyRules, load_emergency_rules
from guidance_library.live import LiveLibrary
from guidance_library.models import GuidanceLibrary


@dataclass(frozen=True)
class Runtime:
    """Shared services of the actions."""

    library: LiveLibrary[GuidanceLibrary]
    sessions: sessionmaker
    emergency: EmergencyRules
    redactor: Redactor
    tickets: TicketStore
    person_secret: Secret  # the person keys' secret, from the settings (`person_key.secret_of`)

    @property
    def person_keys_secret(self) -> Secret:
        """The person keys' secret (it must never change)."""
        return self.person_secret

    @cached_property
    def own_space(self) -> OwnSpaceStore:
        """The identified resident's own space (results, programmes), on the ticket store's clock."""
        return OwnSpaceStore(self.sessions, self.person_keys_secret, clock=self.tickets.now)

    @cached_property
    def programme_texts(self) -> ProgrammeTexts:
        """What the chat says about programmes and kept results (actions/programme_texts.yml)."""
        return load_programme_texts()

    @classmethod
    def from_settings(cls, settings: Settings) -> "Runtime":
        """Build from settings (the library location comes from the same env vars as the bot's)."""
        library = LiveLibrary(library_sources(), lambda library: library)
        sessions = make_session_factory(make_engine(settings.database_url))
        return cls(library=library, sessions=sessions, emergency=load_emergency_rules(),
                   redactor=Redactor(FinnishAnalyzer()),
                   tickets=TicketStore(sessions, office_hours_of(library.current())),
                   person_secret=secret_of(settings.identification))


def office_hours_of(library: GuidanceLibrary) -> OfficeHours:
    """The client-guidance team's office hours from the region profile."""
    return OfficeHours.from_profile({"region": dict(library.profile.region)})


@lru_cache(maxsize=1)
def default_runtime() -> Runtime:
    """The process-wide runtime of the actions server (built by `actions.server.warm_up`, else on first use)."""
    return Runtime.from_settings(Settings.from_env())
