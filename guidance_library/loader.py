"""The one loader for the guidance library: files -> validated, frozen `GuidanceLibrary`.

Loading is all-or-nothing: a library with any problem raises `LibraryInvalid` listing every
problem, so callers keep serving the last good version and never a half-loaded one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from guidance_library.instruments import Instrument, build_instrument, check_instrument_document
from guidance_library.models import (CONTACT_CHANNELS, Contact, FollowUps, GuidanceLibrary, GuidancePath, Link, RegionProfile, ServiceArea,
                                     Topic)
from guidance_library.programme import Programme, build_programme
from guidance_library.programme_validation import ProgrammeContext, check_programme_document
from guidance_library.staffing import read_staffing
from guidance_library.validation import (ID_PATTERN, Problem, check_accessibility_statement, check_library,
                                         check_path_document, check_service_areas, is_finnish_phone)

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_PATHS_DIR = PACKAGE_DIR / "paths"
DEFAULT_CATALOGUE = PACKAGE_DIR / "catalogue.yml"
DEFAULT_EXTRA_TOPICS_DIR = PACKAGE_DIR / "topics"
DEFAULT_INSTRUMENTS_DIR = PACKAGE_DIR / "assessments"
DEFAULT_PROGRAMMES_DIR = PACKAGE_DIR / "programmes"
TOPIC_KINDS = ("palvelu", "omahoito", "asiointi", "kiire")
DEFAULT_PROFILE = PACKAGE_DIR / "region" / "profile.yml"
DEFAULT_NATIONAL = PACKAGE_DIR / "region" / "national.yml"
CONTACT_FIELDS = ("name", "phone", "hours", "note", "url", "email", "address")


class LibraryInvalid(Exception):
    """The library (or one of its files) breaks the rules; nothing was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the guidance library")
        self.problems = problems

    def report(self) -> str:
        """All problems, one per line."""
        return "\n".join(str(p) for p in self.problems)


@dataclass(frozen=True)
class LibrarySources:
    """Where the library's files are."""

    paths_dir: Path = DEFAULT_PATHS_DIR
    catalogue: Path = DEFAULT_CATALOGUE
    profile: Path = DEFAULT_PROFILE
    national: Path = DEFAULT_NATIONAL
    extra_topics_dir: Path = DEFAULT_EXTRA_TOPICS_DIR
    instruments_dir: Path = DEFAULT_INSTRUMENTS_DIR
    programmes_dir: Path = DEFAULT_PROGRAMMES_DIR

    def files(self) -> list[Path]:
        """Every file whose change means the library must be reloaded."""
        return [*self.topic_files(), self.profile, self.national, *self.instrument_files(),
                *self.programme_files(), *path_files(self.paths_dir)]

    def instrument_files(self) -> list[Path]:
        """Self-assessment instruments (PHQ-9 ...)."""
        return path_files(self.instruments_dir) if self.instruments_dir.is_dir() else []

    def programme_files(self) -> list[Path]:
        """Self-care programmes (mood, alcohol ...)."""
        return path_files(self.programmes_dir) if self.programmes_dir.is_dir() else []

    def topic_files(self) -> list[Path]:
        """The catalogue, then the project's own additional topics."""
        extra = path_files(self.extra_topics_dir) if self.extra_topics_dir.is_dir() else []
        return [self.catalogue, *extra]


def path_files(paths_dir: Path) -> list[Path]:
    """Path files in a stable order (hidden and editor temp files skipped)."""
    return sorted(p for p in paths_dir.rglob("*.yml") if not any(part.startswith(".") for part in p.parts))


def fingerprint(sources: LibrarySources) -> tuple[tuple[str, int, int], ...]:
    """Cheap change detector: names, sizes and modification times of the files."""
    out = []
    for file in sources.files():
        try:
            st = file.stat()
        except FileNotFoundError:
            continue
        out.append((str(file), st.st_size, st.st_mtime_ns))
    return tuple(out)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def read_yaml(file: Path, content: bytes | None = None) -> tuple[Any, list[Problem]]:
    """Parse one YAML file (or `content` already read from it), turning syntax errors into
    editor-readable problems."""
    try:
        text = file.read_text(encoding="utf-8") if content is None else content.decode("utf-8")
    except UnicodeDecodeError:
        return None, [Problem(str(file), None, "Tiedosto ei ole UTF-8-tekstiä.")]
    try:
        return _yaml().load(text), []
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(err, "problem", None) or str(err).splitlines()[0]
        return None, [Problem(str(file), line, f"YAML-virhe: {reason}. Tarkista sisennykset ja kaksoispisteet.")]


