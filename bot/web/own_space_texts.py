"""The own space's Finnish texts (`own_space_texts.yml`): the service terms and the API's answers,
loaded once (by the web runtime, on the own space's first use) and checked.

Every text the code asks for must be there, and may use only the placeholders named for it; a
missing text or an unknown placeholder is a ValueError naming the file and the key, so a broken edit
stops the own space at once instead of answering a resident with an empty or half-filled message.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from actions.store.models import ENROLMENT_STATUSES, NOTIFICATION_CHANNELS, TICKET_STATUSES

DEFAULT_TEXTS = Path(__file__).resolve().parent / "own_space_texts.yml"
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
# error key -> the placeholders it may use
ERRORS: Mapping[str, frozenset[str]] = {
    "unidentified": frozenset(), "terms_required": frozenset(),
    "foreign": frozenset(), "unavailable": frozenset(), "too_large": frozenset(), "not_json": frozenset(),
    "request_not_found": frozenset(), "thread_closed": frozenset(), "programme_not_found": frozenset(),
    "programme_not_offered": frozenset(), "programme_needs_contact": frozenset({"title"}),
    "enrolment_not_found": frozenset(), "enrolment_ended": frozenset(),
    "module_not_found": frozenset(), "module_not_open": frozenset({"date"}), "no_diary": frozenset(),
    "no_address": frozenset(), "invalid": frozenset({"field"}),
}
FIELD_PLACEHOLDERS = frozenset({"limit", "minimum", "maximum"})


@dataclass(frozen=True)
class Terms:
    """The service terms a resident accepts before the own space opens."""

    version: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class OwnSpaceTexts:
    """All of the own space's texts, checked."""

    terms: Terms
    statuses: Mapping[str, str]
    contact_methods: Mapping[str, str]
    no_topic: str
    enrolment_statuses: Mapping[str, str]
    channels: Mapping[str, str]
    notification_note: str
    errors: Mapping[str, str]
    fields: Mapping[str, str]

    def error(self, key: str, **values: Any) -> str:
        return self.errors[key].format(**values)

    def refusal(self, field_name: str, **values: Any) -> str:
        """The Finnish text for a refused field (its own text, or the general one naming the field)."""
        text = self.fields.get(field_name)
        if text is None:
            return self.errors["invalid"].format(field=field_name)
        return string.Formatter().vformat(text, (), _Defaults(values))


class _Defaults(dict):
    """Format values where a missing one stays visible as its name (never a KeyError at a resident)."""

    def __missing__(self, key: str) -> str:
        return key


def _one_line(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: a non-empty text expected")
    return " ".join(value.split())


def _placeholders(text: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(text) if name}


def _table(data: Mapping[str, Any], key: str, needed: tuple[str, ...], path: Path) -> dict[str, str]:
    table = data.get(key)
    if not isinstance(table, dict):
        raise ValueError(f"{path}: {key} must be a mapping")
    return {name: _one_line(table.get(name), f"{path}: {key}.{name}") for name in needed}


def load_own_space_texts(path: Path = DEFAULT_TEXTS) -> OwnSpaceTexts:
    """Load and check the texts (ValueError naming the file and the key for anything missing or wrong)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a mapping expected")
    terms = data.get("terms")
    if not isinstance(terms, dict):
        raise ValueError(f"{path}: terms must be a mapping")
    version = str(terms.get("version") or "")
    if not _VERSION.fullmatch(version):
        raise ValueError(f"{path}: terms.version must be letters, digits, '.', '_' or '-' (at most 40)")
    paragraphs = terms.get("paragraphs")
    if not isinstance(paragraphs, list) or not paragraphs:
        raise ValueError(f"{path}: terms.paragraphs must be a list of texts")
    errors_data = data.get("errors")
    if not isinstance(errors_data, dict):
        raise ValueError(f"{path}: errors must be a mapping")
    errors = {}
    for key, allowed in ERRORS.items():
        errors[key] = _one_line(errors_data.get(key), f"{path}: errors.{key}")
        if _placeholders(errors[key]) - allowed:
            raise ValueError(f"{path}: errors.{key} may use only {sorted(allowed)}")
    fields_data = errors_data.get("fields") or {}
    if not isinstance(fields_data, dict):
        raise ValueError(f"{path}: errors.fields must be a mapping")
    fields = {str(name): _one_line(text, f"{path}: errors.fields.{name}") for name, text in fields_data.items()}
    for name, text in fields.items():
        if _placeholders(text) - FIELD_PLACEHOLDERS:
            raise ValueError(f"{path}: errors.fields.{name} may use only {sorted(FIELD_PLACEHOLDERS)}")
    return OwnSpaceTexts(
        terms=Terms(version, _one_line(terms.get("title"), f"{path}: terms.title"),
                    tuple(_one_line(p, f"{path}: terms.paragraphs") for p in paragraphs)),
        statuses=_table(data, "statuses", TICKET_STATUSES, path),
        contact_methods=_table(data, "contact_methods", ("phone", "secure_message"), path),
        no_topic=_one_line(data.get("no_topic"), f"{path}: no_topic"),
        enrolment_statuses=_table(data, "enrolment_statuses", ENROLMENT_STATUSES, path),
        channels=_table(data, "channels", NOTIFICATION_CHANNELS, path),
        notification_note=_one_line(data.get("notification_note"), f"{path}: notification_note"),
        errors=errors, fields=fields)
