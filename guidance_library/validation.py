"""Rules that every guidance path and the whole library must keep.

Messages are written for content editors (in Finnish): which file, which line, what to fix.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from ruamel.yaml.scalarstring import LiteralScalarString

from guidance_library.models import ASSESSMENTS, AUDIENCES, FACETS, KINDS, GuidancePath, Topic
from guidance_library.placeholders import unknown_names

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_PATTERN = re.compile(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?:[/?#][^\s<>\"]*)?$")
PLACEHOLDER_ONLY = re.compile(r"^\{\{\s*[A-Za-z0-9_.]+\s*\}\}$")
MIN_EXAMPLES = 6
MIN_ANSWER_CHARS = 80
MAX_ANSWER_CHARS = 1400
MAX_TITLE_CHARS = 90

REQUIRED = ("id", "topic", "title", "kind", "facet", "examples", "answer", "owner", "reviewed", "sources")
OPTIONAL = ("urgent_signs", "links", "contacts", "follow_ups", "keywords", "status", "audience")
STATUSES = ("published", "draft")


@dataclass(frozen=True)
class Problem:
    """One thing an editor must fix."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


def is_finnish_phone(number: str) -> bool:
    """True for a well-formed Finnish phone number (112, 116117, 0800 ..., +358 ...)."""
    digits = re.sub(r"[\s-]", "", number)
    if re.fullmatch(r"112|116\d{3}", digits):
        return True
    if digits.startswith("+358"):
        return re.fullmatch(r"\+358[1-9]\d{4,10}", digits) is not None
    return re.fullmatch(r"0[1-9]\d{4,10}", digits) is not None


PHONE_IN_TEXT = re.compile(r"(?<![\d/,.])(?:\+358[\s-]?\d|0\d|116\s?\d)(?:[\s-]?\d){4,11}(?![\d/])")


def typed_number_problems(text: str, national_numbers: Iterable[str] | None) -> list[str]:
    """Phone numbers typed into a text: malformed ones, and (if national numbers are given) any
    other than a national number, because regional numbers belong in the region profile."""
    national = {re.sub(r"\D", "", n) for n in national_numbers or ()}
    out = []
    for match in PHONE_IN_TEXT.finditer(text):
        number = match.group().strip()
        if re.sub(r"\D", "", number) in national:
            continue
        if not is_finnish_phone(number):
            out.append(f"Puhelinnumero '{number}' ei ole kelvollinen suomalainen numero.")
        elif national_numbers is not None:
            out.append(f"Numero '{number}' ei ole valtakunnallinen numero: kirjoita alueen numerot paikkamerkillä, "
                       f"esim. {{{{contacts.client_guidance.phone}}}}, tai lisää valtakunnallinen numero "
                       f"tiedostoon region/national.yml.")
    return out


# National numbers that may be written as such: 112 is in every sentence about acute danger ("soita 112"),
# it never changes, and a placeholder would only make the text harder to read and write.
WRITTEN_AS_SUCH = frozenset({"112"})
_DIGIT = re.compile(r"\d")


def national_number_pattern(phone: str) -> re.Pattern[str]:
    """A pattern for one phone number typed with or without spaces and hyphens ("116117", "116 117",
    "09-2525 0111"); a number beginning with 0 also in international form (+358 9 2525 0111)."""
    digits = re.sub(r"\D", "", phone)
    sep = r"[\s-]?"
    body = sep.join(digits[1:]) if digits.startswith("0") else sep.join(digits)
    start = r"(?:0|\+358" + sep + ")" + sep if digits.startswith("0") else ""
    return re.compile(r"(?<![\d+])" + start + body + r"(?!\d)")


def national_number_patterns(national_phones: Mapping[str, str]) -> list[tuple[str, str, re.Pattern[str]]]:
    """(contact key, phone, pattern) for each national number that must be written as a placeholder."""
    return [(key, phone, national_number_pattern(phone)) for key, phone in national_phones.items()
            if phone and re.sub(r"\D", "", phone) not in WRITTEN_AS_SUCH]


