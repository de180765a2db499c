"""The chat's Finnish texts about self-care programmes and kept results (`programme_texts.yml`).

Loaded once per runtime (`Runtime.programme_texts`) and checked: every text is there and non-empty,
none is unknown, and each uses only the placeholders its sentence is given (`PLACEHOLDERS`), so an
edit cannot ask for something the action does not have. A text is filled with `ProgrammeTexts.say`.
"""
from __future__ import annotations

import dataclasses
import string
from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_TEXTS = Path(__file__).resolve().parent / "programme_texts.yml"


@dataclass(frozen=True)
class ProgrammeTexts:
    """One field per text of the file (plain Finnish; `{name}` placeholders per `PLACEHOLDERS`)."""

    result_saved: str
    result_not_saved: str
    band_below: str
    band_at_or_above: str
    offer: str
    offer_alongside_contact: str
    offer_start_question: str
    button_start: str
    button_not_now: str
    needs_identification: str
    offer_after_path: str
    path_needs_identification: str
    started: str
    already_started: str
    started_next: str
    not_now: str
    programme_missing: str
    start_failed: str
    button_retry: str
    still_offering_contact: str
    own_space_link_name: str
    own_space_link_url: str
    worse_needs_identification: str
    worse_programme_missing: str
    worse_contact_start: str
    worse_ticket_words: str
    summary_programme: str

    def say(self, name: str, **values: object) -> str:
        """The text `name` with its placeholders filled."""
        return str(getattr(self, name)).format(**values)

    def own_space_link(self) -> dict[str, str]:
        """The own space as a link of a chat message (the web chat shows `custom.links`)."""
        return {"name": self.own_space_link_name, "url": self.own_space_link_url}


PLACEHOLDERS: dict[str, frozenset[str]] = {
    "band_below": frozenset({"threshold"}), "band_at_or_above": frozenset({"threshold"}),
    "needs_identification": frozenset({"titles"}), "path_needs_identification": frozenset({"titles"}),
    "started": frozenset({"title"}),
    "already_started": frozenset({"title"}), "worse_ticket_words": frozenset({"title"}),
    "summary_programme": frozenset({"title", "done", "total"}),
}


def load_programme_texts(path: Path = DEFAULT_TEXTS) -> ProgrammeTexts:
    """Load and check the texts; a missing, empty or unknown text, or a placeholder the text is not
    given, is a ValueError naming the file and the text."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a mapping of texts expected")
    names = [f.name for f in dataclasses.fields(ProgrammeTexts)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ValueError(f"{path}: unknown texts {unknown}")
    texts = {}
    for name in names:
        text = data.get(name)
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{path}: text {name!r} is missing or empty")
        used = {field for _text, field, _spec, _conv in string.Formatter().parse(text) if field is not None}
        extra = used - PLACEHOLDERS.get(name, frozenset())
        if extra:
            raise ValueError(f"{path}: {name} may not use {sorted(extra)}")
        texts[name] = text.strip()
    return ProgrammeTexts(**texts)
