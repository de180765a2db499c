"""Self-care programmes (mood, alcohol, stress ...) as data: the typed objects, and the pure
functions an app needs to run one (which modules are open, diary totals, progress, when to offer).

A programme file (`guidance_library/programmes/<id>.yml`, format in AUTHORING.md) holds modules that
open by days from the enrolment's start, each with content, one exercise and one check-in question;
the "Tilanteeni on huonompi" step offered at every step, with the urgency of each choice; how the
programme may be started; its end assessment (the linked instrument again, so the change shows);
and, for an alcohol programme, the goals the resident chooses from and the drinking diary.
`guidance_library.loader.load_programmes` reads the folder and `programme_validation` checks each
file (this module reads no files); enrolments themselves are kept by the app's store.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping, NamedTuple

from guidance_library.instruments import AssessmentResult, Choice, Instrument
from guidance_library.models import Link

RECORD_KINDS = ("text", "choice", "number", "diary")  # what the resident records of an exercise
URGENCIES = ("urgent", "normal")                       # the contact request's (tickets') urgencies
ETHANOL_G_PER_ML = 0.789


@dataclass(frozen=True)
class Exercise:
    """What the resident does (`task`) and what they record of it (`records`, asked with `prompt`)."""

    task: str
    records: str                      # one of RECORD_KINDS; "diary" = entries of the programme's diary
    prompt: str
    options: tuple[Choice, ...] = ()  # records: choice
    minimum: float | None = None      # records: number
    maximum: float | None = None
    unit: str = ""                    # records: number, the word after the number ("aamuna")


@dataclass(frozen=True)
class CheckInOption:
    """An answer to a check-in question; `offer_contact` shows the worse step's choices after it."""

    value: str
    label: str
    offer_contact: bool = False


@dataclass(frozen=True)
class CheckIn:
    """The question asked when a module is done."""

    question: str
    options: tuple[CheckInOption, ...]


@dataclass(frozen=True)
class Module:
    """One part of a programme, open from `opens_after_days` days after the enrolment's start."""

    id: str
    title: str
    opens_after_days: int
    content: tuple[str, ...]          # paragraphs
    exercise: Exercise
    check_in: CheckIn


@dataclass(frozen=True)
class WorseOption:
    """A choice of the worse step: leads to a contact request of this urgency."""

    value: str
    label: str
    urgency: str                      # one of URGENCIES


@dataclass(frozen=True)
class WorseStep:
    """"Tilanteeni on huonompi", offered at every step: its button, text and choices."""

    label: str
    text: str
    options: tuple[WorseOption, ...]


@dataclass(frozen=True)
class Goal:
    """A goal the resident chooses at the start (alcohol: reduce or stop)."""

    value: str
    label: str
    text: str


@dataclass(frozen=True)
class Goals:
    """The goal question and its choices."""

    question: str
    options: tuple[Goal, ...]


@dataclass(frozen=True)
class DrinkExample:
    """A usual drink that is about one standard drink (stated as a fact to residents)."""

    label: str
    centilitres: float
    percent: float


@dataclass(frozen=True)
class Diary:
    """A daily diary of counted units (alcohol: standard drinks, "annos" = 12 g of alcohol)."""

    unit: str
    grams_per_unit: float
    explanation: str
    examples: tuple[DrinkExample, ...]
    question: str
    max_per_day: float


@dataclass(frozen=True)
class AssessmentStart:
    """Offered after the programme's instrument: below the threshold only, and in these score bands."""

    instrument: str
    only_below_threshold: bool
    bands: tuple[tuple[int, int], ...] = ()  # (min, max) of the instrument's bands; empty: any score


@dataclass(frozen=True)
class StartRules:
    """How a programme can be started."""

    assessment: AssessmentStart | None
    paths: tuple[str, ...]            # offered as the follow-up of these guidance paths
    professional: bool                # a professional may assign it


@dataclass(frozen=True)
class EndAssessment:
    """The programme's instrument again at the end, from `after_days` days after the start."""

    instrument: str
    after_days: int
    text: str


@dataclass(frozen=True)
class Programme:
    """One self-care programme as its file defines it (see the module's docstring)."""

    id: str
    version: int
    title: str
    intro: str
    instrument: str | None
    owner: str
    reviewed: dt.date
    sources: tuple[Link, ...]
    start: StartRules
    worse: WorseStep
    modules: tuple[Module, ...]
    end_assessment: EndAssessment | None
    goals: Goals | None = None
    diary: Diary | None = None
    source_file: str = ""

    def module(self, module_id: str) -> Module | None:
        return next((m for m in self.modules if m.id == module_id), None)


class DiaryEntry(NamedTuple):
    """One day of a diary: the date and the units (standard drinks) of that day."""

    day: dt.date
    amount: float


