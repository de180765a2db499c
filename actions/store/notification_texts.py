"""The notifications' Finnish texts (`notification_texts.yml`), loaded once and checked.

Every outbox template (`outbox.TEMPLATES`) must have an e-mail subject, an e-mail body and a text
message, and they may use only the `{read_url}` placeholder: a text cannot ask for anything a
message, a ticket or a person holds, so no content can end up in a notification.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import yaml

from actions.store.outbox import TEMPLATES

DEFAULT_TEXTS = Path(__file__).resolve().parent / "notification_texts.yml"
PARTS = ("subject", "email", "sms")
PLACEHOLDERS = frozenset({"read_url"})
MAX_SMS_TEMPLATE = 300  # characters before the address is filled in (two SMS segments with the link)


@dataclass(frozen=True)
class Notification:
    """One notification as sent: the e-mail subject (unused by SMS) and the body."""

    subject: str
    body: str


@dataclass(frozen=True)
class TemplateTexts:
    subject: str
    email: str
    sms: str


class NotificationTexts:
    """The texts of every template, rendered per channel with the own space's address."""

    def __init__(self, templates: Mapping[str, TemplateTexts]) -> None:
        self._templates = dict(templates)

    def render(self, template: str, channel: str, read_url: str) -> Notification:
        texts = self._templates[template]
        body = texts.email if channel == "email" else texts.sms
        return Notification(texts.subject.format(read_url=read_url), body.format(read_url=read_url))


def load_notification_texts(path: Path = DEFAULT_TEXTS) -> NotificationTexts:
    """Load and check the texts; a missing template or part, or an unknown placeholder, is a ValueError
    naming the file and the template."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a mapping of templates expected")
    templates = {}
    for template in TEMPLATES:
        entry = data.get(template)
        if not isinstance(entry, dict) or any(not isinstance(entry.get(part), str) or not entry[part].strip()
                                              for part in PARTS):
            raise ValueError(f"{path}: template {template!r} needs the texts {', '.join(PARTS)}")
        for part in PARTS:
            used = {name for _text, name, _spec, _conv in string.Formatter().parse(entry[part]) if name is not None}
            if used - PLACEHOLDERS:
                raise ValueError(f"{path}: {template}.{part} may use only {{read_url}}, not {sorted(used - PLACEHOLDERS)}")
        if "\n" in entry["subject"].strip():
            raise ValueError(f"{path}: {template}.subject must be one line")
        if len(entry["sms"]) > MAX_SMS_TEMPLATE:
            raise ValueError(f"{path}: {template}.sms is longer than {MAX_SMS_TEMPLATE} characters")
        templates[template] = TemplateTexts(entry["subject"].strip(), entry["email"].strip() + "\n",
                                            " ".join(entry["sms"].split()))
    return NotificationTexts(templates)
