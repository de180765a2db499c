"""Bidirectional control characters, which make text shown to others read differently from what it
is ("Trojan Source"): embeddings and overrides U+202A-U+202E, isolates U+2066-U+2069, and the marks
U+200E, U+200F and U+061C.

People's text loses them once, where it comes in: a resident's message as Rasa makes it into a
`UserMessage` (`bot/rasa_internals.py`, so the tracker, the console's transcript, handoff summaries
and tickets made in the chat hold none), what staff send to the team API and the console
(`bot/web/team_input.py`: notes, ticket texts, messages to residents, display names) and a staff
account's display name however it is made (`AccountStore.create`). Finnish text never needs them;
a right-to-left name or phrase still shows right-to-left by the Unicode algorithm alone.
"""
from __future__ import annotations

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_REMOVE = {ord(char): None for char in BIDI_CONTROLS}


def without_bidi_controls(text: str) -> str:
    """The text with every bidirectional control character removed."""
    return text.translate(_REMOVE)