def typed_national_numbers(text: str, patterns: list[tuple[str, str, re.Pattern[str]]]) -> list[tuple[int, str, str]]:
    """(offset, number as typed, contact key) for every national number typed into `text`."""
    if not _DIGIT.search(text):
        return []  # no digit, no number (most texts: the look costs one scan instead of one per number)
    found = [(m.start(), m.group(), key) for key, _, pattern in patterns for m in pattern.finditer(text)]
    return sorted(found)


def national_number_message(typed: str, key: str, field: str) -> str:
    """What an editor must do about a national number typed into a path."""
    placeholder = f"{{{{contacts.{key}.phone}}}}"
    if field == "title":
        return (f"Otsikossa on valtakunnallinen numero '{typed}'. Otsikko näkyy painikkeissa sellaisenaan: "
                f"jätä numero pois otsikosta ja kerro se vastauksessa paikkamerkillä {placeholder}.")
    return (f"Valtakunnallinen numero '{typed}' on kirjoitettu tekstiin sellaisenaan. Käytä paikkamerkkiä "
            f"{placeholder}, niin numero pysyy oikeana, kun se muuttuu tiedostossa region/national.yml.")


def is_url(value: str) -> bool:
    """True for an absolute https address (or a placeholder that resolves to one)."""
    return bool(URL_PATTERN.match(value) or PLACEHOLDER_ONLY.match(value))


