"""The risk classifier's training corpus: danger and not-danger messages as residents write them.

`guidance_library/risk_corpus/danger/<category>.yml` and `risk_corpus/safe/<kind>.yml` each hold
`label`, `category` and `messages`. The emergency rules' own must-trigger examples
(`emergency_examples.yml`) count as danger messages of no named category, and the guidance paths'
example questions (outside the urgent area, whose questions are about emergencies) count as
ordinary, not-danger messages, and so do the dialogue's NLU examples (data/nlu*.yml: greetings,
"en", "kiitos", questions; the short everyday messages a classifier must not mistake). Editors grow the corpus by adding lines; `scripts/train` retrains
the classifier when a corpus file or the examples change.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from guidance_library.loader import (DEFAULT_PATHS_DIR, PACKAGE_DIR, LibraryInvalid, path_files, read_kept_yaml,
                                     read_path_file, read_yaml)
from guidance_library.validation import Problem

DEFAULT_CORPUS_DIR = PACKAGE_DIR / "risk_corpus"
DEFAULT_NLU_FILES = (PACKAGE_DIR.parent / "data" / "nlu.yml", PACKAGE_DIR.parent / "data" / "nlu_guidance.yml")
DEFAULT_EXAMPLES_FILE = PACKAGE_DIR / "emergency_examples.yml"
URGENT_AREA = "kiireellinen"  # the paths about emergencies themselves: their questions are not "safe"
LABELS = ("danger", "safe")
_PHONE = re.compile(r"(?<!\d)(?:0\d{1,3}[ -]?\d{2,4}[ -]?\d{2,4}(?:[ -]?\d{1,4})?|116 ?\d{3}|112)(?!\d)")
LIBRARY_KIND = "library_question"
DIALOGUE_KIND = "dialogue_message"  # Rasa's NLU examples: greetings, "en", "kiitos", questions
ASSUMED_SAFE = (LIBRARY_KIND, DIALOGUE_KIND)  # kinds whose "not danger" label is an assumption
UNNAMED_DANGER = "rule_example"


@dataclass(frozen=True)
class CorpusMessage:
    """One training message."""

    text: str
    danger: bool
    category: str  # a danger category (suicide_self_harm ...) or a not-danger kind (idiom ...)
    source: str    # the file it came from


@dataclass(frozen=True)
class CorpusSources:
    """Where the corpus comes from."""

    corpus_dir: Path = DEFAULT_CORPUS_DIR
    examples_file: Path = DEFAULT_EXAMPLES_FILE
    paths_dir: Path = DEFAULT_PATHS_DIR
    nlu_files: tuple[Path, ...] = DEFAULT_NLU_FILES

    def files(self) -> list[Path]:
        """Every file the corpus is read from, in a stable order."""
        corpus = sorted(self.corpus_dir.rglob("*.yml")) if self.corpus_dir.is_dir() else []
        examples = [self.examples_file] if self.examples_file.is_file() else []
        return [*corpus, *examples, *self.library_files()]

    def library_files(self) -> list[Path]:
        """Path files whose example questions are ordinary questions."""
        if not self.paths_dir.is_dir():
            return []
        return [f for f in path_files(self.paths_dir) if URGENT_AREA not in f.relative_to(self.paths_dir).parts]

    def fingerprint(self) -> str:
        """A hash of the corpus files, the rules and their examples: when they change, `rasa train` retrains
        the classifier. The paths' questions are left out, so that editing a path never forces a
        retraining; they reach the classifier at the next training."""
        digest = hashlib.sha256()
        corpus = sorted(self.corpus_dir.rglob("*.yml")) if self.corpus_dir.is_dir() else []
        rules = self.examples_file.with_name("emergency.yml")  # the rules decide what the corpus's questions cover
        extra = [f for f in (self.examples_file, rules) if f.is_file()]
        for file in [*corpus, *extra]:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
        return digest.hexdigest()


def _strings(values: Iterable, file: Path, problems: list[Problem]) -> list[str]:
    out = []
    for value in values or []:
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(str(file), None, f"viesti '{value}' ei ole tekstiä."))
            continue
        out.append(" ".join(value.split()))
    return out


def load_corpus_file(file: Path) -> tuple[list[CorpusMessage], list[Problem]]:
    """One corpus file (label, category, messages)."""
    data, problems = read_kept_yaml(file)
    if problems:
        return [], problems
    if not isinstance(data, dict):
        return [], [Problem(str(file), None, "tiedostossa pitää olla label, category ja messages.")]
    label = data.get("label")
    category = str(data.get("category") or "").strip()
    if label not in LABELS:
        problems.append(Problem(str(file), None, f"label on '{label}': käytä danger tai safe."))
    if not category:
        problems.append(Problem(str(file), None, "category puuttuu."))
    texts = _strings(data.get("messages"), file, problems)
    if not texts:
        problems.append(Problem(str(file), None, "messages-luettelo on tyhjä."))
    if problems:
        return [], problems
    return [CorpusMessage(t, label == "danger", category, file.name) for t in texts], []


def load_corpus(sources: CorpusSources | None = None) -> list[CorpusMessage]:
    """Every training message, each text once (a text written as both danger and safe is an error)."""
    sources = sources or CorpusSources()
    messages: list[CorpusMessage] = []
    problems: list[Problem] = []
    if sources.corpus_dir.is_dir():
        for file in sorted(sources.corpus_dir.rglob("*.yml")):
            found, file_problems = load_corpus_file(file)
            messages.extend(found)
            problems.extend(file_problems)
    if sources.examples_file.is_file():
        data, file_problems = read_yaml(sources.examples_file)
        problems.extend(file_problems)
        for text in _strings((data or {}).get("must_trigger"), sources.examples_file, problems):
            messages.append(CorpusMessage(text, True, UNNAMED_DANGER, sources.examples_file.name))
    for file in sources.library_files():
        data, _ = read_path_file(file)  # the library's own validation reports broken path files
        if not isinstance(data, dict):
            continue
        questions = list(data.get("examples") or [])
        for facet in data.get("facets") or []:
            if isinstance(facet, dict):
                questions.extend(facet.get("examples") or [])
        messages.extend(CorpusMessage(" ".join(str(q).split()), False, LIBRARY_KIND, file.name)
                        for q in questions if isinstance(q, str) and q.strip())
    for file in sources.nlu_files:
        messages.extend(CorpusMessage(text, False, DIALOGUE_KIND, file.name) for text in nlu_examples(file))
    seen: dict[str, CorpusMessage] = {}
    for message in messages:
        key = message.text.casefold()
        earlier = seen.get(key)
        if earlier is None:
            seen[key] = message
        elif earlier.danger != message.danger and message.category not in ASSUMED_SAFE \
                and earlier.category not in ASSUMED_SAFE:
            problems.append(Problem(message.source, None,
                                    f"'{message.text}' on sekä vaaraviesti ({earlier.source}) että tavallinen."))
        elif earlier.category in ASSUMED_SAFE and message.danger:
            seen[key] = message  # a library question that the corpus marks as danger counts as danger
    if problems:
        raise LibraryInvalid(problems)
    return list(seen.values())


def nlu_examples(file: Path) -> list[str]:
    """The examples of a Rasa NLU file, except the `emergency` intent's (none of them are danger)."""
    if not file.is_file():
        return []
    data, problems = read_yaml(file)
    if problems:
        raise LibraryInvalid(problems)
    out = []
    for block in (data or {}).get("nlu") or []:
        if not isinstance(block, dict) or block.get("intent") in (None, "emergency"):
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- ") and line[2:].strip():
                out.append(" ".join(line[2:].split()))
    return out


