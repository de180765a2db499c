"""Rules every self-care programme file must keep (`guidance_library/programmes/<id>.yml`).

Messages are for content editors (in Finnish): the file, the line, the field (as
`modules[2] (uni-ja-rytmi).exercise.task`) and what to fix. The text rules are the guidance
paths' own (validation.py): placeholders must exist, national numbers are written as placeholders
(112 excepted), no HTML.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, TypeGuard

from guidance_library.instruments import Instrument
from guidance_library.placeholders import unknown_names
from guidance_library.programme import RECORD_KINDS, URGENCIES, parse_band, standard_drinks
from guidance_library.validation import (
    ID_PATTERN, MAX_ANSWER_CHARS, MAX_TITLE_CHARS, Problem, is_url, line_of, national_number_message,
    national_number_patterns, typed_national_numbers, typed_number_problems,
)

MAX_LABEL_CHARS = 60        # buttons: answer options, goals, the worse step's choices
MAX_QUESTION_CHARS = 200    # questions and prompts
MAX_PARAGRAPH_CHARS = 600   # one paragraph: intro, content, task, texts
MAX_MODULE_CHARS = MAX_ANSWER_CHARS  # a module's content together, as long as a path's answer at most
DRINK_TOLERANCE = 0.15      # an example of "one standard drink" may be 0.85-1.15 of one
VALUE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
CRISIS_PLACEHOLDER = "{{contacts.crisis_line.phone}}"
HTML = re.compile(r"<[a-zA-Z/][^>]*>")

TOP_REQUIRED = ("id", "version", "title", "intro", "owner", "reviewed", "sources", "start", "worse", "modules")
TOP_OPTIONAL = ("instrument", "end_assessment", "goals", "diary")


@dataclass(frozen=True)
class ProgrammeContext:
    """What the programme files are checked against; a part left None skips its check."""

    instruments: Mapping[str, Instrument] | None = None
    path_ids: frozenset[str] | None = None        # published guidance paths
    scope: Mapping[str, Any] | None = None        # what placeholders resolve against
    national_phones: Mapping[str, str] | None = None  # contact key -> phone of region/national.yml


@dataclass
class _ProgrammeFile:
    """One parsed programme file under check and the problems found so far."""

    doc: Mapping[str, Any]
    file: str
    context: ProgrammeContext
    problems: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str, node: Any = None, key: str | int | None = None) -> None:
        """A problem of field `where`, at the line of `node[key]` (the file's start without a node)."""
        line = line_of(node, key) if node is not None else 1
        self.problems.append(Problem(self.file, line, f"{where}: {message}" if where else message))

    def mapping(self, node: Any, key: str, where: str, required: tuple[str, ...], optional: tuple[str, ...] = (),
                needed: bool = True) -> Mapping[str, Any] | None:
        """`node[key]` when it is a mapping whose keys are known and whose required keys are present."""
        value = node.get(key)
        if value is None:
            if needed:
                self.add(where, "Pakollinen kohta puuttuu.", node, key)
            return None
        if not isinstance(value, Mapping):
            self.add(where, f"Kohdan pitää olla sanakirja, jossa on kentät {', '.join(required + optional)}.", node, key)
            return None
        for name in value:
            if name not in required and name not in optional:
                self.add(f"{where}.{name}", f"Tuntematon kenttä. Sallitut: {', '.join(required + optional)}.",
                         value, name)
        for name in required:
            if value.get(name) in (None, "", []):
                self.add(f"{where}.{name}", "Pakollinen kenttä puuttuu tai on tyhjä.", value, None)
        return value

    def text(self, node: Any, key: str | int, where: str, limit: int) -> str | None:
        """A resident-facing text `node[key]` (a mapping's key or a list's index), when present: plain, not
        too long, placeholders known, no typed phone numbers. Whether it must be there is checked apart."""
        value = node[int(key)] if isinstance(node, list) else node.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.add(where, "Kentän pitää olla tekstiä.", node, key)
            return None
        text = value.strip()
        if len(text) > limit:
            self.add(where, f"Teksti on liian pitkä ({len(text)} merkkiä, enintään {limit}). Lyhennä tai jaa se.",
                     node, key)
        if HTML.search(text):
            self.add(where, "Tekstissä on HTML-merkintöjä. Kirjoita pelkkää tekstiä.", node, key)
        if self.context.scope is not None:
            for name in unknown_names(text, self.context.scope):
                self.add(where, f"Paikkamerkkiä {{{{{name}}}}} ei löydy alueprofiilista.", node, key)
        phones = self.context.national_phones
        for _, typed, contact in typed_national_numbers(text, national_number_patterns(phones or {})):
            self.add(where, national_number_message(typed, contact, "title" if key == "title" else "text"), node, key)
        for message in typed_number_problems(text, list(phones.values()) if phones is not None else None):
            self.add(where, message, node, key)
        return text

    def options(self, node: Mapping[str, Any], key: str, where: str, at_least: int,
                extra: tuple[str, ...] = ()) -> list[Mapping[str, Any]]:
        """An option list: each `{value, label, ...}` with a unique value and label."""
        raw = node.get(key)
        if not isinstance(raw, list) or len(raw) < at_least:
            self.add(f"{where}.{key}", f"Tarvitaan luettelo, jossa on vähintään {at_least} vaihtoehtoa "
                                       "(- {value: ..., label: ...}).", node, key)
            if not isinstance(raw, list):
                return []
        good, values, labels = [], set(), set()
        for i, option in enumerate(raw):
            here = f"{where}.{key}[{i + 1}]"
            if not isinstance(option, Mapping):
                self.add(here, "Vaihtoehdon pitää olla {value: ..., label: ...}.", raw, i)
                continue
            for name in option:
                if name not in ("value", "label", *extra):
                    self.add(here, f"Tuntematon kenttä '{name}'. Sallitut: value, label, {', '.join(extra)}.", raw, i)
            value = option.get("value")
            if not isinstance(value, str) or not VALUE_PATTERN.match(value):
                self.add(here, f"value '{value}': käytä pieniä kirjaimia a-z, numeroita ja alaviivaa.", raw, i)
            elif value in values:
                self.add(here, f"value '{value}' on kahteen kertaan.", raw, i)
            values.add(value)
            label = self.text(option, "label", f"{here}.label", MAX_LABEL_CHARS)
            if label is None:
                self.add(here, "Vaihtoehdolta puuttuu label (teksti, jonka asukas näkee).", raw, i)
            elif label in labels:
                self.add(here, f"Teksti '{label}' on kahdessa vaihtoehdossa.", raw, i)
            labels.add(label)
            good.append(option)
        return good


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_top(p: _ProgrammeFile) -> None:
    doc = p.doc
    for key in TOP_REQUIRED:
        if doc.get(key) in (None, "", []):
            p.add(key, "Pakollinen kenttä puuttuu tai on tyhjä.")
    for key in doc:
        if key not in TOP_REQUIRED and key not in TOP_OPTIONAL:
            p.add(str(key), f"Tuntematon kenttä. Sallitut: {', '.join(TOP_REQUIRED + TOP_OPTIONAL)}.", doc, key)
    programme_id = doc.get("id")
    if programme_id is not None and (not isinstance(programme_id, str) or not ID_PATTERN.match(programme_id)):
        p.add("id", f"Tunniste '{programme_id}' saa sisältää vain pieniä kirjaimia a-z, numeroita ja väliviivoja.",
              doc, "id")
    elif programme_id is not None and f"{programme_id}.yml" != Path(p.file).name:
        p.add("id", f"Tunniste '{programme_id}' ei vastaa tiedoston nimeä '{Path(p.file).name}'.", doc, "id")
    version = doc.get("version")
    if version is not None and (not _is_int(version) or version < 1):
        p.add("version", f"Versio on kokonaisluku 1, 2, 3 ... (nyt '{version}'). Kasvata sitä, kun osiot muuttuvat.",
              doc, "version")
    p.text(doc, "title", "title", MAX_TITLE_CHARS)
    p.text(doc, "intro", "intro", MAX_PARAGRAPH_CHARS)
    if doc.get("reviewed") is not None and not hasattr(doc["reviewed"], "isoformat"):
        p.add("reviewed", "Tarkistuspäivä muodossa VVVV-KK-PP, esim. 2026-12-01.", doc, "reviewed")
    sources = doc.get("sources")
    if sources is not None and (not isinstance(sources, list) or not all(
            isinstance(s, Mapping) and s.get("name") and is_url(str(s.get("url", ""))) for s in sources)):
        p.add("sources", "Lähteet: luettelo, jossa jokaisella on name ja https-alkuinen url.", doc, "sources")


def _check_instrument(p: _ProgrammeFile) -> None:
    instrument = p.doc.get("instrument")
    known = p.context.instruments
    if instrument is not None and known is not None and instrument not in known:
        p.add("instrument", f"Tuntematon kysely '{instrument}'. Sallitut: {', '.join(sorted(known))} "
                            "(guidance_library/assessments/).", p.doc, "instrument")


def _check_start(p: _ProgrammeFile) -> None:
    start = p.mapping(p.doc, "start", "start", (), ("assessment", "paths", "professional"))
    if start is None:
        return
    if not start.get("assessment") and not start.get("paths") and start.get("professional") is not True:
        p.add("start", "Kerro ainakin yksi tapa aloittaa: assessment, paths tai professional: true.", p.doc, "start")
    paths = start.get("paths") or []
    if not isinstance(paths, list) or not all(isinstance(x, str) for x in paths):
        p.add("start.paths", "Luettelo ohjauspolkujen tunnisteita, esim. [masennus-omahoito].", start, "paths")
    elif p.context.path_ids is not None:
        for i, path_id in enumerate(paths):
            if path_id not in p.context.path_ids:
                p.add("start.paths", f"Polkua '{path_id}' ei ole kirjastossa (guidance_library/paths/).", paths, i)
    if "professional" in start and not isinstance(start["professional"], bool):
        p.add("start.professional", "Arvo on true tai false.", start, "professional")
    _check_assessment_start(p, start)


def _check_assessment_start(p: _ProgrammeFile, start: Mapping[str, Any]) -> None:
    rule = p.mapping(start, "assessment", "start.assessment", (), ("only_below_threshold", "bands"), needed=False)
    if rule is None:
        return
    instrument_id = p.doc.get("instrument")
    if not instrument_id:
        p.add("start.assessment", "Aloitus kyselyn tuloksesta tarvitsee ohjelman kyselyn (instrument: ...).",
              start, "assessment")
        return
    below = rule.get("only_below_threshold", True)
    if not isinstance(below, bool):
        p.add("start.assessment.only_below_threshold", "Arvo on true tai false.", rule, "only_below_threshold")
    bands = rule.get("bands") or []
    instrument = (p.context.instruments or {}).get(instrument_id)
    if not isinstance(bands, list):
        p.add("start.assessment.bands", "Luettelo pisterajoja, esim. [\"0-4\", \"5-9\"].", rule, "bands")
        return
    for i, text in enumerate(bands):
        try:
            low, high = parse_band(text)
        except ValueError:
            p.add("start.assessment.bands", f"'{text}' ei ole pisteraja muodossa \"5-9\".", bands, i)
            continue
        if instrument is None:
            continue
        if not instrument.bands:
            p.add("start.assessment.bands", f"Kyselyllä {instrument_id} ei ole pisterajoja; jätä bands pois.", bands, i)
        elif (low, high) not in {(b.min, b.max) for b in instrument.bands}:
            listed = ", ".join(f"{b.min}-{b.max}" for b in instrument.bands)
            p.add("start.assessment.bands", f"Pisteraja {low}-{high} ei ole kyselyn {instrument_id} pisterajoja "
                                            f"({listed}).", bands, i)
        elif below is True and low >= max([instrument.default_threshold, *(r.min for r in instrument.threshold_rules)]):
            p.add("start.assessment.bands", f"Pisteraja {low}-{high} on raja-arvon yläpuolella, joten ohjelmaa ei "
                                            "tarjottaisi sillä (only_below_threshold: true).", bands, i)


def _check_worse(p: _ProgrammeFile) -> None:
    worse = p.mapping(p.doc, "worse", "worse", ("label", "text", "options"))
    if worse is None:
        return
    p.text(worse, "label", "worse.label", MAX_LABEL_CHARS)
    text = p.text(worse, "text", "worse.text", MAX_PARAGRAPH_CHARS)
    if text is not None and "112" not in text and CRISIS_PLACEHOLDER not in text:
        p.add("worse.text", f"Kerro tekstissä, mistä saa apua heti: 112 tai Kriisipuhelin {CRISIS_PLACEHOLDER}.",
              worse, "text")
    options = p.options(worse, "options", "worse", 2, ("urgency",))
    for i, option in enumerate(options):
        if option.get("urgency") not in URGENCIES:
            p.add(f"worse.options[{i + 1}].urgency", f"Kiireellisyys on {' tai '.join(URGENCIES)} "
                                                     f"(nyt '{option.get('urgency')}').", option, "urgency")
    if options and {o.get("urgency") for o in options} != set(URGENCIES):
        p.add("worse.options", "Anna sekä kiireellinen (urgency: urgent) että tavallinen (urgency: normal) "
                               "yhteydenotto.", worse, "options")


def _check_exercise(p: _ProgrammeFile, module: Mapping[str, Any], where: str) -> None:
    exercise = p.mapping(module, "exercise", f"{where}.exercise", ("task", "records", "prompt"),
                         ("options", "min", "max", "unit"))
    if exercise is None:
        return
    p.text(exercise, "task", f"{where}.exercise.task", MAX_PARAGRAPH_CHARS)
    p.text(exercise, "prompt", f"{where}.exercise.prompt", MAX_QUESTION_CHARS)
    p.text(exercise, "unit", f"{where}.exercise.unit", MAX_LABEL_CHARS)
    records = exercise.get("records")
    if records is not None and records not in RECORD_KINDS:
        p.add(f"{where}.exercise.records", f"Kirjattava asia on jokin näistä: {', '.join(RECORD_KINDS)} "
                                           f"(nyt '{records}').", exercise, "records")
    if records == "choice":
        p.options(exercise, "options", f"{where}.exercise", 2)
    elif "options" in exercise:
        p.add(f"{where}.exercise.options", "Vaihtoehdot kuuluvat vain valintaan (records: choice).", exercise, "options")
    if records == "number":
        low, high = exercise.get("min"), exercise.get("max")
        if not _is_number(low) or not _is_number(high) or low >= high:
            p.add(f"{where}.exercise", "Numeron kirjaamiseen tarvitaan min ja max (min pienempi kuin max).",
                  exercise, "records")
    if records == "diary" and not p.doc.get("diary"):
        p.add(f"{where}.exercise.records", "records: diary tarvitsee ohjelmalle päiväkirjan (diary: ...).",
              exercise, "records")


def _check_modules(p: _ProgrammeFile) -> None:
    modules = p.doc.get("modules")
    if modules is None:
        return
    if not isinstance(modules, list) or not modules:
        p.add("modules", "Osiot: luettelo, jossa on vähintään yksi osio (- id: ...).", p.doc, "modules")
        return
    seen: set[str] = set()
    previous: int | None = None
    for i, module in enumerate(modules):
        if not isinstance(module, Mapping):
            p.add(f"modules[{i + 1}]", "Osion pitää olla sanakirja (id, title, opens_after_days, ...).", modules, i)
            continue
        where = f"modules[{i + 1}] ({module.get('id')})"
        for name in module:
            if name not in ("id", "title", "opens_after_days", "content", "exercise", "check_in"):
                p.add(f"{where}.{name}", "Tuntematon kenttä. Sallitut: id, title, opens_after_days, content, "
                                         "exercise, check_in.", module, name)
        module_id = module.get("id")
        if not isinstance(module_id, str) or not ID_PATTERN.match(module_id):
            p.add(f"{where}.id", "Osion tunniste: pieniä kirjaimia a-z, numeroita ja väliviivoja.", module, "id")
        elif module_id in seen:
            p.add(f"{where}.id", f"Osion tunniste '{module_id}' on kahteen kertaan.", module, "id")
        seen.add(str(module_id))
        if p.text(module, "title", f"{where}.title", MAX_TITLE_CHARS) is None:
            p.add(f"{where}.title", "Osiolta puuttuu otsikko.", modules, i)
        opens = module.get("opens_after_days")
        if not _is_int(opens) or opens < 0:
            p.add(f"{where}.opens_after_days", f"Päiviä aloituksesta, 0 tai enemmän (nyt '{opens}').", modules, i)
        elif previous is None and opens != 0:
            p.add(f"{where}.opens_after_days", "Ensimmäinen osio avautuu heti: opens_after_days: 0.",
                  module, "opens_after_days")
        elif previous is not None and opens <= previous:
            p.add(f"{where}.opens_after_days", f"{opens} päivää ei ole enemmän kuin edellisen osion {previous}. "
                                               "Osiot avautuvat järjestyksessä: kasvata päiviä.",
                  module, "opens_after_days")
        previous = opens if _is_int(opens) else previous
        _check_content(p, module, modules, i, where)
        _check_exercise(p, module, where)
        check_in = p.mapping(module, "check_in", f"{where}.check_in", ("question", "options"))
        if check_in is not None:
            p.text(check_in, "question", f"{where}.check_in.question", MAX_QUESTION_CHARS)
            p.options(check_in, "options", f"{where}.check_in", 2, ("offer_contact",))


def _check_content(p: _ProgrammeFile, module: Mapping[str, Any], modules: list[Any], i: int, where: str) -> None:
    content = module.get("content")
    if not isinstance(content, list) or not content:
        p.add(f"{where}.content", "Sisältö: luettelo kappaleita (- teksti).", modules, i)
        return
    total = 0
    for j in range(len(content)):
        paragraph = p.text(content, j, f"{where}.content[{j + 1}]", MAX_PARAGRAPH_CHARS)
        if paragraph is None:
            p.add(f"{where}.content[{j + 1}]", "Kappale on tyhjä.", content, j)
        total += len(paragraph or "")
    if total > MAX_MODULE_CHARS:
        p.add(f"{where}.content", f"Osion teksti on liian pitkä ({total} merkkiä, enintään {MAX_MODULE_CHARS}). "
                                  "Jaa se kahdeksi osioksi.", module, "content")


def _check_end(p: _ProgrammeFile) -> None:
    instrument = p.doc.get("instrument")
    end = p.mapping(p.doc, "end_assessment", "end_assessment", ("after_days", "text"), needed=bool(instrument))
    if end is None:
        return
    if not instrument:
        p.add("end_assessment", "Loppukysely toistaa ohjelman kyselyn: lisää instrument tai poista end_assessment.",
              p.doc, "end_assessment")
    p.text(end, "text", "end_assessment.text", MAX_PARAGRAPH_CHARS)
    after = end.get("after_days")
    openings = [m.get("opens_after_days") for m in p.doc.get("modules") or [] if isinstance(m, Mapping)]
    last = max((d for d in openings if _is_int(d)), default=0)
    if not _is_int(after) or after <= last:
        p.add("end_assessment.after_days", f"Loppukysely avautuu viimeisen osion jälkeen: enemmän kuin {last} päivää.",
              end, "after_days")


def _check_goals(p: _ProgrammeFile) -> None:
    goals = p.mapping(p.doc, "goals", "goals", ("question",), ("options",), needed=False)
    if goals is None:
        return
    p.text(goals, "question", "goals.question", MAX_QUESTION_CHARS)
    if not goals.get("options"):
        p.add("goals.options", "Tavoitelista on tyhjä: anna vähintään kaksi tavoitetta, joista asukas valitsee "
                               "(esim. vähentää ja lopettaa).", goals, "options" if "options" in goals else None)
        return
    for i, goal in enumerate(p.options(goals, "options", "goals", 2, ("text",))):
        p.text(goal, "text", f"goals.options[{i + 1}].text", MAX_PARAGRAPH_CHARS)


def _check_diary(p: _ProgrammeFile) -> None:
    diary = p.mapping(p.doc, "diary", "diary",
                      ("unit", "grams_per_unit", "explanation", "examples", "question", "max_per_day"), needed=False)
    if diary is None:
        return
    p.text(diary, "unit", "diary.unit", MAX_LABEL_CHARS)
    p.text(diary, "explanation", "diary.explanation", MAX_PARAGRAPH_CHARS)
    p.text(diary, "question", "diary.question", MAX_QUESTION_CHARS)
    grams = diary.get("grams_per_unit")
    if not _is_number(grams) or grams <= 0:
        p.add("diary.grams_per_unit", "Annoksen grammat puhdasta alkoholia (Suomessa 12).", diary, "grams_per_unit")
        grams = None
    if not _is_number(diary.get("max_per_day")) or diary["max_per_day"] <= 0:
        p.add("diary.max_per_day", "Suurin päivään kirjattava määrä (luku yli 0).", diary, "max_per_day")
    examples = diary.get("examples")
    if not isinstance(examples, list):
        return
    for i, example in enumerate(examples):
        here = f"diary.examples[{i + 1}]"
        if not isinstance(example, Mapping) or not all(_is_number(example.get(k)) and example[k] > 0
                                                       for k in ("centilitres", "percent")):
            p.add(here, "Esimerkki: {label: ..., centilitres: 33, percent: 4.7}.", examples, i)
            continue
        p.text(example, "label", f"{here}.label", MAX_LABEL_CHARS)
        if grams:
            units = standard_drinks(example["centilitres"], example["percent"], grams)
            if abs(units - 1) > DRINK_TOLERANCE:
                p.add(here, f"'{example.get('label')}' on noin {units:.1f} annosta eikä yksi annos "
                            f"(cl × 10 × % / 100 × 0,789 g / {grams} g).", examples, i)


# The rules of one programme file, in the order their problems are reported.
PROGRAMME_CHECKS: tuple[Callable[[_ProgrammeFile], None], ...] = (
    _check_top, _check_instrument, _check_start, _check_worse, _check_modules, _check_end, _check_goals,
    _check_diary,
)


def check_programme_document(doc: Any, file: str, context: ProgrammeContext | None = None) -> list[Problem]:
    """Editor-readable problems of one programme file (empty if it is fine)."""
    if not isinstance(doc, Mapping):
        return [Problem(file, 1, "Ohjelmatiedoston pitää olla YAML-sanakirja (kenttä: arvo -rivejä).")]
    programme = _ProgrammeFile(doc, file, context or ProgrammeContext())
    for check in PROGRAMME_CHECKS:
        check(programme)
    return programme.problems
