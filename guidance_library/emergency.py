"""Emergency categories: the signs to match and the answer to give (from emergency.yml)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from guidance_library.loader import PACKAGE_DIR, LibraryInvalid, read_yaml
from guidance_library.validation import Problem

DEFAULT_EMERGENCY_FILE = PACKAGE_DIR / "emergency.yml"


@dataclass(frozen=True)
class EmergencyCategory:
    """One kind of emergency: its signs, the answer residents get and the numbers to call."""

    name: str
    answer: str
    patterns: tuple[re.Pattern[str], ...]
    calls: tuple[str, ...] = ("emergency",)       # contact keys of region/national.yml, shown as call links
    corpus: tuple[str, ...] = ()                 # the risk corpus's categories answered with this one
    weak_patterns: tuple[re.Pattern[str], ...] = ()  # signs that also occur in everyday talk ("tajuton", "hukkua")

    def matches(self, *forms: str) -> bool:
        """True if any (strong) pattern is found in any of the message's forms."""
        return any(p.search(form) for p in self.patterns for form in forms)

    def matches_weakly(self, *forms: str) -> bool:
        """True if a weak sign is found."""
        return any(p.search(form) for p in self.weak_patterns for form in forms)


@dataclass(frozen=True)
class EmergencyRules:
    """All categories, in the order they are checked, and the past/information exception."""

    categories: tuple[EmergencyCategory, ...]
    informational: tuple[re.Pattern[str], ...] = ()
    present: tuple[re.Pattern[str], ...] = ()
    not_human: tuple[re.Pattern[str], ...] = ()
    human: tuple[re.Pattern[str], ...] = ()

    poisoning: PoisoningLexicon | None = None

    def assess(self, *forms: str) -> RuleMatch | None:
        """The first category whose signs appear in the message, with its past/informational and
        present cues. Never None because of a cue: the safety net then lets the classifier choose
        between the emergency answer and asking the resident (bot.nlu.safety_net)."""
        found = next((c for c in self.categories if c.matches(*forms)), None)
        weak = found is None
        if weak:
            found = next((c for c in self.categories if c.matches_weakly(*forms)), None)
        if found is None or self.about_animal(*forms):
            return None
        return RuleMatch(found, _any(self.informational, forms), _any(self.present, forms), weak)

    def cued(self, *forms: str) -> bool:
        """A past or informational cue ("viime vuonna", "kurssi") and no present one ("nyt", "äsken")."""
        return _any(self.informational, forms) and not _any(self.present, forms)

    def about_animal(self, *forms: str) -> bool:
        """About an animal or a thing and no person: not for the 112 answer of this bot."""
        return _any(self.not_human, forms) and not _any(self.human, forms)

    def first_match(self, *forms: str) -> EmergencyCategory | None:
        """The rules alone, as a yes/no: the matched category unless a past or informational cue
        without a present one makes it uncertain."""
        match = self.assess(*forms)
        return match.category if match is not None and match.support == ALONE else None

    def for_corpus_category(self, corpus_category: str | None) -> EmergencyCategory | None:
        """The answer category of a risk-corpus category (the classifier's guess)."""
        return next((c for c in self.categories if corpus_category in c.corpus), None)

    def get(self, name: str) -> EmergencyCategory | None:
        """The category with this name."""
        return next((c for c in self.categories if c.name == name), None)


ALONE, DANGER, SURE = "alone", "danger", "sure"


@dataclass(frozen=True)
class RuleMatch:
    """A category matched by the rules, with the cues around it."""

    category: EmergencyCategory
    cued: bool     # a past or informational cue ("viime vuonna", "kurssi", "tietoa")
    present: bool  # a present cue ("nyt", "just", "äsken", "tänään")
    weak: bool = False  # only a weak sign matched

    @property
    def support(self) -> str:
        """What the match needs from the classifier for the emergency answer (the safety question otherwise):
        `alone` (nothing: a strong sign, no cue), `danger` (any danger: a weak sign, or past and present
        cues together) or `sure` (a past or informational cue without a present one)."""
        if self.cued and not self.present:
            return SURE
        return DANGER if self.weak or self.cued else ALONE