def _line(node: Any, key: str | int | None = None) -> int | None:
    """1-based line of a key (or the node itself) in a ruamel round-trip document."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is None:
            return lc.line + 1
        if isinstance(key, int):
            return lc.item(key)[0] + 1
        return lc.key(key)[0] + 1
    except (KeyError, IndexError, TypeError):
        return lc.line + 1


def line_of(node: Any, key: str | int | None = None) -> int | None:
    """1-based line of a key, a list item or the node itself in a parsed file, for the other files'
    checks (programmes); None when the node carries no position."""
    return _line(node, key)


@dataclass
class _PathFile:
    """One parsed path file under check, what its rules compare it with, and the problems found so
    far: each rule below is a small function of this, so a rule can be read (and added) alone."""

    doc: Mapping[str, Any]
    file: str
    topics: Mapping[str, Topic]
    scope: Mapping[str, Any]
    contact_keys: frozenset[str]
    expected_id: str | None
    national_numbers: Iterable[str] | None
    assessments: tuple[str, ...]
    national_phones: Mapping[str, str] | None
    problems: list[Problem] = field(default_factory=list)

    def add(self, key: str | None, message: str, node: Any = None, index: int | None = None) -> None:
        """A problem at the line of `key` (or of item `index` of `node`; the document's own line
        without either)."""
        node = self.doc if node is None else node
        self.problems.append(Problem(self.file, _line(node, index if index is not None else key), message))


def _check_fields(path: _PathFile) -> None:
    for key in REQUIRED:
        if key not in path.doc or path.doc[key] in (None, "", []):
            path.add(None, f"Pakollinen kenttä '{key}' puuttuu tai on tyhjä.")
    for key in path.doc:
        if key not in REQUIRED and key not in OPTIONAL:
            path.add(key, f"Tuntematon kenttä '{key}'. Sallitut: {', '.join(REQUIRED + OPTIONAL)}.")


def _check_id_and_topic(path: _PathFile) -> None:
    path_id = path.doc.get("id")
    if isinstance(path_id, str):
        if not ID_PATTERN.match(path_id):
            path.add("id", f"Tunniste '{path_id}' saa sisältää vain pieniä kirjaimia a-z, numeroita ja väliviivoja.")
        if path.expected_id and path_id != path.expected_id:
            path.add("id", f"Tunniste '{path_id}' ei vastaa tiedoston nimeä '{path.expected_id}.yml'.")
    topic = path.doc.get("topic")
    if isinstance(topic, str) and topic not in path.topics:
        path.add("topic", f"Aihetta '{topic}' ei ole palvelutarpeiden luettelossa (catalogue.yml).")


def _check_kind_facet_audience(path: _PathFile) -> None:
    kind = path.doc.get("kind")
    if kind is not None and kind not in KINDS:
        path.add("kind", f"Lajin pitää olla yksi näistä: {', '.join(KINDS)} (nyt '{kind}').")
    facet = path.doc.get("facet")
    if facet is not None and facet not in FACETS:
        path.add("facet", f"Näkökulman (facet) pitää olla yksi näistä: {', '.join(FACETS)} (nyt '{facet}').")
    audience = path.doc.get("audience")
    if audience is not None and (not isinstance(audience, list) or not set(map(str, audience)) <= set(AUDIENCES)):
        path.add("audience", f"Kohderyhmä (audience) on lista, jonka arvot ovat näistä: {', '.join(AUDIENCES)} "
                             f"(nyt {audience!r}).")


def _check_title_and_examples(path: _PathFile) -> None:
    title = path.doc.get("title")
    if isinstance(title, str) and len(title) > MAX_TITLE_CHARS:
        path.add("title", f"Otsikko on liian pitkä ({len(title)} merkkiä, enintään {MAX_TITLE_CHARS}).")
    examples = path.doc.get("examples")
    if examples is None:
        return
    if not isinstance(examples, list) or not all(isinstance(e, str) and e.strip() for e in examples):
        path.add("examples", "Esimerkkien pitää olla luettelo tekstejä (- esimerkki).")
        return
    if len(examples) < MIN_EXAMPLES:
        path.add("examples", f"Esimerkkejä on {len(examples)}; tarvitaan vähintään {MIN_EXAMPLES} erilaista "
                             "asukkaan muotoilua.")
    seen: set[str] = set()
    for i, example in enumerate(examples):
        norm = " ".join(example.lower().split())
        if norm in seen:
            path.add(None, f"Esimerkki '{example}' on kahteen kertaan.", examples, i)
        seen.add(norm)


def _check_answer(path: _PathFile) -> None:
    answer = path.doc.get("answer")
    if isinstance(answer, str):
        if len(answer.strip()) < MIN_ANSWER_CHARS:
            path.add("answer", f"Vastaus on liian lyhyt ({len(answer.strip())} merkkiä, vähintään {MIN_ANSWER_CHARS}).")
        if len(answer) > MAX_ANSWER_CHARS:
            path.add("answer", f"Vastaus on liian pitkä ({len(answer)} merkkiä, enintään {MAX_ANSWER_CHARS}). "
                               "Jaa se lyhyiksi askeliksi tai kahdeksi poluksi.")
        if re.search(r"<[a-zA-Z/][^>]*>", answer):
            path.add("answer", "Vastauksessa on HTML-merkintöjä. Kirjoita pelkkää tekstiä.")
    elif answer is not None:
        path.add("answer", "Vastauksen pitää olla tekstiä.")


def _text_problems(path: _PathFile, text: str) -> list[str]:
    """Placeholders the profile lacks, and phone numbers typed into a resident-facing text."""
    unknown = [f"Paikkamerkkiä {{{{{name}}}}} ei löydy alueprofiilista." for name in unknown_names(text, path.scope)]
    return unknown + typed_number_problems(text, path.national_numbers)


def _check_texts(path: _PathFile) -> None:
    for field_name in ("answer", "title"):
        text = path.doc.get(field_name)
        if isinstance(text, str):
            for message in _text_problems(path, text):
                path.add(field_name, message)
    signs = path.doc.get("urgent_signs") or []
    if not isinstance(signs, list) or not all(isinstance(s, str) and s.strip() for s in signs):
        path.add("urgent_signs", "Kiireellisyysmerkkien pitää olla luettelo tekstejä.")
    else:
        for i, sign in enumerate(signs):
            for message in _text_problems(path, sign):
                path.add(None, message, signs, i)
    if path.national_phones:
        path.problems.extend(_national_number_problems(path.doc, path.file,
                                                       national_number_patterns(path.national_phones)))
    if path.doc.get("kind") == "kiire" and not signs:
        path.add("kind", "Kiireellisen polun (kind: kiire) pitää kertoa kiireellisyysmerkit (urgent_signs).")


def _check_links_and_contacts(path: _PathFile) -> None:
    for field_name in ("links", "sources"):
        path.problems.extend(_check_links(path.doc.get(field_name), field_name, path.file, path.scope))
    contacts = path.doc.get("contacts") or []
    if not isinstance(contacts, list):
        path.add("contacts", "Yhteystietojen pitää olla luettelo avaimia, esim. [client_guidance, paivystysapu].")
        return
    for i, key in enumerate(contacts):
        if key not in path.contact_keys:
            path.add(None, f"Yhteystietoa '{key}' ei ole alueprofiilissa eikä valtakunnallisissa yhteystiedoissa.",
                     contacts, i)


def _check_follow_ups(path: _PathFile) -> None:
    follow = path.doc.get("follow_ups") or {}
    if not isinstance(follow, Mapping):
        path.add("follow_ups", "follow_ups-kentän pitää olla sanakirja (related, contact_request, assessment).")
        return
    related = follow.get("related") or []
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        path.add("follow_ups", "follow_ups.related on luettelo polkujen tunnisteita.")
    assessment = follow.get("assessment")
    if assessment is not None and assessment not in path.assessments:
        path.add("follow_ups", f"Tuntematon itsearvio '{assessment}'. Sallitut: {', '.join(path.assessments)}.")
    if "contact_request" in follow and not isinstance(follow["contact_request"], bool):
        path.add("follow_ups", "follow_ups.contact_request on true tai false.")


def _check_status_and_review(path: _PathFile) -> None:
    status = path.doc.get("status", "published")
    if status not in STATUSES:
        path.add("status", "Tilan pitää olla published (botti käyttää) tai draft (luonnos, ei vielä käytössä); "
                           f"nyt '{status}'.")
    reviewed = path.doc.get("reviewed")
    if reviewed is not None and not isinstance(reviewed, dt.date):
        path.add("reviewed", "Tarkistuspäivä muodossa VVVV-KK-PP, esim. 2026-11-23.")


# The rules of one path file, in the order their problems are reported.
PATH_CHECKS: tuple[Callable[[_PathFile], None], ...] = (
    _check_fields, _check_id_and_topic, _check_kind_facet_audience, _check_title_and_examples, _check_answer,
    _check_texts, _check_links_and_contacts, _check_follow_ups, _check_status_and_review,
)


def check_path_document(
    doc: Any,
    file: str,
    topics: Mapping[str, Topic],
    scope: Mapping[str, Any],
    contact_keys: Iterable[str],
    expected_id: str | None = None,
    national_numbers: Iterable[str] | None = None,
    assessments: Iterable[str] = ASSESSMENTS,
    national_phones: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Check one parsed path file; an empty list means it is fine.

    `national_phones` (contact key -> phone of region/national.yml) turns on the rule that a
    national number is never typed into the resident-facing text (title, answer, urgent_signs,
    link names) but written as its placeholder, 112 excepted (see WRITTEN_AS_SUCH)."""
    if not isinstance(doc, Mapping):
        return [Problem(file, 1, "Tiedoston pitää olla YAML-sanakirja (kenttä: arvo -rivejä).")]
    path = _PathFile(doc, file, topics, scope, frozenset(contact_keys), expected_id, national_numbers,
                     tuple(assessments), national_phones)
    for check in PATH_CHECKS:
        check(path)
    return path.problems


