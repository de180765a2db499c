"""Self-assessment instruments (PHQ-9, GAD-7, AUDIT-C ...) as data: building, checking, scoring,
and reading a resident's free-text answer.

An instrument file (`guidance_library/assessments/<id>.yml`) holds the items, the answer options
with their points, score bands, the threshold (optionally depending on background answers such
as age group), the crisis rule of an item, and the routing texts. Adding an instrument is adding
a file; `guidance_library.loader.load_instruments` reads the folder (this module reads no files),
and `guidance validate` checks it together with the library.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping, NamedTuple

from rapidfuzz import fuzz

from guidance_library.validation import ID_PATTERN, Problem, is_url

FUZZY_ANSWER = 86
# number words as typed (ä/ö folded), spoken forms too; "kerran"/"kahdesti" count times
NUMBER_WORDS = {"nolla": 0, "yksi": 1, "yks": 1, "yhden": 1, "yhtena": 1, "kerran": 1, "kaksi": 2, "kaks": 2,
                "kahden": 2, "kahtena": 2, "pari": 2, "kahdesti": 2, "kolme": 3, "kolmena": 3, "kolmesti": 3,
                "nelja": 4, "nelisen": 4, "neljana": 4, "neljasti": 4, "viisi": 5, "viis": 5, "viitena": 5,
                "kuusi": 6, "kuus": 6, "kuutisen": 6, "kuutena": 6, "seitseman": 7, "seitteman": 7,
                "kahdeksan": 8, "kaheksan": 8, "yhdeksan": 9, "yheksan": 9, "kymmenen": 10, "kymmenena": 10,
                "parikymmenta": 20, "muutaman": 3, "muutama": 3, "muutamana": 3, "muutamina": 3}
# "... kertaa viikossa": the period a count is per, in days
PERIOD_DAYS = {"viikossa": 7, "viikos": 7, "viikkoon": 7, "viikoittain": 7, "kuussa": 30, "kuus": 30,
               "kuukaudessa": 30, "kuukaudes": 30, "vuodessa": 365, "vuodes": 365}
COUNT_UNITS = ("drinks", "days_in_two_weeks", "times_per_month")
SPAN_WORDS = ("viik", "kuuk", "vuo")


def count_in_unit(folded: str, unit: str) -> list[float]:
    """The numbers of an answer converted to the item's unit ("pari kertaa viikossa" -> 4 days in two
    weeks, or 8.6 times a month); empty when the answer has no number or no usable period."""
    words = folded.split()
    numbers = []
    for i, word in enumerate(words):
        value = float(word) if word.isdigit() else NUMBER_WORDS.get(word)
        following = words[i + 1] if i + 1 < len(words) else ""
        if value is None or (following.startswith(SPAN_WORDS) and following not in PERIOD_DAYS):
            continue  # "kahden viikon aikana" names the questionnaire's span, not a count
        if word == "kuus" and i > 0 and words[i - 1].startswith("ker"):
            continue  # spoken "kerran kuus" = once a month, not six
        numbers.append(float(value))
    if "kerran" in words and len(numbers) > 1:
        numbers.remove(1.0)  # "muutaman kerran": the other word is the count
    if not numbers:
        return []
    period = next((PERIOD_DAYS[w] for i, w in enumerate(words) if w in PERIOD_DAYS
                   and (w != "kuus" or (i > 0 and words[i - 1].startswith("ker")))), None)
    if unit == "drinks":
        return numbers
    if unit == "days_in_two_weeks":
        if period is None:
            return numbers if any(w.startswith(("paiva", "iltana", "iltoina", "kerta")) for w in words) else []
        return [min(14.0, n * 14 / period) for n in numbers]
    if unit == "times_per_month":
        return [n * 30 / period for n in numbers] if period else []
    return []


def fold(text: str) -> str:
    """Lower case, ä/ö/å folded, punctuation removed, spaces tidied: how answers are compared."""
    text = text.lower().translate(str.maketrans({"ä": "a", "ö": "o", "å": "a", "–": " ", "-": " "}))
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text).split())


@dataclass(frozen=True)
class Option:
    """One answer option of an item: its points, its label and other ways residents say it."""

    points: int
    label: str
    also: tuple[str, ...] = ()
    count: tuple[float, float] | None = None  # the range of a counted answer, in the item's count_unit

    def phrases(self) -> list[str]:
        return [fold(p) for p in (self.label, *self.also) if fold(p)]


@dataclass(frozen=True)
class Item:
    """One question of the questionnaire with its answer options."""

    id: str
    text: str
    options: tuple[Option, ...]
    crisis_above: int | None = None   # an answer above this many points triggers the crisis guidance
    end_if_points: int | None = None  # this answer ends the questionnaire (the rest score 0)
    count_unit: str | None = None     # drinks | days_in_two_weeks | times_per_month: numbers are counts

    @property
    def max_points(self) -> int:
        return max(o.points for o in self.options)


Choice = NamedTuple("Choice", [("value", str), ("label", str)])  # a background answer: value kept, label shown


@dataclass(frozen=True)
class BackgroundQuestion:
    """A question asked before the items (age group, sex ...) when the cut-off depends on it;
    `ask_if` limits it to some earlier answers."""

    id: str
    text: str
    options: tuple[Choice, ...]
    ask_if: Mapping[str, str] = field(default_factory=dict)

    def applies(self, background: Mapping[str, str]) -> bool:
        return all(background.get(k) == v for k, v in self.ask_if.items())


@dataclass(frozen=True)
class Band:
    """A score range and the words that describe it ("lieviä oireita")."""

    min: int
    max: int
    label: str


@dataclass(frozen=True)
class ThresholdRule:
    """The cut-off for residents whose background answers are all `when`."""

    when: Mapping[str, str]
    min: int


@dataclass(frozen=True)
class Routing:
    """Where a result leads: the self-care path, links, and the texts below and at or above the cut-off."""

    self_care_path: str
    links: tuple[tuple[str, str], ...]
    below: str
    at_or_above: str


@dataclass(frozen=True)
class Instrument:
    """One self-assessment questionnaire as its file defines it (see the module's docstring)."""

    id: str
    name: str
    asked_as: tuple[str, ...]
    intro: str
    attribution: str
    stem: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    threshold_rules: tuple[ThresholdRule, ...]
    default_threshold: int
    default_note: str
    routing: Routing
    background_why: str = ""
    background: tuple[BackgroundQuestion, ...] = ()

    @property
    def max_score(self) -> int:
        return sum(item.max_points for item in self.items)

    def item(self, item_id: str) -> Item:
        return next(i for i in self.items if i.id == item_id)

    def question(self, index: int) -> str:
        """Item `index` as asked: "Kuinka usein ... <item>?" or the item text alone."""
        item = self.items[index]
        return f"{self.stem} {item.text}" if self.stem else item.text

    def threshold(self, background: Mapping[str, str]) -> tuple[int, str]:
        """The cut-off for these background answers, and a note when the default had to be used."""
        for rule in self.threshold_rules:
            if all(background.get(k) == v for k, v in rule.when.items()):
                return rule.min, ""
        return self.default_threshold, self.default_note

    def band(self, total: int) -> Band | None:
        return next((b for b in self.bands if b.min <= total <= b.max), None)


@dataclass(frozen=True)
class AssessmentResult:
    """What a completed (or partly skipped) questionnaire says; stays in the conversation."""

    instrument: str
    name: str
    total: int
    max_score: int
    threshold: int
    at_or_above: bool
    band: str | None
    crisis: bool
    answers: Mapping[str, int | None]
    background: Mapping[str, str]
    skipped: tuple[str, ...]
    threshold_note: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "AssessmentResult":
        """Back from `as_dict` (as kept in the conversation)."""
        return cls(str(data["instrument"]), str(data["name"]), int(data["total"]), int(data["max_score"]),
                   int(data["threshold"]), bool(data["at_or_above"]), data.get("band"), bool(data["crisis"]),
                   MappingProxyType(dict(data["answers"])), MappingProxyType(dict(data.get("background") or {})),
                   tuple(data.get("skipped") or ()), str(data.get("threshold_note") or ""))

    def as_dict(self) -> dict[str, Any]:
        return {"instrument": self.instrument, "name": self.name, "total": self.total, "max_score": self.max_score,
                "threshold": self.threshold, "at_or_above": self.at_or_above, "band": self.band,
                "crisis": self.crisis, "answers": dict(self.answers), "background": dict(self.background),
                "skipped": list(self.skipped), "threshold_note": self.threshold_note}


def score(instrument: Instrument, answers: Mapping[str, int | None], background: Mapping[str, str] | None = None
          ) -> AssessmentResult:
    """Score by the instrument's rule: the sum of the answered items' points.

    Items after an `end_if_points` answer count 0 (as in AUDIT-C: "never" ends it). Skipped items
    (None) add nothing: the total is then a lower bound, which the result says.
    """
    background = dict(background or {})
    total, crisis, skipped, ended = 0, False, [], False
    scored: dict[str, int | None] = {}
    for item in instrument.items:
        points = 0 if ended else answers.get(item.id)
        if points is None:
            skipped.append(item.id)
            scored[item.id] = None
            continue
        if points not in {o.points for o in item.options}:
            raise ValueError(f"{instrument.id}.{item.id}: {points} is not one of the options' points")
        scored[item.id] = points
        total += points
        if item.crisis_above is not None and points > item.crisis_above:
            crisis = True
        if item.end_if_points is not None and points == item.end_if_points:
            ended = True
    threshold, note = instrument.threshold(background)
    band = instrument.band(total)
    return AssessmentResult(instrument.id, instrument.name, total, instrument.max_score, threshold,
                            total >= threshold, band.label if band else None, crisis,
                            MappingProxyType(scored), MappingProxyType(background), tuple(skipped), note)


def questions_left(instrument: Instrument, answers: Mapping[str, int | None]) -> list[int]:
    """Indexes of the items still to ask (none after an ending answer)."""
    left = []
    for index, item in enumerate(instrument.items):
        if item.id in answers:
            if item.end_if_points is not None and answers[item.id] == item.end_if_points:
                return []
            continue
        left.append(index)
    return left


def match_answer(item: Item, text: str) -> Option | None:
    """The option a free-text answer means, or None if it fits none (or fits two equally well).

    A counted answer falls in an option's range ("4 kaljaa", "pari kertaa viikossa", "10 päivänä");
    a bare number is otherwise the option's points ("2"); otherwise the option whose phrase is found in the answer ("ehkä pari
    kertaa" -> "pari kertaa"); then a close spelling of a whole phrase ("melkein joka paiva").
    """
    folded = fold(text)
    if not folded:
        return None
    words = folded.split()
    if item.count_unit:
        counts = count_in_unit(folded, item.count_unit)
        hits = [o for o in item.options if o.count and counts and all(o.count[0] <= n <= o.count[1] for n in counts)]
        if len(hits) == 1:
            return hits[0]
    if item.count_unit != "drinks" and len(words) <= 2 and words[0].isdigit():
        hits = [o for o in item.options if o.points == int(words[0])]
        return hits[0] if len(hits) == 1 else None
    padded = f" {folded} "
    spans: list[tuple[int, int, Option]] = []
    for option in item.options:
        for phrase in option.phrases():
            for found in re.finditer(re.escape(f" {phrase} "), padded):
                spans.append((found.start(), found.end(), option))
    # a phrase inside a longer matched phrase ("joka paiva" in "melkein joka paiva") does not count
    outer = [s for s in spans if not any(o is not s and o[0] <= s[0] and s[1] <= o[1] and o[1] - o[0] > s[1] - s[0]
                                         for o in spans)]
    if outer:
        meant = {o.points: o for _, _, o in outer}
        return next(iter(meant.values())) if len(meant) == 1 else None
    scored = [(fuzz.ratio(folded, phrase), option) for option in item.options for phrase in option.phrases()]
    top = max(s for s, _ in scored)
    if top < FUZZY_ANSWER:
        return None
    winners = {o.points: o for s, o in scored if s == top}
    return next(iter(winners.values())) if len(winners) == 1 else None


def match_choice(question: BackgroundQuestion, text: str) -> Choice | None:
    """A background choice by its value (button) or a close enough label."""
    folded = fold(text)
    for choice in question.options:
        if text.strip() == choice.value or folded == fold(choice.label):
            return choice
    scored = [(fuzz.partial_ratio(fold(c.label), folded), c) for c in question.options]
    top = max(s for s, _ in scored)
    winners = [c for s, c in scored if s == top]
    return winners[0] if top >= 90 and len(winners) == 1 else None


def _options(raw: Any) -> tuple[Option, ...]:
    return tuple(Option(int(o["points"]), str(o["label"]), tuple(str(a) for a in o.get("also") or ()),
                        (float(o["count"][0]), float(o["count"][1])) if o.get("count") else None) for o in raw or ())


def build_instrument(doc: Mapping[str, Any]) -> Instrument:
    """An instrument from its parsed file (after `check_instrument_document`)."""
    shared = _options(doc.get("options"))
    items = tuple(Item(str(i["id"]), str(i["text"]), _options(i.get("options")) or shared,
                       i.get("crisis_above"), i.get("end_if_points"), i.get("count_unit", doc.get("count_unit")))
                  for i in doc["items"])
    threshold = doc.get("threshold") or {}
    background = doc.get("background") or {}
    routing = doc["routing"]
    return Instrument(
        id=str(doc["id"]), name=str(doc["name"]), asked_as=tuple(str(a) for a in doc.get("asked_as") or ()),
        intro=str(doc["intro"]).strip(), attribution=str(doc["attribution"]).strip(), stem=str(doc.get("stem") or ""),
        items=items, bands=tuple(Band(int(b["min"]), int(b["max"]), str(b["label"])) for b in doc.get("bands") or ()),
        threshold_rules=tuple(ThresholdRule(MappingProxyType({k: str(v) for k, v in r["when"].items()}), int(r["min"]))
                              for r in threshold.get("rules") or ()),
        default_threshold=int(threshold["default"]), default_note=str(threshold.get("default_note") or "").strip(),
        routing=Routing(str(routing["self_care_path"]),
                        tuple((str(link["name"]), str(link["url"])) for link in routing.get("links") or ()),
                        str(routing["below"]).strip(), str(routing["at_or_above"]).strip()),
        background_why=str(background.get("why") or "").strip(),
        background=tuple(BackgroundQuestion(str(q["id"]), str(q["text"]),
                                            tuple(Choice(str(c["value"]), str(c["label"])) for c in q["options"]),
                                            MappingProxyType({k: str(v) for k, v in (q.get("ask_if") or {}).items()}))
                         for q in background.get("questions") or ()),
    )


def _item_problems(items: tuple[Item, ...]) -> list[str]:
    """Each item: a unique id, two or more options of distinct points, no phrase meaning two
    options, and a known count unit whose every option says its range."""
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            out.append(f"Kysymyksen tunniste '{item.id}' on kahteen kertaan.")
        seen.add(item.id)
        points = [o.points for o in item.options]
        if len(item.options) < 2 or len(set(points)) != len(points) or min(points, default=0) < 0:
            out.append(f"Kysymyksellä '{item.id}' pitää olla vähintään kaksi vaihtoehtoa, joilla on eri pisteet "
                       "(0 tai yli).")
        phrases = [(p, o.points) for o in item.options for p in o.phrases()]
        clashes = {p for p, pts in phrases if any(p == q and pts != qp for q, qp in phrases)}
        if clashes:
            out.append(f"Kysymyksessä '{item.id}' sama sanonta kuuluu kahteen vaihtoehtoon: "
                       f"{', '.join(sorted(clashes))}.")
        if item.count_unit is not None and item.count_unit not in COUNT_UNITS:
            out.append(f"count_unit on jokin näistä: {', '.join(COUNT_UNITS)} (kysymys '{item.id}').")
        if item.count_unit and any(o.count is None for o in item.options):
            out.append(f"Kysymyksen '{item.id}' jokaisella vaihtoehdolla pitää olla count: [alin, ylin].")
    return out


def _score_problems(instrument: Instrument) -> list[str]:
    """The bands cover 0..max score without gaps, and the thresholds are reachable scores whose
    conditions name background answers that exist."""
    out: list[str] = []
    if instrument.bands:
        expected = 0
        for low, high in sorted((b.min, b.max) for b in instrument.bands):
            if low != expected or high < low:
                out.append(f"Pisterajat (bands) eivät kata pisteitä aukottomasti kohdassa {low}-{high}.")
                break
            expected = high + 1
        if expected != instrument.max_score + 1:
            out.append(f"Pisterajojen pitää päättyä enimmäispisteisiin {instrument.max_score}.")
    if not 0 < instrument.default_threshold <= instrument.max_score:
        out.append(f"Raja-arvon pitää olla 1-{instrument.max_score}.")
    questions = {q.id: q for q in instrument.background}
    for rule in instrument.threshold_rules:
        for key, value in rule.when.items():
            if key not in questions or value not in {c.value for c in questions[key].options}:
                out.append(f"Raja-arvon ehto {key}={value} ei vastaa mitään taustakysymyksen vaihtoehtoa.")
    return out


def _routing_problems(routing: Routing, path_ids: Iterable[str] | None) -> list[str]:
    """The self-care path exists (when the library's paths are given) and the links are https."""
    out = []
    if path_ids is not None and routing.self_care_path not in set(path_ids):
        out.append(f"Omahoitopolkua '{routing.self_care_path}' ei ole kirjastossa.")
    out += [f"Linkin '{name}' osoite ei ole https-osoite." for name, url in routing.links if not is_url(url)]
    return out


def check_instrument_document(doc: Any, file: str, path_ids: Iterable[str] | None = None) -> list[Problem]:
    """Editor-readable problems of one instrument file (empty if it is fine)."""
    if not isinstance(doc, Mapping):
        return [Problem(file, 1, "Kyselytiedoston pitää olla YAML-sanakirja.")]
    missing = [f"Pakollinen kenttä '{key}' puuttuu." for key in
               ("id", "name", "intro", "attribution", "items", "threshold", "routing") if not doc.get(key)]
    if missing:
        return [Problem(file, None, message) for message in missing]
    messages = []
    if not ID_PATTERN.match(str(doc["id"])) or f"{doc['id']}.yml" != Path(file).name:
        messages.append(f"Tunnisteen '{doc['id']}' pitää olla pienillä kirjaimilla ja sama kuin tiedoston nimi.")
    if "bdi" in str(doc["id"]).lower() or "beck" in str(doc.get("name", "")).lower():
        messages.append("BDI-kyselyä ei saa käyttää (tekijänoikeus).")
    try:
        instrument = build_instrument(doc)
    except (KeyError, TypeError, ValueError) as err:
        return [Problem(file, None, f"Kyselyn rakenne on virheellinen: {err!r}. Katso mallia phq9.yml:stä.")]
    messages += _item_problems(instrument.items) + _score_problems(instrument)
    messages += _routing_problems(instrument.routing, path_ids)
    return [Problem(file, None, message) for message in messages]
