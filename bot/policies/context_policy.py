"""Dialogue intents that end or divert a conversation take a message only when they plainly mean it.

In the middle of a topic, short follow-ups were taken by intents that close or divert the
conversation: a question about cleaning dentures got the live-handoff notice (`ask_human`), "se
hylättiin" got the goodbye, "miten tilaan matkan?" was asked for a contact-request reference
(`ticket_status`). Here, while the conversation has a topic, such an intent keeps the message only
if DIET is sure of it AND the message carries that intent's own words ("ihmisen", "hei hei",
"yhteydenottopyyntö" ...) or is a bare one- or two-word reply (not one that refers back, "se hylättiin",
or starts with a question word, "mitä teen?"); otherwise the message goes to
`action_guidance`, which resolves it against the topic (actions/follow_up.py). Tasks (an
assessment, the contact form, the live queue) keep their own policies: this one stays out of them.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.trackers import DialogueStateTracker

from bot.constants import ASSESSMENT_SLOT, CONTACT_FORM_SLOT, HANDOFF_SLOT, LAST_PATH_SLOT, TOPIC_SLOT
from bot.policies.overriding import OverridingPolicy
from guidance_library.instruments import fold

ACTION_GUIDANCE = "action_guidance"
SURE = 0.9
# The intents that end or divert a conversation, and the words that show a message really means one.
OWN_WORDS: dict[str, tuple[str, ...]] = {
    "goodbye": ("hei hei", "heippa", "moikka", "moi moi", "nakemiin", "kiitos ja", "kiitti ja", "lopetan",
                "ei muuta", "siina kaikki", "hyvaa paivanjatkoa", "hyvaa illanjatkoa", "bye"),
    "ask_human": ("ihmi", "ammattilai", "hoitaja", "laakari", "henkilo", "asiakasohjaa", "oikea", "puhelimessa",
                  "soittaa", "soitto", "jutella jonkun", "puhua jonkun", "chatata jonkun", "asiakaspalvel"),
    "ticket_status": ("yhteydenottopyyn", "pyyntoni", "pyynnon", "pyynto", "viite", "tunnus", "jattamani",
                      "jatin", "tilanne", "kasittelyssa"),
    "thank": ("kiitos", "kiitti", "kiitoksia", "kitos", "thanks"),
    "affirm": ("joo", "juu", "kylla", "niin", "ok", "okei", "selva", "totta", "auttoi", "hyva"),
    "deny": ("ei", "en", "eipa", "ei kiitos", "ei auttanut", "ei ollut"),
    "greet": ("moi", "hei", "terve", "paivaa", "huomenta", "iltaa", "moikka", "heippa"),
    "bot_capabilities": ("osaat", "osaatko", "mita teet", "mihin pystyt", "mika olet", "botti", "kuka olet",
                         "mita voit", "voitko auttaa"),
    "request_contact": ("yhteydenotto", "soittopyyn", "soittakaa", "ottakaa yhteytt", "soittaa minulle",
                        "soittamaan", "jattaa pyynnon", "jatan pyynnon", "yhteytta minuun", "takaisinsoit"),
    "start_assessment": ("testi", "testa", "kysely", "kyselyn", "itsearvi", "seula", "tehda arvio"),
}
BARE_REPLY_WORDS = 2  # "kiitos", "hei hei", "ok kiitos": a reply, not a question about the topic
YES_NO = ("affirm", "deny")
YES_NO_WORDS = frozenset({"joo", "juu", "jep", "kylla", "ok", "okei", "selva", "niin", "on", "olen", "oon", "hyva",
                          "auttoi", "kiitos", "kiitti", "tosi", "paljon", "ihan", "se", "ei", "en", "eipa", "ole",
                          "auttanut", "oikein", "totta", "just", "noin", "no", "nyt", "vain", "mitaan", "muuta"})
REFERS_BACK = frozenset({"se", "sen", "sita", "siihen", "siita", "han", "hanelle", "ne", "niita", "tuo", "tama"})
QUESTION_WORDS = frozenset({"mita", "miten", "mika", "kuka", "kenelle", "mihin", "minne", "mista", "missa", "milloin",
                            "kauanko", "paljonko", "onko", "voiko", "saako", "pitaako", "pitaisiko", "pitaisko",
                            "kannattaako", "mitas", "mites"})


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class ContextPolicy(OverridingPolicy):
    """`action_guidance` for a message in a topic that a closing or diverting intent took without cause."""

    action_name = ACTION_GUIDANCE

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Priority 7: above RulePolicy (6). bot/config.yml lists it before the assessment and contact
        policies (Rasa gives a tie to the policy listed first), so a follow-up that DIET took for a
        request to start a test or a form goes to guidance; it never acts during a task or a handoff,
        and the emergency policy (8) ranks above it."""
        return {"priority": 7}

    def takes_over(self, tracker: DialogueStateTracker, intent: Optional[Text]) -> bool:
        if intent not in OWN_WORDS or not (tracker.get_slot(TOPIC_SLOT) or tracker.get_slot(LAST_PATH_SLOT)):
            return False
        if tracker.get_slot(ASSESSMENT_SLOT) or tracker.get_slot(CONTACT_FORM_SLOT) or tracker.get_slot(HANDOFF_SLOT):
            return False
        message = tracker.latest_message
        text = str(message.text or "") if message else ""
        if not text or text.startswith("/"):
            return False  # a button says what it means
        confidence = float((message.intent or {}).get("confidence") or 0.0)
        return not means_it(intent, text, confidence)


def means_it(intent: str, text: str, confidence: float) -> bool:
    """Whether a message plainly is the closing or diverting intent DIET named."""
    folded = fold(text)
    words = folded.split()
    if confidence < SURE:
        return False
    if intent in ("goodbye", "thank") and ("?" in text or {"enta", "entas", "mutta", "miten", "mita"} & set(words)):
        return False  # "kiitos, entä lapselle?": thanks, and a question that wants its answer
    if intent in YES_NO:  # "olen raskaana" is no yes: every word must be a yes or no word
        return all(word in YES_NO_WORDS for word in words)
    if len(words) <= BARE_REPLY_WORDS and not set(words) & REFERS_BACK and not asks(words):
        return True  # "se hylättiin" refers back to the topic, "mitä teen?" asks: neither is a bare reply
    padded = f" {folded} "
    return any((f" {w}" in padded) if " " in w else any(word.startswith(w) or (len(w) >= 5 and w in word)
                                                          for word in words)  # compounds: "masennustesti"
               for w in OWN_WORDS.get(intent, ()))


def asks(words: list[str]) -> bool:
    """A question word first ("mitä teen?", "minne soitan"): after a path it asks on, it is no bare reply.
    A question mark alone is not enough: "oletko ihminen?" and "voitteko soittaa?" still mean their intents."""
    return bool(words) and words[0].strip("?!.,") in QUESTION_WORDS
