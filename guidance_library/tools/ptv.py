"""Import services from the national service catalogue (Suomi.fi Palvelutietovaranto, PTV).

Reads services and service channels in the shape of the PTV Open API v11 (`GET /api/v11/Service`
pages or lists, `GET /api/v11/ServiceChannel/list`) and turns them into:

- one draft guidance path per published service with a Finnish name (`status: draft`: validated
  but never shown to residents until an editor has finished and published it), its topic
  suggested by the library's own retrieval, and
- region-profile contact entries for the linked channels (phone, e-service, service location),
  reusing a profile contact that already has the same phone number or PTV id.

Nothing here reaches the network: the operator downloads the JSON and passes the files.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from guidance_library.models import Contact, GuidanceLibrary, Topic
from guidance_library.validation import MAX_ANSWER_CHARS, MAX_TITLE_CHARS, MIN_EXAMPLES, URL_PATTERN, is_finnish_phone

PTV_SERVICE_URL = "https://api.palvelutietovaranto.suomi.fi/api/v11/Service/{id}"
DAYS = {"Monday": "ma", "Tuesday": "ti", "Wednesday": "ke", "Thursday": "to", "Friday": "pe",
        "Saturday": "la", "Sunday": "su"}
TAG = re.compile(r"<[^>]{0,200}>")


class PtvFormatError(Exception):
    """The input is not PTV v11 JSON; the message is for the operator."""


@dataclass
class ImportedContact:
    """A profile contact entry made from a PTV service channel."""

    key: str
    entry: dict[str, str]
    reused: bool = False


@dataclass
class ImportedDraft:
    """A draft path made from a PTV service, with what the editor still has to do."""

    path_id: str
    area: str
    document: dict[str, Any]
    to_do: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    drafts: list[ImportedDraft] = field(default_factory=list)
    contacts: dict[str, ImportedContact] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def read_items(file: Path) -> list[dict[str, Any]]:
    """Items of a PTV response file: a page (`itemList`), a list, or a single object."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise PtvFormatError(f"Tiedostoa ei löydy: {file}") from err
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PtvFormatError(f"{file}: ei ole kelvollista JSONia ({err}).") from err
    if isinstance(data, dict) and isinstance(data.get("itemList"), list):
        items = data["itemList"]
    elif isinstance(data, list):
        items = data
    elif isinstance(data, dict) and "id" in data:
        items = [data]
    else:
        raise PtvFormatError(f"{file}: odotettiin PTV v11 -vastausta (sivu, jossa itemList, luettelo tai yksi kohde).")
    if not all(isinstance(item, dict) for item in items):
        raise PtvFormatError(f"{file}: luettelon kohteiden pitää olla JSON-olioita.")
    return items


def localized(items: Any, kind: str | None = None, language: str = "fi") -> list[str]:
    """Values of a PTV localized list in one language (and of one `type`), tags removed."""
    out = []
    for item in items or []:
        if not isinstance(item, dict) or item.get("language") != language:
            continue
        if kind is not None and item.get("type") != kind:
            continue
        value = plain_text(item.get("value"))
        if value:
            out.append(value)
    return out


def plain_text(value: Any) -> str:
    """PTV text as plain text: markup removed, whitespace tidied, paragraphs kept."""
    if not isinstance(value, str):
        return ""
    text = TAG.sub("", value).replace("\r\n", "\n")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n".join(p for p in paragraphs if p)


def slug(text: str, limit: int = 40) -> str:
    """A lower-case a-z0-9 id part from Finnish text."""
    text = text.lower().translate(str.maketrans({"ä": "a", "ö": "o", "å": "a", "é": "e", "ü": "u"}))
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:limit].rstrip("-") or "palvelu"


def facet_slug(name: str, topic_id: str) -> str:
    """The words of a service name that the topic id does not already say ("ptv" if none)."""
    stems = [part[:5] for part in topic_id.split("-")]
    words = [w for w in slug(name, 80).split("-") if not any(w.startswith(stem) for stem in stems)]
    return slug("-".join(words)) if words else "ptv"