class _ParsedFiles:
    """Files parsed before, by content, the last `kept` of them: the library's other files (catalogue,
    topics, region profile, national contacts, instruments, programmes), so that a live reload after an
    editor saved a path file parses none of them again (each took 0.1-0.3 s); and, in a cache of its own,
    the risk corpus's files. Like the path files' parses, the documents are only read, never changed; a
    document with syntax problems is not kept."""

    def __init__(self, kept: int = 64) -> None:
        self._kept = kept
        self._lock = threading.Lock()
        self._by_content: OrderedDict[bytes, Any] = OrderedDict()

    def read(self, file: Path) -> tuple[Any, list[Problem]]:
        content = file.read_bytes()
        with self._lock:
            if content in self._by_content:
                self._by_content.move_to_end(content)
                return self._by_content[content], []
        doc, problems = read_yaml(file, content)
        if not problems:
            with self._lock:
                self._by_content[content] = doc
                while len(self._by_content) > self._kept:
                    self._by_content.popitem(last=False)
        return doc, problems


_PARSED_FILES = _ParsedFiles()
_PARSED_CORPUS = _ParsedFiles(kept=512)  # the risk corpus's files (72 today), apart from the library's own


def read_kept_yaml(file: Path) -> tuple[Any, list[Problem]]:
    """`read_yaml` for a file that is only read, kept parsed by content for the next read in this process
    (the risk corpus: its tools and tests read it several times)."""
    return _PARSED_CORPUS.read(file)


def read_path_file(file: Path) -> tuple[Any, list[Problem]]:
    """A path file's document, from the parses kept for library loads when its content is the same (only
    read); a new parse is kept too, until the next library load keeps its own."""
    return _PARSED_PATHS.read(file)


def load_catalogue(file: Path) -> dict[str, Topic]:
    """Read the service-need catalogue."""
    data, problems = _PARSED_FILES.read(file)
    if problems:
        raise LibraryInvalid(problems)
    return {str(t["id"]): Topic(str(t["id"]), str(t["area"]), str(t["kind"]), str(t["need"])) for t in data}


def load_extra_topics(files: Iterable[Path], catalogue: Mapping[str, Topic]) -> tuple[dict[str, Topic], list[Problem]]:
    """Topics the project adds beyond the catalogue (same fields); catalogue ids cannot be redefined."""
    topics: dict[str, Topic] = {}
    problems: list[Problem] = []
    areas = {t.area for t in catalogue.values()}
    for file in files:
        data, syntax = _PARSED_FILES.read(file)
        problems += syntax
        if not syntax and data is not None and not isinstance(data, list):
            problems.append(Problem(str(file), 1, "Tiedoston pitää olla luettelo aiheita (- {id: ..., ...})."))
            continue
        for entry in data or []:
            line = entry.lc.line + 1 if hasattr(entry, "lc") else None
            if not isinstance(entry, dict) or any(not isinstance(entry.get(k), str) or not entry.get(k).strip()
                                                  for k in ("id", "area", "kind", "need")):
                problems.append(Problem(str(file), line, "Aiheelta puuttuu jokin kentistä id, area, kind, need."))
                continue
            topic = Topic(entry["id"], entry["area"], entry["kind"], entry["need"], in_catalogue=False)
            if topic.id in catalogue or topic.id in topics:
                problems.append(Problem(str(file), line, f"Aihe '{topic.id}' on jo olemassa; valitse toinen tunniste."))
            elif not ID_PATTERN.fullmatch(topic.id):
                problems.append(Problem(str(file), line, f"Aiheen tunniste '{topic.id}': käytä vain a-z, 0-9 ja -."))
            elif topic.area not in areas:
                problems.append(Problem(str(file), line, f"Aluetta '{topic.area}' ei ole luettelossa: "
                                                         f"{', '.join(sorted(areas))}."))
            elif topic.kind not in TOPIC_KINDS:
                problems.append(Problem(str(file), line, f"Lajin pitää olla jokin näistä: {', '.join(TOPIC_KINDS)}."))
            else:
                topics[topic.id] = topic
    return topics, problems


def _contacts(raw: Any, file: Path) -> tuple[dict[str, Contact], list[Problem]]:
    contacts: dict[str, Contact] = {}
    problems: list[Problem] = []
    for key, entry in (raw or {}).items():
        if not isinstance(entry, dict) or not entry.get("name"):
            problems.append(Problem(str(file), None, f"Yhteystiedolta '{key}' puuttuu nimi (name)."))
            continue
        unknown = set(entry) - set(CONTACT_FIELDS) - {"source"}
        if unknown:
            problems.append(Problem(str(file), None, f"Yhteystiedossa '{key}' on tuntemattomia kenttiä: {', '.join(sorted(unknown))}."))
        phone = entry.get("phone")
        if phone is not None and not is_finnish_phone(str(phone)):
            problems.append(Problem(str(file), None, f"Yhteystiedon '{key}' puhelinnumero '{phone}' ei ole suomalainen numero."))
        contacts[str(key)] = Contact(key=str(key), **{f: str(entry[f]) for f in CONTACT_FIELDS if entry.get(f) is not None})
    return contacts, problems


