"""Typed, frozen objects for the guidance library.

The loader (`guidance_library.loader`) is the only place that builds these; the bot, the
actions server, the editors' CLI and the tests all read the library through them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

from guidance_library.staffing import Roster

if TYPE_CHECKING:
    from guidance_library.programme import Programme

KINDS = ("palvelu", "omahoito", "asiointi", "kiire")
# Which aspect of its topic a path answers, and whom it is specifically for (AUTHORING.md, "Facets"):
# a follow-up ("paljonko se maksaa?", "entä lapselle?") moves to the topic's path of that facet or audience.
FACETS = ("overview", "booking", "fees", "apply", "documents", "processing", "decision", "urgent", "self_care",
          "symptom", "support", "digital", "after_visit")
AUDIENCES = ("baby", "child", "teen", "student", "elderly", "pregnant", "relative", "professional", "family")
ASSESSMENTS = ("phq9", "gad7", "auditc")


@dataclass(frozen=True)
class Link:
    """A named web address shown to residents."""

    name: str
    url: str


@dataclass(frozen=True)
class Contact:
    """One contact channel (regional from the profile, or national)."""

    key: str
    name: str
    phone: str | None = None
    hours: str | None = None
    note: str | None = None
    url: str | None = None
    email: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class FollowUps:
    """What the resident may do after reading a path."""

    related: tuple[str, ...] = ()
    contact_request: bool = True
    assessment: str | None = None


@dataclass(frozen=True)
class Topic:
    """One service need from the catalogue."""

    id: str
    area: str
    kind: str
    need: str
    in_catalogue: bool = True


@dataclass(frozen=True)
class GuidancePath:
    """One guidance path: what to do, where to turn, when it is urgent."""

    id: str
    topic: str
    title: str
    kind: str
    examples: tuple[str, ...]
    answer: str
    urgent_signs: tuple[str, ...]
    links: tuple[Link, ...]
    contacts: tuple[str, ...]
    follow_ups: FollowUps
    owner: str
    reviewed: dt.date
    sources: tuple[Link, ...]
    keywords: tuple[str, ...] = ()
    source_file: str = ""
    facet: str = ""                    # one of FACETS (guidance validate requires it)
    audience: tuple[str, ...] = ()     # of AUDIENCES; empty: adults in general, about themselves


# the channels a contact comes through: the contact records (actions/store/models.py) and the staffing
# plan's shifts (guidance_library/staffing.py) share them
CONTACT_CHANNELS = ("phone", "chat", "secure_message", "email", "walk_in", "other")


@dataclass(frozen=True)
class ServiceArea:
    """One of the region's own services a contact can be guided to (`contact_record.service_areas`)."""

    id: str
    name: str


@dataclass(frozen=True)
class RegionProfile:
    """Regional facts that paths refer to by placeholder."""

    example: bool
    region: Mapping[str, Any]
    contacts: Mapping[str, Contact]
    service_areas: tuple[ServiceArea, ...] = ()  # contact records' onward guidance within the region
    staffing: tuple[Roster, ...] = ()  # the team's planned staffing (guidance_library/staffing.py), by day

    def placeholder_scope(self, national: Mapping[str, Contact]) -> dict[str, Any]:
        """Return the nested mapping that `{{dotted.names}}` are resolved against."""
        contacts = {**{k: _contact_dict(c) for k, c in national.items()},
                    **{k: _contact_dict(c) for k, c in self.contacts.items()}}
        return {"region": dict(self.region), "contacts": contacts}


def _contact_dict(contact: Contact) -> dict[str, Any]:
    return {k: v for k, v in contact.__dict__.items() if v is not None}


@dataclass(frozen=True)
class GuidanceLibrary:
    """The whole library: paths, catalogue topics, region profile and national contacts."""

    paths: tuple[GuidancePath, ...]
    topics: Mapping[str, Topic]
    profile: RegionProfile
    national_contacts: Mapping[str, Contact]
    version: str
    drafts: tuple[GuidancePath, ...] = ()  # validated but not served until `status: published`
    instruments: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # id -> Instrument
    programmes: Mapping[str, Programme] = field(default_factory=lambda: MappingProxyType({}))  # self-care, by id
    _by_id: Mapping[str, GuidancePath] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({p.id: p for p in self.paths}))

    def get(self, path_id: str) -> GuidancePath | None:
        """Return the path with this id, or None."""
        return self._by_id.get(path_id)

    def contact(self, key: str) -> Contact | None:
        """Return a regional contact, falling back to the national ones."""
        return self.profile.contacts.get(key) or self.national_contacts.get(key)

    def all_contacts(self) -> dict[str, Contact]:
        """National contacts overlaid with the region's own."""
        return {**self.national_contacts, **self.profile.contacts}