def finnish_phone(number: Mapping[str, Any]) -> str | None:
    """A PTV phone number in Finnish domestic form ("+358" "35550300" -> "03 5550300")."""
    digits = re.sub(r"[^\d+]", "", str(number.get("number") or ""))
    prefix = str(number.get("prefixNumber") or "").strip()
    if not digits:
        return None
    if number.get("isFinnishServiceNumber") or digits.startswith("0") or digits in ("112", "116117"):
        phone = digits
    elif prefix in ("+358", "358", "00358"):
        phone = "0" + digits.lstrip("0")
    else:
        return None
    if phone.startswith("0") and len(phone) > 4 and not phone.startswith(("0800", "020", "030", "010", "075")):
        area_len = 3 if phone[1] in "45" else 2
        phone = f"{phone[:area_len]} {phone[area_len:]}"
    return phone if is_finnish_phone(phone) else None


def _clock(value: Any) -> str:
    match = re.match(r"(\d{1,2}):(\d{2})", str(value or ""))
    if not match:
        return ""
    hours, minutes = int(match.group(1)), match.group(2)
    return f"{hours}" if minutes == "00" else f"{hours}.{minutes}"


def opening_hours(service_hours: Any) -> str | None:
    """Regular opening hours in the profile's style ("ma–to klo 8–15, pe klo 8–13.30")."""
    parts = []
    for hours in service_hours or []:
        if not isinstance(hours, dict) or hours.get("serviceHourType") not in ("DaysOfTheWeek", "Standard"):
            continue
        if hours.get("isAlwaysOpen"):
            return "aina auki"
        for opening in hours.get("openingHour") or []:
            first, last = DAYS.get(opening.get("dayFrom")), DAYS.get(opening.get("dayTo"))
            start, end = _clock(opening.get("from")), _clock(opening.get("to"))
            if first and start and end:
                days = f"{first}–{last}" if last and last != first else first
                parts.append(f"{days} klo {start}–{end}")
    return ", ".join(parts) or None


def channel_contact(channel: Mapping[str, Any]) -> dict[str, str] | None:
    """A profile contact entry (name, phone, hours, url, email, address, source) for one channel."""
    names = localized(channel.get("serviceChannelNames"), "Name")
    if not names:
        return None
    entry: dict[str, str] = {"name": names[0]}
    phones = [finnish_phone(p) for p in channel.get("phoneNumbers") or []
              if isinstance(p, dict) and p.get("type", "Phone") == "Phone" and p.get("language", "fi") == "fi"]
    phones = [p for p in phones if p]
    if phones:
        entry["phone"] = phones[0]
    hours = opening_hours(channel.get("serviceHours"))
    if hours:
        entry["hours"] = hours
    urls = [w.get("url") for w in channel.get("webPages") or []
            if isinstance(w, dict) and w.get("language", "fi") == "fi" and URL_PATTERN.match(str(w.get("url") or ""))]
    if urls:
        entry["url"] = urls[0]
    emails = localized(channel.get("supportEmails"))
    if emails:
        entry["email"] = emails[0]
    for address in channel.get("addresses") or []:
        street = (address or {}).get("streetAddress") or {}
        street_name = localized(street.get("street"))
        if street_name:
            post_office = localized(street.get("postOffice"))
            town = post_office[0].title() if post_office else ""
            entry["address"] = " ".join(filter(None, [street_name[0], str(street.get("streetNumber") or "")])) + \
                (f", {street.get('postalCode', '')} {town}".rstrip() if town else "")
            break
    entry["source"] = f"PTV {channel.get('serviceChannelType', 'kanava')} {channel.get('id', '')}".strip()
    return entry


