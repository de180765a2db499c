"""Reading short free-text answers (urgency, consent) the same way in every conversation task."""
from __future__ import annotations

from guidance_library.instruments import fold


def urgency_of(text: str) -> str | None:
    """"tarvitsen apua pian" -> urgent, "pärjään aika hyvin" -> normal, "ei kiitos" -> none."""
    folded = f" {fold(text)} "
    if any(w in folded for w in (" ei kiire", " ei ole kiire", " ei oo kiire", " parjaan", " aika hyvin", " normaali",
                                 " rauhassa", " ei hataa")):
        return "normal"
    if any(w in folded for w in (" pian ", " kiire", " heti ", " nopeasti", " tanaan", " apua nyt", " akkia")):
        return "urgent"
    if any(w in folded for w in (" ei kiitos", " en halua", " ei tarvitse", " en tarvitse", " ei ")):
        return "none"
    return None


def consent_of(text: str, intent: str | None) -> str | None:
    folded = f" {fold(text)} "
    if intent == "deny" or any(w in folded for w in (" ei ", " en ", " ala ", " en halua")):
        return "no"
    if intent == "affirm" or any(w in folded for w in (" kylla ", " joo ", " saa ", " ok ", " sopii ", " voi ")):
        return "yes"
    return None