@dataclass(frozen=True)
class WeekTotal:
    """A programme week (week 1 = the start day and the six days after it) of a diary."""

    week: int
    starts: dt.date
    ends: dt.date
    total: float
    days_recorded: int                # days with an entry (a 0 entry is a recorded dry day)
    dry_days: int                     # recorded days of 0


def standard_drinks(centilitres: float, percent: float, grams_per_unit: float = 12.0) -> float:
    """Units of `grams_per_unit` of alcohol in a drink (a 33 cl bottle of 4.7 % beer is about 1.0)."""
    return centilitres * 10 * percent / 100 * ETHANOL_G_PER_ML / grams_per_unit


def days_since_start(started: dt.date, today: dt.date) -> int:
    """Whole days from the enrolment's start (0 on the start day; negative before it)."""
    return (today - started).days


def open_modules(programme: Programme, started: dt.date, today: dt.date) -> tuple[Module, ...]:
    """The modules open on `today` for an enrolment started on `started` (none before the start)."""
    day = days_since_start(started, today)
    return tuple(m for m in programme.modules if 0 <= m.opens_after_days <= day)


def next_opening(programme: Programme, started: dt.date, today: dt.date) -> dt.date | None:
    """The date the next module (or the end assessment) opens after `today`, or None when all are open."""
    day = days_since_start(started, today)
    later = [m.opens_after_days for m in programme.modules if m.opens_after_days > day]
    if programme.end_assessment and programme.end_assessment.after_days > day:
        later.append(programme.end_assessment.after_days)
    return started + dt.timedelta(days=min(later)) if later else None


def end_assessment_open(programme: Programme, started: dt.date, today: dt.date) -> bool:
    """True when the programme has an end assessment and its day has come."""
    end = programme.end_assessment
    return end is not None and days_since_start(started, today) >= end.after_days


def progress(programme: Programme, done_module_ids: Iterable[str]) -> float:
    """The fraction of the programme's modules done, 0.0-1.0. Ids the programme no longer has (an
    enrolment of an older version) do not count."""
    done = set(done_module_ids) & {m.id for m in programme.modules}
    return len(done) / len(programme.modules) if programme.modules else 0.0


def as_enrolled(programme: Programme, module_id: str | None) -> Programme | None:
    """The programme as an enrolment sees it. The whole programme (`module_id` None) as it is; a single
    module a professional assigned: that module alone, open from the enrolment's start whatever its day
    in the whole programme, the diary only when the module's exercise is kept in it, and no end
    assessment (that belongs to the whole programme). None when the programme has no such module (an
    enrolment of an older version). The other functions here then count only that module."""
    if module_id is None:
        return programme
    module = programme.module(module_id)
    if module is None:
        return None
    return replace(programme, modules=(replace(module, opens_after_days=0),), end_assessment=None,
                   diary=programme.diary if module.exercise.records == "diary" else None)


def weekly_totals(entries: Iterable[DiaryEntry | tuple[dt.date, float]], started: dt.date,
                  until: dt.date | None = None) -> list[WeekTotal]:
    """Diary totals per programme week, from week 1 to the week of `until` (default: of the last entry).

    A week without entries is listed with total 0 and `days_recorded` 0, so "not recorded" can be
    told apart from a dry week. A day has one amount: of several entries of one day (given oldest
    first) the last counts, as a later entry corrects the day. An entry before the start, a negative
    amount or an entry after `until` is a caller's error (ValueError).
    """
    rows = [DiaryEntry(*entry) for entry in entries]
    if until is None and not rows:
        return []
    last = until or max(row.day for row in rows)
    by_day: dict[dt.date, float] = {}
    for row in rows:
        if row.day < started or row.day > last or row.amount < 0:
            raise ValueError(f"diary entry {row.day}: {row.amount} outside {started}..{last} or negative")
        by_day[row.day] = float(row.amount)
    weeks = days_since_start(started, last) // 7 + 1
    out = []
    for index in range(weeks):
        first = started + dt.timedelta(days=7 * index)
        days = [first + dt.timedelta(days=d) for d in range(7)]
        recorded = [by_day[d] for d in days if d in by_day]
        out.append(WeekTotal(index + 1, first, days[-1], round(sum(recorded), 2), len(recorded),
                             sum(1 for amount in recorded if amount == 0)))
    return out


def offered_after_assessment(programmes: Iterable[Programme], result: AssessmentResult) -> list[Programme]:
    """The programmes to offer after this result. None after a crisis answer: then the crisis
    guidance and an urgent contact come, not self-care."""
    if result.crisis:
        return []
    offered = []
    for programme in programmes:
        rule = programme.start.assessment
        if rule is None or rule.instrument != result.instrument:
            continue
        if rule.only_below_threshold and result.at_or_above:
            continue
        if rule.bands and not any(low <= result.total <= high for low, high in rule.bands):
            continue
        offered.append(programme)
    return offered