def _trim(text: str, limit: int) -> str:
    """Cut at the last sentence end before the limit."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind(".\n"), cut.rfind("\n"))
    return cut[:end + 1].rstrip() if end > limit // 2 else cut.rsplit(" ", 1)[0] + " …"


def _unique(base: str, used: set[str], separator: str) -> str:
    """`base`, or base + separator + 2, 3 ...: the first not in `used`, which then holds it."""
    key, n = base, 2
    while key in used:
        key, n = f"{base}{separator}{n}", n + 1
    used.add(key)
    return key


class _ChannelContacts:
    """The profile contact key of each PTV channel: an existing profile contact with the same
    phone number or PTV id (listed as reused), else a new `ptv_...` entry. Both go to
    `result.contacts`, and a channel met again (by id or phone) gets the same key."""

    def __init__(self, library: GuidanceLibrary, result: ImportResult) -> None:
        self.result = result
        self.known: dict[str, str] = {}  # phone digits or PTV id -> profile key
        for key, contact in library.profile.contacts.items():
            if contact.phone:
                self.known.setdefault(re.sub(r"\D", "", contact.phone), key)  # a shared number: the first listed
        self.used_keys = set(library.profile.contacts) | set(library.national_contacts)

    def key(self, channel: Mapping[str, Any]) -> str | None:
        """The channel's contact key (None for a channel without a Finnish name)."""
        channel_id = str(channel.get("id"))
        if channel_id in self.known:
            return self.known[channel_id]
        entry = channel_contact(channel)
        if entry is None:
            return None
        digits = re.sub(r"\D", "", entry.get("phone", ""))
        if digits and digits in self.known:
            key = self.known[digits]
            self.result.contacts.setdefault(key, ImportedContact(key, entry, reused=True))
        else:
            key = _unique("ptv_" + slug(entry["name"], 30).replace("-", "_"), self.used_keys, "_")
            self.result.contacts[key] = ImportedContact(key, entry)
            if digits:
                self.known[digits] = key
        self.known[channel_id] = key
        return key

    def keys_of(self, service: Mapping[str, Any], channels: Mapping[str, Mapping[str, Any]]) -> list[str]:
        """The contact keys of a service's linked channels, each once, in the service's order."""
        keys: list[str] = []
        for link in service.get("serviceChannels") or []:
            channel = channels.get(str(((link or {}).get("serviceChannel") or {}).get("id")))
            key = self.key(channel) if channel is not None else None
            if key and key not in keys:
                keys.append(key)
        return keys

    def links(self, keys: Iterable[str]) -> list[dict[str, str]]:
        """Web addresses of the new contacts among `keys`, as a draft's links."""
        entries = [self.result.contacts.get(key) for key in keys]
        return [{"name": e.entry["name"], "url": e.entry["url"]} for e in entries
                if e and e.entry.get("url") and not e.reused]


@dataclass(frozen=True)
class _ServiceTexts:
    """The Finnish texts of one PTV service that its draft is made of."""

    name: str
    alternatives: list[str]
    summary: list[str]
    keywords: list[str]
    text: str  # summary, description and user instructions: the answer's source

    @classmethod
    def of(cls, service: Mapping[str, Any], name: str) -> "_ServiceTexts":
        descriptions = service.get("serviceDescriptions")
        summary = localized(descriptions, "Summary")
        text = "\n".join([*summary, *localized(descriptions, "Description"),
                          *localized(descriptions, "UserInstruction")])
        return cls(name, localized(service.get("serviceNames"), "AlternativeName"), summary,
                   localized(service.get("keywords")), text)

    def examples(self) -> list[str]:
        return list(dict.fromkeys([self.name, *self.alternatives, *self.keywords]))


def _skip_note(service: Mapping[str, Any], names: list[str]) -> str | None:
    """Why a service gets no draft (not published, or no Finnish name), or None."""
    label = names[0] if names else str(service.get("id") or "") or "(nimetön)"
    if service.get("publishingStatus", "Published") != "Published":
        return f"{label}: ei julkaistu PTV:ssä ({service.get('publishingStatus')})."
    return None if names else f"{label}: ei suomenkielistä nimeä."


def _suggested_topic(texts: _ServiceTexts, library: GuidanceLibrary, suggest_topic: Callable[[str], str | None]
                     ) -> tuple[Topic, list[str]]:
    """The retrieval's topic for the service (the catalogue's first when it has none), and the
    editor's first to-do about it."""
    topic_id = suggest_topic(" ".join([texts.name, *texts.alternatives, *texts.summary, *texts.keywords]))
    topic = library.topics.get(topic_id or "")
    if topic is None:
        return next(iter(library.topics.values())), ["valitse aihe (haku ei löytänyt sopivaa)"]
    return topic, ["tarkista aihe (ehdotettu: %s)" % (topic_id or "ei ehdotusta")]


def _answer(texts: _ServiceTexts, to_do: list[str]) -> str:
    """The draft's answer from the service's texts, cut to fit; what the editor must then do is
    added to `to_do`."""
    examples = texts.examples()
    if len(examples) < MIN_EXAMPLES:
        to_do.append(f"kirjoita asukkaan kysymyksiä esimerkeiksi (nyt {len(examples)}, vähintään {MIN_EXAMPLES})")
    answer = _trim(texts.text, MAX_ANSWER_CHARS - 20) if texts.text else ""
    if len(texts.text) > MAX_ANSWER_CHARS - 20:
        to_do.append("PTV:n kuvaus lyhennettiin: tarkista, että vastaus on kokonainen")
    if not answer:
        to_do.append("kirjoita vastaus (PTV:ssä ei ole suomenkielistä kuvausta)")
    to_do.append("muokkaa vastaus asukkaalle lyhyiksi askeliksi ja poista status: draft")
    to_do.append("tarkista näkökulma (facet: overview on oletus) ja lisää kohderyhmä (audience), jos ohje on "
                 "tietylle ryhmälle")
    return answer


