"""What the actions need at run time: the live library, the database, the emergency answers,
the ticket store.

Built once per actions-server process on first use; tests pass their own `Runtime` to the
actions instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.orm import sessionmaker

from actions.store.office_hours import OfficeHours
from actions.store.database import make_engine, make_session_factory
from actions.store.tickets import TicketStore
from bot.nlu.finnish import FinnishAnalyzer
from bot.redaction import Redactor
from bot.settings import Settings, library_sources
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

    @classmethod
    def from_settings(cls, settings: Settings) -> "Runtime":
        """Build from settings (the library location comes from the same env vars as the bot's)."""
        library = LiveLibrary(library_sources(), lambda library: library)
        sessions = make_session_factory(make_engine(settings.database_url))
        return cls(library=library, sessions=sessions, emergency=load_emergency_rules(),
                   redactor=Redactor(FinnishAnalyzer()),
                   tickets=TicketStore(sessions, office_hours_of(library.current())))


def office_hours_of(library: GuidanceLibrary) -> OfficeHours:
    """The client-guidance team's office hours from the region profile."""
    return OfficeHours.from_profile({"region": dict(library.profile.region)})


@lru_cache(maxsize=1)
def default_runtime() -> Runtime:
    """The process-wide runtime of the actions server, created on first use."""
    return Runtime.from_settings(Settings.from_env())