def open_to_start(programme: Programme, instrument: Instrument | None, latest_score: int | None) -> bool:
    """Whether a resident may start the programme themselves (from the own space's list), given their latest
    result of the programme's start instrument (`latest_score`, None: never taken): the same rule as the
    offer after that assessment (`offered_after_assessment`). A kept result holds no background answers, so
    the cut-off is the instrument's lowest (the safe side: at or above any of its cut-offs, a professional
    first). No assessment rule or no result: open."""
    rule = programme.start.assessment
    if rule is None or latest_score is None or instrument is None or instrument.id != rule.instrument:
        return True
    threshold = min([instrument.default_threshold, *(r.min for r in instrument.threshold_rules)])
    result = AssessmentResult(instrument.id, instrument.name, latest_score, instrument.max_score, threshold,
                              latest_score >= threshold, None, False, {}, {}, ())
    return bool(offered_after_assessment([programme], result))


def offered_on_path(programmes: Iterable[Programme], path_id: str) -> list[Programme]:
    """The programmes offered as a follow-up of this guidance path."""
    return [p for p in programmes if path_id in p.start.paths]


def _text(value: Any) -> str:
    return str(value or "").strip()


def _choices(raw: Any) -> tuple[Choice, ...]:
    return tuple(Choice(str(o["value"]), _text(o["label"])) for o in raw or ())


def _exercise(raw: Mapping[str, Any]) -> Exercise:
    return Exercise(_text(raw["task"]), str(raw["records"]), _text(raw["prompt"]), _choices(raw.get("options")),
                    None if raw.get("min") is None else float(raw["min"]),
                    None if raw.get("max") is None else float(raw["max"]), _text(raw.get("unit")))


def _module(raw: Mapping[str, Any]) -> Module:
    check_in = raw["check_in"]
    return Module(str(raw["id"]), _text(raw["title"]), int(raw["opens_after_days"]),
                  tuple(_text(p) for p in raw["content"]), _exercise(raw["exercise"]),
                  CheckIn(_text(check_in["question"]),
                          tuple(CheckInOption(str(o["value"]), _text(o["label"]), bool(o.get("offer_contact", False)))
                                for o in check_in["options"])))


def parse_band(text: Any) -> tuple[int, int]:
    """"5-9" -> (5, 9); ValueError for anything else."""
    low, high = str(text).replace("–", "-").split("-")
    return int(low), int(high)


def build_programme(doc: Mapping[str, Any], file: str = "") -> Programme:
    """A programme from its parsed file (after `programme_validation.check_programme_document`)."""
    instrument = str(doc["instrument"]) if doc.get("instrument") else None
    start = doc.get("start") or {}
    assessment = start.get("assessment")
    end = doc.get("end_assessment")
    goals = doc.get("goals")
    diary = doc.get("diary")
    worse = doc["worse"]
    reviewed = doc["reviewed"]
    return Programme(
        id=str(doc["id"]), version=int(doc["version"]), title=_text(doc["title"]), intro=_text(doc["intro"]),
        instrument=instrument, owner=_text(doc["owner"]),
        reviewed=reviewed if isinstance(reviewed, dt.date) else dt.date.fromisoformat(str(reviewed)),
        sources=tuple(Link(_text(s["name"]), str(s["url"])) for s in doc.get("sources") or ()),
        start=StartRules(
            AssessmentStart(str(instrument), bool(assessment.get("only_below_threshold", True)),
                            tuple(parse_band(b) for b in assessment.get("bands") or ()))
            if assessment is not None else None,
            tuple(str(p) for p in start.get("paths") or ()), bool(start.get("professional", False))),
        worse=WorseStep(_text(worse["label"]), _text(worse["text"]),
                        tuple(WorseOption(str(o["value"]), _text(o["label"]), str(o["urgency"]))
                              for o in worse["options"])),
        modules=tuple(_module(m) for m in doc["modules"]),
        end_assessment=EndAssessment(str(instrument), int(end["after_days"]), _text(end["text"])) if end else None,
        goals=Goals(_text(goals["question"]), tuple(Goal(str(g["value"]), _text(g["label"]), _text(g.get("text")))
                                                    for g in goals["options"])) if goals else None,
        diary=Diary(_text(diary["unit"]), float(diary["grams_per_unit"]), _text(diary["explanation"]),
                    tuple(DrinkExample(_text(e["label"]), float(e["centilitres"]), float(e["percent"]))
                          for e in diary.get("examples") or ()),
                    _text(diary["question"]), float(diary["max_per_day"])) if diary else None,
        source_file=file,
    )