def load_profile(file: Path, national_file: Path) -> tuple[RegionProfile, dict[str, Contact]]:
    """Read the region profile and the national contacts."""
    profile_raw, problems = _PARSED_FILES.read(file)
    national_raw, more = _PARSED_FILES.read(national_file)
    problems += more
    if problems:
        raise LibraryInvalid(problems)
    regional, p1 = _contacts(profile_raw.get("contacts"), file)
    national, p2 = _contacts(national_raw.get("contacts"), national_file)
    region = _plain(profile_raw.get("region") or {})
    if not region.get("name"):
        p1.append(Problem(str(file), None, "Alueprofiilista puuttuu region.name."))
    # the accessibility statement's date, response time and feedback channel: required of a real region
    p1 += check_accessibility_statement(region.get("accessibility"), str(file),
                                        required=not profile_raw.get("example", False))
    record = _plain(profile_raw.get("contact_record"))
    areas, p3 = check_service_areas(record, str(file))
    rosters, staffing_problems = read_staffing(record.get("staffing") if isinstance(record, dict) else None,
                                               CONTACT_CHANNELS)
    p3 += [Problem(str(file), None, f"{problem.field}: {problem.message}") for problem in staffing_problems]
    if p1 or p2 or p3:
        raise LibraryInvalid(p1 + p2 + p3)
    profile = RegionProfile(example=bool(profile_raw.get("example", False)),
                            region=MappingProxyType(region), contacts=MappingProxyType(regional),
                            service_areas=tuple(ServiceArea(i, n) for i, n in areas), staffing=tuple(rosters))
    return profile, national