def _text_line(node: Any, key: str, text: str, offset: int) -> int | None:
    """Line of `offset` in the text of `node[key]`: exact in a literal block (`answer: |`), else
    the key's line."""
    line = _line(node, key)
    if line is not None and isinstance(text, LiteralScalarString):
        return line + 1 + text[:offset].count("\n")
    return line


def _national_number_problems(doc: Mapping[str, Any], file: str,
                              patterns: list[tuple[str, str, re.Pattern[str]]]) -> list[Problem]:
    """National numbers typed into what residents read. Examples and keywords are what residents
    type (never shown), and sources and urls are for editors, so they may carry a number."""
    problems = []
    for field_name in ("title", "answer"):
        text = doc.get(field_name)
        if isinstance(text, str):
            for offset, typed, key in typed_national_numbers(text, patterns):
                problems.append(Problem(file, _text_line(doc, field_name, text, offset),
                                        national_number_message(typed, key, field_name)))
    for field_name, part in (("urgent_signs", None), ("links", "name")):
        items = doc.get(field_name)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            text = item.get(part) if part and isinstance(item, Mapping) else item
            if isinstance(text, str):
                for _, typed, key in typed_national_numbers(text, patterns):
                    problems.append(Problem(file, _line(items, i), national_number_message(typed, key, field_name)))
    return problems