@dataclass(frozen=True)
class PoisoningLexicon:
    """The words the overdose and poisoning reader looks for (emergency.yml, `poisoning_reader`).

    A stem is matched at the start of a word's base form, typed form or compound part, with ä/ö
    written as a/o ("unilaake" matches "unilääkkeitä" and "unilaakkeita"); the lists of whole words
    match a word's base or typed form (bot.nlu.poisoning reads them)."""

    # what was taken (stems)
    medicines: tuple[str, ...]    # "burana", "unilaak": a count or weight of one of these is counted
    chemicals: tuple[str, ...]    # "pesuaine", "nappiparisto": taken at all, it is a poisoning
    alcohol: tuple[str, ...]      # "viina", "kalja": with much of a medicine, alcohol and medicine
    # how it was taken and how much (whole words, base or typed form; containers are stems)
    taking: tuple[str, ...]       # "otin", "nielaisi", "join"
    amounts: tuple[str, ...]      # "koko", "kaikki", "liikaa": with a container, a lot
    containers: tuple[str, ...]   # "purkki", "levy", "pullo"
    # who took it, and what makes it a question, a mishap or urgent
    children: tuple[str, ...]     # "lapsi", "taapero" (stems): a child who swallowed something
    questions: tuple[str, ...]    # "paljonko", "saako" (words): a dose question, not a poisoning
    handling: tuple[str, ...]     # "mukaan", "apteekki" (words): medicines handled, not taken
    accident: tuple[str, ...]     # "vahingossa", "loysi" (words): a child got at them by mistake
    symptoms: tuple[str, ...]     # "tajuton", "oksent" (stems): the urgent answer, 112 first
    intent: tuple[str, ...]       # "tahallaan", "en jaksa" (stems): the urgent answer, 112 first
    number_words: dict[str, int]  # "kymmenen": 10, "tusina": 12
    min_count: int = 5
    min_grams: float = 5.0  # "10 grammaa parasetamolia": a medicine's total weight taken, in grams


def _any(patterns: tuple[re.Pattern[str], ...], forms: tuple[str, ...]) -> bool:
    return any(p.search(f) for p in patterns for f in forms)


def _stems(raw: object) -> tuple[str, ...]:
    fold = str.maketrans({"ä": "a", "ö": "o", "å": "a"})
    return tuple(str(s).lower().translate(fold) for s in (raw or []) if str(s).strip())


def _poisoning_lexicon(raw: object, file: Path, problems: list[Problem]) -> PoisoningLexicon | None:
    if not raw:
        return None
    if not isinstance(raw, dict):
        problems.append(Problem(str(file), None, "poisoning_reader: pitää olla sanalistoja."))
        return None
    numbers = raw.get("number_words") or {}
    try:
        number_words = {str(k).lower(): int(v) for k, v in numbers.items()}
        min_count = int(raw.get("min_count", 5))
        min_grams = float(raw.get("min_grams", 5))
    except (TypeError, ValueError, AttributeError):
        problems.append(Problem(str(file), None,
                                "poisoning_reader: number_words, min_count ja min_grams ovat lukuja."))
        return None
    lists = {name: _stems(raw.get(name)) for name in ("medicines", "chemicals", "alcohol", "taking", "amounts",
                                                       "containers", "children", "questions", "handling", "accident", "symptoms",
                                                       "intent")}
    for name in ("medicines", "taking"):
        if not lists[name]:
            problems.append(Problem(str(file), None, f"poisoning_reader: {name} puuttuu."))
    return PoisoningLexicon(**lists, number_words=number_words, min_count=min_count, min_grams=min_grams)


def load_emergency_rules(file: Path = DEFAULT_EMERGENCY_FILE) -> EmergencyRules:
    """Read and compile emergency.yml; raise LibraryInvalid with every bad pattern."""
    data, problems = read_yaml(file)
    if problems:
        raise LibraryInvalid(problems)
    def compile_all(name: str, patterns: list) -> tuple[re.Pattern[str], ...]:
        compiled = []
        for pattern in patterns or []:
            try:
                compiled.append(re.compile(str(pattern)))
            except re.error as err:
                problems.append(Problem(str(file), None, f"{name}: virheellinen hahmo '{pattern}': {err}"))
        return tuple(compiled)

    categories = []
    for name, entry in (data.get("categories") or {}).items():
        compiled = compile_all(str(name), entry.get("patterns"))
        if not str(entry.get("answer") or "").strip():
            problems.append(Problem(str(file), None, f"{name}: vastaus (answer) puuttuu."))
        calls = tuple(str(c) for c in entry.get("calls") or ["emergency"])
        corpus = tuple(str(c) for c in entry.get("corpus") or [])
        weak = compile_all(f"{name}.weak_patterns", entry.get("weak_patterns"))
        categories.append(EmergencyCategory(str(name), str(entry.get("answer", "")).strip(), compiled, calls, corpus,
                                            weak))
    informational = compile_all("informational", data.get("informational"))
    present = compile_all("present", data.get("present"))
    not_human = compile_all("not_human", data.get("not_human"))
    human = compile_all("human", data.get("human"))
    poisoning = _poisoning_lexicon(data.get("poisoning_reader"), file, problems)
    if problems:
        raise LibraryInvalid(problems)
    return EmergencyRules(tuple(categories), informational, present, not_human, human, poisoning)
