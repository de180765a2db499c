"""Is a message about an animal rather than a person? (guidance_library/out_of_scope.yml)"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.nlu.finnish import WordAnalysis
from guidance_library.loader import PACKAGE_DIR, LibraryInvalid, read_yaml

DEFAULT_SUBJECT_FILE = PACKAGE_DIR / "out_of_scope.yml"


@dataclass(frozen=True)
class SubjectRules:
    """Word lists that tell an animal question from a person's."""

    animals: frozenset[str]
    people: frozenset[str]

    def about_animal(self, words: list[WordAnalysis]) -> bool:
        """True if some word names an animal and none names a person."""
        terms = {t for w in words for t in (*w.lemmas, *w.parts, w.normalized)}
        return bool(terms & self.animals) and not terms & self.people


def load_subject_rules(file: Path = DEFAULT_SUBJECT_FILE) -> SubjectRules:
    """Read the word lists."""
    data, problems = read_yaml(file)
    if problems:
        raise LibraryInvalid(problems)
    return SubjectRules(frozenset(map(str, data.get("animals") or [])), frozenset(map(str, data.get("people") or [])))