def _check_links(links: Any, field_name: str, file: str, scope: Mapping[str, Any]) -> list[Problem]:
    if links is None:
        return []
    if not isinstance(links, list):
        return [Problem(file, None, f"{field_name}: luettelo, jossa jokaisella on name ja url.")]
    problems = []
    for i, link in enumerate(links):
        line = _line(links, i)
        if not isinstance(link, Mapping) or not link.get("name") or not link.get("url"):
            problems.append(Problem(file, line, f"{field_name}: jokaisella linkillä pitää olla name ja url."))
            continue
        url = str(link["url"])
        if not is_url(url):
            problems.append(Problem(file, line, f"{field_name}: osoite '{url}' ei ole kelvollinen https-osoite."))
        for name in unknown_names(url, scope):
            problems.append(Problem(file, line, f"Paikkamerkkiä {{{{{name}}}}} ei löydy alueprofiilista."))
    return problems


def check_library(paths: Iterable[GuidancePath], topics: Mapping[str, Topic], complete: bool = True) -> list[Problem]:
    """Rules across files: unique ids, no shared examples; when `complete`, also related paths
    exist and every catalogue topic has a path (a partial library being written skips those)."""
    paths = list(paths)
    problems: list[Problem] = []
    ids = Counter(p.id for p in paths)
    for path in paths:
        if ids[path.id] > 1:
            others = [p.source_file for p in paths if p.id == path.id and p is not path]
            problems.append(Problem(path.source_file, None, f"Tunniste '{path.id}' on käytössä myös tiedostossa {', '.join(others)}."))
    known = set(ids)
    for path in paths:
        for rel in path.follow_ups.related:
            if rel not in known and complete:
                problems.append(Problem(path.source_file, None, f"follow_ups.related: polkua '{rel}' ei ole kirjastossa."))
            elif rel == path.id:
                problems.append(Problem(path.source_file, None, "follow_ups.related: polku ei voi viitata itseensä."))
    owners: dict[str, str] = {}
    for path in paths:
        for example in path.examples:
            norm = " ".join(example.lower().split())
            if norm in owners and owners[norm] != path.id:
                problems.append(Problem(path.source_file, None, f"Esimerkki '{example}' on myös polussa '{owners[norm]}'. Sama kysymys voi johtaa vain yhteen polkuun."))
            owners.setdefault(norm, path.id)
    covered = {p.topic for p in paths}
    for topic_id in topics if complete else ():
        if topic_id not in covered:
            problems.append(Problem("catalogue.yml", None, f"Aiheella '{topic_id}' ei ole yhtään ohjauspolkua."))
    return problems


SERVICE_AREA_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
SERVICE_AREA_ID_MAX = 60  # analytics_event.service_area and contact_record.service_area
SERVICE_AREA_NAME_MAX = 120


def check_service_areas(raw: Any, file: str) -> tuple[list[tuple[str, str]], list[Problem]]:
    """The region profile's `contact_record:` section: its service areas as (id, name), and the problems
    (each naming the field, e.g. `contact_record.service_areas[2].id`). An absent section is no areas."""
    if raw is None:
        return [], []
    if not isinstance(raw, dict) or set(raw) - {"service_areas", "staffing"}:
        return [], [Problem(file, None, "contact_record: sallitut kentät ovat service_areas ja staffing.")]
    entries = raw.get("service_areas") or []
    if not isinstance(entries, list):
        return [], [Problem(file, None, "contact_record.service_areas: pitää olla luettelo (id ja name).")]
    areas: list[tuple[str, str]] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries):
        where = f"contact_record.service_areas[{number}]"
        if not isinstance(entry, dict) or set(entry) - {"id", "name"}:
            problems.append(Problem(file, None, f"{where}: pitää olla id ja name, ei muita kenttiä."))
            continue
        area_id, name = entry.get("id"), entry.get("name")
        if not isinstance(area_id, str) or not SERVICE_AREA_ID.fullmatch(area_id) or len(area_id) > SERVICE_AREA_ID_MAX:
            problems.append(Problem(file, None, f"{where}.id: '{area_id}' ei kelpaa: pienet kirjaimet a-z, numerot "
                                                f"ja alaviivat, enintään {SERVICE_AREA_ID_MAX} merkkiä."))
            continue
        if area_id in seen:
            problems.append(Problem(file, None, f"{where}.id: '{area_id}' on jo luettelossa."))
            continue
        if not isinstance(name, str) or not name.strip() or len(name) > SERVICE_AREA_NAME_MAX:
            problems.append(Problem(file, None, f"{where}.name: nimi puuttuu tai on yli {SERVICE_AREA_NAME_MAX} "
                                                f"merkkiä."))
            continue
        seen.add(area_id)
        areas.append((area_id, name.strip()))
    return areas, problems


