"""Patterns of personal data that can be recognised without language analysis: Finnish personal
identity codes (henkilötunnus, checksum verified), e-mail addresses and phone numbers.

Shared by the redaction of resident text (which also removes names), of log lines and of
analytics values.
"""
from __future__ import annotations

import re

IDENTITY_CODE = re.compile(r"\b(\d{6})([-+A-FU-Y])(\d{3})([0-9A-Y])\b", re.IGNORECASE)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<![\w+])(?:\+358|00358|0)[\s-]?\d(?:[\s-]?\d){5,10}\b")
CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
IDENTITY_MARK, EMAIL_MARK, PHONE_MARK = "[HETU]", "[SÄHKÖPOSTI]", "[PUHELIN]"


def is_identity_code(match: re.Match[str]) -> bool:
    """True if the checksum of a henkilötunnus-shaped string is right."""
    number = int(match.group(1) + match.group(3))
    return CHECK_CHARS[number % 31] == match.group(4).upper()


def redact_identifiers(text: str) -> str:
    """The text with identity codes, e-mail addresses and phone numbers replaced by markers."""
    text = IDENTITY_CODE.sub(lambda m: IDENTITY_MARK if is_identity_code(m) else m.group(0), text)
    text = EMAIL.sub(EMAIL_MARK, text)
    return PHONE.sub(PHONE_MARK, text)
