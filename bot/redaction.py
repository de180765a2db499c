"""Removes personal data from resident text before it is stored for analysis.

Finnish personal identity codes (henkilötunnus, checksum verified), phone numbers, e-mail
addresses and, where Voikko recognises them, first and last names.
"""
from __future__ import annotations

from bot.nlu.finnish import FinnishAnalyzer
from bot.personal_data import redact_identifiers

NAME_CLASSES = {"etunimi", "sukunimi"}


class Redactor:
    """Replaces personal data with markers like [HETU], [PUHELIN], [SÄHKÖPOSTI], [NIMI]."""

    def __init__(self, analyzer: FinnishAnalyzer) -> None:
        self._analyzer = analyzer

    def redact(self, text: str) -> str:
        """The text without personal data."""
        return self._redact_names(redact_identifiers(text))

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