def check_safety_files(library: Any, emergency_file: Path | None = None,
                       sources: CorpusSources | None = None) -> list[Problem]:
    """The safety net's files as editors keep them: emergency.yml compiles, every category's call
    numbers exist among the contacts and name 112 or the crisis line in the answer, and every
    corpus category has an answer category (`corpus:` in emergency.yml)."""
    from guidance_library.emergency import DEFAULT_EMERGENCY_FILE, load_emergency_rules

    problems: list[Problem] = []
    emergency_file = emergency_file or DEFAULT_EMERGENCY_FILE
    try:
        rules = load_emergency_rules(emergency_file)
    except LibraryInvalid as err:
        return list(err.problems)
    file = str(emergency_file)
    known = {re.sub(r"\D", "", c.phone) for c in library.all_contacts().values() if c.phone} | {"112"}
    for category in rules.categories:
        for key in category.calls:
            if library.contact(key) is None:
                problems.append(Problem(file, None, f"{category.name}: calls-avainta '{key}' ei ole yhteystiedoissa "
                                                    "(region/national.yml tai profile.yml)."))
        if "112" not in category.answer and "09 2525 0111" not in category.answer:
            problems.append(Problem(file, None, f"{category.name}: vastauksessa pitää olla 112 tai kriisipuhelin."))
        for typed in _PHONE.findall(category.answer):
            if re.sub(r"\D", "", typed) not in known:
                problems.append(Problem(file, None, f"{category.name}: vastauksen numero {typed} ei ole "
                                                    "yhteystiedoissa (region/national.yml): tarkista se."))
    try:
        corpus = load_corpus(sources)
    except LibraryInvalid as err:
        return problems + list(err.problems)
    for name in sorted({m.category for m in corpus if m.danger and m.category != UNNAMED_DANGER}):
        if rules.for_corpus_category(name) is None:
            problems.append(Problem(file, None, f"riskikorpuksen luokalla '{name}' ei ole vastausta: lisää se jonkin "
                                                "luokan corpus-luetteloon."))
    return problems
