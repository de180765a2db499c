"""The stores behind the team API, built from the settings once, when first needed.

The resident door never touches the database, so the web app does not connect at start-up: the
first team API request builds the stores (migrating the schema), and a database that cannot be
reached then is `StoreUnavailable` (503) and is tried again on the next request.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Union

import yaml
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from actions.office_hours import OfficeHours
from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.handoffs import HandoffStore
from actions.store.tickets import StoreUnavailable, TicketStore
from bot.settings import Settings, library_sources
from guidance_library.loader import load_catalogue, load_extra_topics


@dataclass(frozen=True)
class TeamStores:
    """What the team API works on; `topics` is None when topic ids are not checked."""

    tickets: TicketStore
    accounts: AccountStore
    topics: frozenset[str] | None = None
    handoffs: HandoffStore | None = None  # the live queue (the console)
    sessions: sessionmaker | None = None  # plain sessions, for reading the analytics (the management view)


StoreSource = Union[TeamStores, Callable[[], TeamStores]]


def known_topics() -> frozenset[str]:
    """Topic ids of the service-need catalogue and the project's own topics."""
    sources = library_sources()
    catalogue = load_catalogue(sources.catalogue)
    extra, _problems = load_extra_topics(sources.topic_files()[1:], catalogue)  # problems: `guidance validate`
    return frozenset(catalogue) | frozenset(extra)


def office_hours() -> OfficeHours:
    """Office hours from the region profile (`region.office_hours`)."""
    with library_sources().profile.open(encoding="utf-8") as file:
        return OfficeHours.from_profile(yaml.safe_load(file) or {})


def stores_from_settings(settings: Settings) -> TeamStores:
    """Engine (schema migrated), ticket and account stores, office hours and topics for these settings."""
    try:
        engine = make_engine(settings.database_url)
    except DBAPIError as error:
        raise StoreUnavailable(str(error.orig)) from error
    sessions = make_session_factory(engine)
    return TeamStores(TicketStore(sessions, office_hours()), AccountStore(sessions), known_topics(),
                      HandoffStore(sessions), sessions)


class LazyStores:
    """Builds the stores from the settings on first use (thread-safe), retrying after a failure."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._stores: TeamStores | None = None
        self._lock = threading.Lock()

    def __call__(self) -> TeamStores:
        with self._lock:
            if self._stores is None:
                self._stores = stores_from_settings(self._settings)
            return self._stores


def store_source(settings: Settings, given: StoreSource | None) -> Callable[[], TeamStores]:
    """A function giving the stores: the injected ones (tests), or built lazily from the settings."""
    if given is None:
        return LazyStores(settings)
    if isinstance(given, TeamStores):
        return lambda: given
    return given