# -- the region profile's accessibility statement (region.accessibility) ----------------------------------
STATEMENT_FIELDS = ("statement_date", "response_days", "feedback_url", "feedback_email")
FEEDBACK_EMAIL = re.compile(r"^[^@\s<>\"'(),;:]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
MAX_RESPONSE_DAYS = 14  # the law on digital services (306/2019): the provider answers feedback in 14 days


def check_accessibility_statement(raw: Any, file: str, required: bool) -> list[Problem]:
    """The region profile's `region.accessibility:` section, which the accessibility statement
    (/saavutettavuusseloste) is filled from. With `required` (a real region, not the example) the
    statement's date, the response time and a feedback channel (a web form or an e-mail address, as
    the law requires) must be there: a statement without them would silently lack its feedback part.
    Values that are present are checked either way. Each problem names the field."""
    where = "region.accessibility"
    if raw is None:
        return [Problem(file, None, f"{where} puuttuu: saavutettavuusselosteeseen tarvitaan statement_date, "
                                    f"response_days ja feedback_url tai feedback_email.")] if required else []
    if not isinstance(raw, dict):
        return [Problem(file, None, f"{where}: pitää olla kenttiä (statement_date, response_days, feedback_url, "
                                    f"feedback_email).")]
    problems = [Problem(file, None, f"{where}.{name}: tuntematon kenttä; sallitut ovat {', '.join(STATEMENT_FIELDS)}.")
                for name in raw if name not in STATEMENT_FIELDS]
    date, days = raw.get("statement_date"), raw.get("response_days")
    url, email = raw.get("feedback_url"), raw.get("feedback_email")
    if date is None:
        if required:
            problems.append(Problem(file, None, f"{where}.statement_date puuttuu: selosteen laatimis- tai "
                                                f"tarkistuspäivä muodossa VVVV-KK-PP."))
    elif not _is_iso_date(date):
        problems.append(Problem(file, None, f"{where}.statement_date: '{date}' ei ole päivämäärä muodossa VVVV-KK-PP."))
    if days is None:
        if required:
            problems.append(Problem(file, None, f"{where}.response_days puuttuu: monessako päivässä palautteeseen "
                                                f"vastataan (enintään {MAX_RESPONSE_DAYS})."))
    elif isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_RESPONSE_DAYS:
        problems.append(Problem(file, None, f"{where}.response_days: '{days}' ei kelpaa: kokonaisluku 1–"
                                            f"{MAX_RESPONSE_DAYS} (laki digitaalisten palvelujen tarjoamisesta)."))
    if url is not None and not (isinstance(url, str) and URL_PATTERN.match(url)):
        problems.append(Problem(file, None, f"{where}.feedback_url: '{url}' ei ole https-osoite."))
    if email is not None and not (isinstance(email, str) and FEEDBACK_EMAIL.match(email)):
        problems.append(Problem(file, None, f"{where}.feedback_email: '{email}' ei ole sähköpostiosoite."))
    if required and url is None and email is None:
        problems.append(Problem(file, None, f"{where}.feedback_url tai {where}.feedback_email puuttuu: "
                                            f"saavutettavuuspalautteen kanava (lomake tai sähköposti) on pakollinen."))
    return problems


def _is_iso_date(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True