def _owner(service: Mapping[str, Any]) -> str:
    """The responsible organisation's name, or a note that the path was imported."""
    return next((str(o["organization"].get("name")) for o in service.get("organizations") or []
                 if isinstance(o, dict) and o.get("roleType") == "Responsible" and isinstance(o.get("organization"), dict)
                 and o["organization"].get("name")), "Palvelutietovaranto (tuotu)")


def import_services(
    services: Iterable[Mapping[str, Any]],
    channels: Iterable[Mapping[str, Any]],
    library: GuidanceLibrary,
    suggest_topic: Callable[[str], str | None],
    today: dt.date | None = None,
) -> ImportResult:
    """Drafts and contact entries for the published services with a Finnish name."""
    today = today or dt.date.today()
    result = ImportResult()
    by_channel_id = {str(c.get("id")): c for c in channels if isinstance(c, Mapping)}
    contacts = _ChannelContacts(library, result)
    used_ids = {p.id for p in (*library.paths, *library.drafts)}
    for service in services:
        names = localized(service.get("serviceNames"), "Name")
        skipped = _skip_note(service, names)
        if skipped:
            result.skipped.append(skipped)
            continue
        texts = _ServiceTexts.of(service, names[0])
        topic, to_do = _suggested_topic(texts, library, suggest_topic)
        path_id = _unique(f"{topic.id}-{facet_slug(texts.name, topic.id)}", used_ids, "-")
        keys = contacts.keys_of(service, by_channel_id)
        answer = _answer(texts, to_do)
        document: dict[str, Any] = {
            "id": path_id, "topic": topic.id, "status": "draft", "title": texts.name[:MAX_TITLE_CHARS],
            "kind": topic.kind, "facet": "overview",
            "examples": texts.examples(), "keywords": texts.keywords, "answer": answer + "\n" if answer else "",
            "links": contacts.links(keys), "contacts": keys,
            "follow_ups": {"related": [topic.id] if any(p.id == topic.id for p in library.paths) else [],
                           "contact_request": True},
            "owner": _owner(service), "reviewed": today,
            "sources": [{"name": f"Palvelutietovaranto: {texts.name}",
                         "url": PTV_SERVICE_URL.format(id=str(service.get("id") or ""))}],
        }
        result.drafts.append(ImportedDraft(path_id, topic.area, document, to_do))
    return result


def write_result(result: ImportResult, output: Path) -> list[Path]:
    """Write drafts under `output/paths/<area>/` and the contact entries to `output/profile_contacts.yml`."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 110
    yaml.allow_unicode = True
    written = []
    for draft in result.drafts:
        target = output / "paths" / draft.area / f"{draft.path_id}.yml"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8") as out:
            out.write("# Tuotu Palvelutietovarannosta. Ennen julkaisua:\n")
            out.writelines(f"#  - {item}\n" for item in draft.to_do)
            yaml.dump(_literal_answer(draft.document), out)
        written.append(target)
    if result.contacts:
        target = output / "profile_contacts.yml"
        output.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8") as out:
            out.write("# Alueprofiilin (region/profile.yml) contacts-kohtaan lisättävät yhteystiedot PTV:stä.\n")
            reused = [key for key, contact in result.contacts.items() if contact.reused]
            if reused:
                out.write(f"# Profiilissa jo olevat (sama puhelinnumero), tarkista ajantasaisuus: {', '.join(reused)}\n")
            contacts = {key: dict(c.entry) for key, c in result.contacts.items() if not c.reused}
            yaml.dump({"contacts": contacts}, out)
        written.append(target)
    return written


def _literal_answer(document: dict[str, Any]) -> dict[str, Any]:
    from ruamel.yaml.scalarstring import LiteralScalarString

    out = dict(document)
    if out.get("answer"):
        out["answer"] = LiteralScalarString(out["answer"])
    return out


def profile_contacts(result: ImportResult) -> dict[str, Contact]:
    """The imported entries as contacts (to check drafts against profile + imported contacts)."""
    fields = ("name", "phone", "hours", "note", "url", "email", "address")
    return {key: Contact(key=key, **{f: c.entry[f] for f in fields if f in c.entry}) for key, c in result.contacts.items()}
