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
    """One kind of emergency: its signs and the answer residents get."""

    name: str
    answer: str
    patterns: tuple[re.Pattern[str], ...]

    def matches(self, *forms: str) -> bool:
        """True if any pattern is found in any of the message's forms."""
        return any(p.search(form) for p in self.patterns for form in forms)


@dataclass(frozen=True)
class EmergencyRules:
    """All categories, in the order they are checked, and the past/information exception."""

    categories: tuple[EmergencyCategory, ...]
    informational: tuple[re.Pattern[str], ...] = ()
    present: tuple[re.Pattern[str], ...] = ()
    not_human: tuple[re.Pattern[str], ...] = ()
    human: tuple[re.Pattern[str], ...] = ()

    def first_match(self, *forms: str) -> EmergencyCategory | None:
        """The first category whose signs appear in the message (unless only past or informational)."""
        found = next((c for c in self.categories if c.matches(*forms)), None)
        if found is None:
            return None
        def any_of(patterns: tuple[re.Pattern[str], ...]) -> bool:
            return any(p.search(f) for p in patterns for f in forms)

        if any_of(self.informational) and not any_of(self.present):
            return None
        if any_of(self.not_human) and not any_of(self.human):
            return None
        return found

    def get(self, name: str) -> EmergencyCategory | None:
        """The category with this name."""
        return next((c for c in self.categories if c.name == name), None)


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
        categories.append(EmergencyCategory(str(name), str(entry.get("answer", "")).strip(), compiled))
    informational = compile_all("informational", data.get("informational"))
    present = compile_all("present", data.get("present"))
    not_human = compile_all("not_human", data.get("not_human"))
    human = compile_all("human", data.get("human"))
    if problems:
        raise LibraryInvalid(problems)
    return EmergencyRules(tuple(categories), informational, present, not_human, human)
