"""The stores behind the staff doors (team API, console, management view) and what they are built
with: the region's office hours, the topic ids tickets may carry and the person keys' secret (the
secure messages and the resident's own space behind an identified ticket). The web app builds them
once, on first use, on its one engine (`bot.web.runtime.WebRuntime.stores`)."""
from __future__ import annotations

from dataclasses import dataclass

import yaml
from sqlalchemy.orm import sessionmaker

from actions.store.office_hours import OfficeHours
from actions.store.accounts import AccountStore
from actions.store.handoffs import HandoffStore
from actions.store.messages import MessageStore
from actions.store.outbox import OutboxStore
from actions.store.own_space import OwnSpaceStore
from actions.store.tickets import TicketStore
from bot.settings import Secret, library_sources
from guidance_library.loader import load_catalogue, load_extra_topics


@dataclass(frozen=True)
class TeamStores:
    """What the team API works on; `topics` is None when topic ids are not checked."""

    tickets: TicketStore
    accounts: AccountStore
    topics: frozenset[str] | None = None
    handoffs: HandoffStore | None = None  # the live queue (the console)
    sessions: sessionmaker | None = None  # plain sessions, for reading the analytics (the management view)
    messages: MessageStore | None = None    # secure messages of identified tickets (issue 18)
    own_space: OwnSpaceStore | None = None  # the resident's results, programmes and plan behind a ticket
    outbox: OutboxStore | None = None       # the notifications the delivery task sends


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


def stores_on(sessions: sessionmaker, secret: Secret) -> TeamStores:
    """The team's stores on one session factory, with the region's office hours, the known topics and the
    person keys' secret (the settings', read when the app was made)."""
    return TeamStores(TicketStore(sessions, office_hours()), AccountStore(sessions), known_topics(),
                      HandoffStore(sessions), sessions, MessageStore(sessions, secret),
                      OwnSpaceStore(sessions, secret), OutboxStore(sessions))