def _plain(value: Any) -> Any:
    """ruamel's commented containers -> plain dicts and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _links(raw: Any) -> tuple[Link, ...]:
    return tuple(Link(str(item["name"]), str(item["url"])) for item in raw or [])


def load_instruments(directory: Path = DEFAULT_INSTRUMENTS_DIR, path_ids: Iterable[str] | None = None
                     ) -> tuple[dict[str, Instrument], list[Problem]]:
    """Every instrument file in the folder, with the problems found (`path_ids`: the published
    paths an instrument's self-care routing may name; None skips that check)."""
    instruments: dict[str, Instrument] = {}
    problems: list[Problem] = []
    ids = list(path_ids) if path_ids is not None else None
    for file in sorted(directory.glob("*.yml")):
        doc, syntax = _PARSED_FILES.read(file)
        found = syntax or check_instrument_document(doc, str(file), ids)
        problems += found
        if not found:
            instrument = build_instrument(doc)
            instruments[instrument.id] = instrument
    return instruments, problems


def load_programmes(directory: Path = DEFAULT_PROGRAMMES_DIR, context: ProgrammeContext | None = None
                    ) -> tuple[dict[str, Programme], list[Problem]]:
    """Every self-care programme file in the folder, with the problems found (`context`: the
    instruments, published path ids, placeholders and national numbers the files are checked against;
    without it only each file's own rules are checked)."""
    programmes: dict[str, Programme] = {}
    problems: list[Problem] = []
    for file in sorted(directory.glob("*.yml")) if directory.is_dir() else []:
        doc, syntax = _PARSED_FILES.read(file)
        found = syntax or check_programme_document(doc, str(file), context)
        if not found:
            try:
                programme = build_programme(doc, str(file))
            except (KeyError, TypeError, ValueError) as err:
                found = [Problem(str(file), None, f"Ohjelman rakenne on virheellinen: {err!r}. "
                                                  "Katso mallia tiedostosta programmes/mieliala.yml.")]
            else:
                programmes[programme.id] = programme
        problems += found
    return programmes, problems


def build_path(doc: Any, file: Path) -> GuidancePath:
    """A validated document -> GuidancePath."""
    follow = doc.get("follow_ups") or {}
    return GuidancePath(
        id=str(doc["id"]),
        topic=str(doc["topic"]),
        title=str(doc["title"]).strip(),
        kind=str(doc["kind"]),
        examples=tuple(" ".join(str(e).split()) for e in doc["examples"]),
        answer=str(doc["answer"]).strip(),
        urgent_signs=tuple(str(s).strip() for s in doc.get("urgent_signs") or []),
        links=_links(doc.get("links")),
        contacts=tuple(str(c) for c in doc.get("contacts") or []),
        follow_ups=FollowUps(
            related=tuple(str(r) for r in follow.get("related") or []),
            contact_request=bool(follow.get("contact_request", True)),
            assessment=follow.get("assessment"),
        ),
        owner=str(doc["owner"]),
        reviewed=doc["reviewed"] if isinstance(doc["reviewed"], dt.date) else dt.date.fromisoformat(str(doc["reviewed"])),
        sources=_links(doc.get("sources")),
        keywords=tuple(str(k) for k in doc.get("keywords") or []),
        facet=str(doc.get("facet") or ""),
        audience=tuple(str(a) for a in doc.get("audience") or []),
        source_file=str(file),
    )


class _ParsedPaths:
    """The path files parsed by the last load, by content: a live reload after an editor saved one file
    parses that file again, not all 700 (ruamel's parse is most of a load's time), and a copy of the
    library elsewhere (an editor's working copy, a test's) reuses the same parses. Only documents
    without syntax problems are kept (a problem names its file). The parsed documents are only read
    (validated and turned into paths), never changed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_content: dict[bytes, Any] = {}

    def parse(self, file: Path, content: bytes, seen: dict[bytes, Any]) -> tuple[Any, list[Problem]]:
        with self._lock:
            doc = self._by_content.get(content)
        if doc is None:
            doc, syntax = read_yaml(file, content)
            if syntax:
                return doc, syntax
        seen[content] = doc
        return doc, []

    def read(self, file: Path) -> tuple[Any, list[Problem]]:
        """One file outside a library load (the risk corpus reads the paths' examples)."""
        content = file.read_bytes()
        with self._lock:
            doc = self._by_content.get(content)
        if doc is not None:
            return doc, []
        doc, syntax = read_yaml(file, content)
        if not syntax:
            with self._lock:
                self._by_content[content] = doc
        return doc, syntax

    def keep(self, seen: dict[bytes, Any]) -> None:
        """Only the contents of the last load stay (a deleted or changed file's old content is forgotten)."""
        with self._lock:
            self._by_content = seen


_PARSED_PATHS = _ParsedPaths()


def load_library(sources: LibrarySources | None = None, require_all_topics: bool = True) -> GuidanceLibrary:
    """Load and validate the whole library; raise `LibraryInvalid` on any problem."""
    sources = sources or LibrarySources()
    topics = load_catalogue(sources.catalogue)
    extra, topic_problems = load_extra_topics(sources.topic_files()[1:], topics)
    topics.update(extra)
    profile, national = load_profile(sources.profile, sources.national)
    scope = profile.placeholder_scope(national)
    contact_keys = set(national) | set(profile.contacts)
    national_numbers = [c.phone for c in national.values() if c.phone]
    national_phones = {key: c.phone for key, c in national.items() if c.phone}
    instrument_ids = [f.stem for f in sources.instrument_files()]
    problems: list[Problem] = list(topic_problems)
    paths: list[GuidancePath] = []
    drafts: list[GuidancePath] = []
    digest = hashlib.sha256()
    for file in [*sources.topic_files(), sources.profile, sources.national, *sources.instrument_files(),
                 *sources.programme_files()]:
        digest.update(file.read_bytes())
    parsed: dict[bytes, Any] = {}
    for file in path_files(sources.paths_dir):
        try:
            content = file.read_bytes()
        except FileNotFoundError:  # deleted by an editor after the listing: it is simply gone
            continue
        digest.update(file.name.encode() + content)
        doc, syntax = _PARSED_PATHS.parse(file, content, parsed)
        if syntax:
            problems += syntax
            continue
        found = check_path_document(doc, str(file), topics, scope, contact_keys, expected_id=file.stem,
                                    national_numbers=national_numbers, assessments=instrument_ids,
                                    national_phones=national_phones)
        problems += found
        if not found:
            (drafts if doc.get("status") == "draft" else paths).append(build_path(doc, file))
    _PARSED_PATHS.keep(parsed)
    problems += check_library(paths, topics, complete=require_all_topics)
    published_ids = {p.id for p in paths}
    problems += [Problem(d.source_file, None, f"Tunniste '{d.id}' on jo käytössä julkaistulla polulla.")
                 for d in drafts if d.id in published_ids]
    instruments, instrument_problems = load_instruments(sources.instruments_dir, published_ids)
    problems += instrument_problems
    programmes, programme_problems = load_programmes(sources.programmes_dir, ProgrammeContext(
        instruments, frozenset(published_ids), scope, national_phones))
    problems += programme_problems
    if problems:
        raise LibraryInvalid(problems)
    return GuidanceLibrary(paths=tuple(paths), topics=MappingProxyType(topics), profile=profile,
                           national_contacts=MappingProxyType(national), version=digest.hexdigest()[:16],
                           drafts=tuple(drafts), instruments=MappingProxyType(instruments),
                           programmes=MappingProxyType(programmes))


def topics_without_paths(library: GuidanceLibrary) -> Iterable[str]:
    """Catalogue topics that no path names."""
    covered = {p.topic for p in library.paths}
    return [t for t in library.topics if t not in covered]
