"""Personal data that can be recognised without language analysis: Finnish personal identity codes
(henkilötunnus), e-mail addresses and phone numbers.

`is_identity_code` is the one check of an identity code (python-stdnum's `stdnum.fi.hetu`: form,
a real birth date, check character), used by strong identification and by redaction;
`conversation_key` is the one tag of a conversation id in logs and analytics. Redaction
(of resident text, which also removes names, of log lines and of analytics values) is shared too.
"""
from __future__ import annotations

import hashlib
import re

from stdnum.fi import hetu

IDENTITY_CODE = re.compile(r"\b\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]\b", re.IGNORECASE)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<![\w+])(?:\+358|00358|0)[\s-]?\d(?:[\s-]?\d){5,10}\b")
IDENTITY_MARK, EMAIL_MARK, PHONE_MARK = "[HETU]", "[SÄHKÖPOSTI]", "[PUHELIN]"


def conversation_key(conversation_id: str) -> str:
    """The one short, non-reversible tag of a conversation id: what log lines, the access log and the
    analytics events carry instead of the id (the id is the anonymous conversation's only credential)."""
    return hashlib.sha256(conversation_id.encode()).hexdigest()[:12]


def is_identity_code(code: object, *, allow_test_range: bool) -> bool:
    """Whether `code` is a valid Finnish identity code (upper or lower case).

    Individual numbers 900-999 are the range of test (and temporary) codes: accepted only with
    `allow_test_range`, i.e. from the local test identity provider, or when redacting text.
    """
    return isinstance(code, str) and hetu.is_valid(code, allow_temporary=allow_test_range)


def redact_identifiers(text: str) -> str:
    """The text with identity codes, e-mail addresses and phone numbers replaced by markers."""
    text = IDENTITY_CODE.sub(lambda m: IDENTITY_MARK if is_identity_code(m.group(0), allow_test_range=True)
                             else m.group(0), text)
    text = EMAIL.sub(EMAIL_MARK, text)
    return PHONE.sub(PHONE_MARK, text)
