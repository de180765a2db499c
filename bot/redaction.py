"""Removes personal data from resident text before it is stored for analysis.

Finnish personal identity codes (henkilötunnus, checksum verified), phone numbers, e-mail
addresses and, where Voikko recognises them, first and last names.
"""
from __future__ import annotations

import re

from bot.nlu.finnish import FinnishAnalyzer

IDENTITY_CODE = re.compile(r"\b(\d{6})([-+A-FU-Y])(\d{3})([0-9A-Y])\b", re.IGNORECASE)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<![\w+])(?:\+358|00358|0)[\s-]?\d(?:[\s-]?\d){5,10}\b")
CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
NAME_CLASSES = {"etunimi", "sukunimi"}


def is_identity_code(match: re.Match[str]) -> bool:
    """True if the checksum of a henkilötunnus-shaped string is right."""
    number = int(match.group(1) + match.group(3))
    return CHECK_CHARS[number % 31] == match.group(4).upper()


class Redactor:
    """Replaces personal data with markers like [HETU], [PUHELIN], [SÄHKÖPOSTI], [NIMI]."""

    def __init__(self, analyzer: FinnishAnalyzer) -> None:
        self._analyzer = analyzer

    def redact(self, text: str) -> str:
        """The text without personal data."""
        text = IDENTITY_CODE.sub(lambda m: "[HETU]" if is_identity_code(m) else m.group(0), text)
        text = EMAIL.sub("[SÄHKÖPOSTI]", text)
        text = PHONE.sub("[PUHELIN]", text)
        return self._redact_names(text)

    def _redact_names(self, text: str) -> str:
        pieces, last = [], 0
        for match in self._analyzer.words(text):
            word = match.group(0)
            if word[:1].isupper() and self._is_name(word, starts_sentence=self._starts_sentence(text, match.start())):
                pieces.append(text[last:match.start()] + "[NIMI]")
                last = match.end()
        return "".join(pieces) + text[last:]

    @staticmethod
    def _starts_sentence(text: str, position: int) -> bool:
        before = text[:position].rstrip()
        return not before or before[-1] in ".!?:\n"

    def _is_name(self, word: str, starts_sentence: bool) -> bool:
        """A name class is enough inside a sentence; at its start (capital anyway) only a name class."""
        classes = self._analyzer.word_classes(word)
        if not classes & NAME_CLASSES:
            return False
        return not starts_sentence or classes <= NAME_CLASSES
