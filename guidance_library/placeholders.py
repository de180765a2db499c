"""`{{dotted.name}}` placeholders that paths use for regional and national facts."""
from __future__ import annotations

import re
from typing import Any, Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")


class UnknownPlaceholder(KeyError):
    """A placeholder names a value that the region profile does not have."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def lookup(name: str, scope: Mapping[str, Any]) -> Any:
    """Return the value that a dotted placeholder name points to."""
    value: Any = scope
    for part in name.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            raise UnknownPlaceholder(name)
    if isinstance(value, Mapping):
        raise UnknownPlaceholder(name)
    return value


def format_value(value: Any) -> str:
    """Turn a profile value into resident-facing text."""
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, Mapping) for v in value):
            return "\n".join("- " + _format_entry(v) for v in value)
        return ", ".join(str(v) for v in value)
    return str(value)


def _format_entry(entry: Mapping[str, Any]) -> str:
    parts = [str(entry.get("name", ""))]
    if entry.get("address"):
        parts.append(str(entry["address"]))
    if entry.get("phone"):
        parts.append(f"puh. {entry['phone']}")
    if entry.get("hours"):
        parts.append(str(entry["hours"]))
    return ", ".join(p for p in parts if p)


def render(text: str, scope: Mapping[str, Any]) -> str:
    """Replace every placeholder in `text`; raises UnknownPlaceholder for a missing one."""
    return PLACEHOLDER.sub(lambda m: format_value(lookup(m.group(1), scope)), text)


def unknown_names(text: str, scope: Mapping[str, Any]) -> list[str]:
    """Names of the placeholders in `text` that do not resolve."""
    missing = []
    for match in PLACEHOLDER.finditer(text):
        try:
            lookup(match.group(1), scope)
        except UnknownPlaceholder:
            missing.append(match.group(1))
    return missing
