"""Finds emergency signs in a resident's message (rule-based, never a learned guess)."""
from __future__ import annotations

from bot.nlu.finnish import FinnishAnalyzer, WordAnalysis
from guidance_library.emergency import EmergencyCategory, EmergencyRules


def message_forms(text: str, analyzer: FinnishAnalyzer) -> tuple[str, ...]:
    """The forms of a text that emergency patterns are matched against (see `word_forms`)."""
    return word_forms(analyzer.analyze_text(text))


def word_forms(words: list[WordAnalysis]) -> tuple[str, ...]:
    """The forms that emergency patterns are matched against.

    Base forms ("isä ei herätä"), the same with each word's other reading where Voikko offers
    two ("rinnassa": Rinna / rinta), base forms with compounds split ("rinta kipu"), and the
    typed text in lower case with spoken forms expanded.
    """
    lemmas = " ".join(w.lemma for w in words)
    other_reading = " ".join(w.lemmas[-1] for w in words)
    split = " ".join(" ".join(w.parts) if w.parts else w.lemma for w in words)
    typed = " ".join(w.normalized for w in words)
    return lemmas, other_reading, split, typed


def detect_emergency(text: str, analyzer: FinnishAnalyzer, rules: EmergencyRules) -> EmergencyCategory | None:
    """The emergency category of a message, or None."""
    return rules.first_match(*message_forms(text, analyzer))


def detect_emergency_in_words(words: list[WordAnalysis], rules: EmergencyRules) -> EmergencyCategory | None:
    """The same for words the tokenizer has already analysed."""
    return rules.first_match(*word_forms(words))
