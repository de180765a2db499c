"""Dialogue policy that answers an emergency at once, at any turn, even inside a form, an
assessment or a live handoff; and asks the safety question when the safety net is unsure."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.constants import (ACTION_EMERGENCY, ACTION_SAFETY_CHECK, ACTION_SAFETY_OK, ASSESSMENT_SLOT, CONTACT_FORM_SLOT,
                           EMERGENCY_INTENT, SAFETY, SAFETY_OK_INTENT, UNCERTAIN_TIER, TOPIC_SLOT,
                           ALWAYS_ASKED)
from bot.policies.overriding import OverridingPolicy


TASK_ANSWER_SCORE = 0.5  # in a self-assessment or the contact form, the classifier alone asks only from here
FOLLOW_UP_WORDS = 14     # a message this short in a topic is read as a follow-up


def latest_verdict(tracker: DialogueStateTracker) -> Dict[Text, Any]:
    """The safety net's verdict on the latest message (empty without one)."""
    message = tracker.latest_message
    verdict = message.parse_data.get(SAFETY) if message is not None else None
    return verdict if isinstance(verdict, dict) else {}


def asks_for_safety_check(tracker: DialogueStateTracker) -> bool:
    """The safety net was unsure about the latest message (`safety.tier` uncertain).

    In a self-assessment or the contact form the resident is answering a question ("lopeta", "ehkä
    pari kertaa", what the matter is about): there the classifier alone asks only when danger is
    more likely than not; in a follow-up in a topic it alone asks only about suicidal thoughts, from
    0.5; the rules and the reader ask as everywhere else."""
    message = tracker.latest_message
    verdict = latest_verdict(tracker)
    if message is None or verdict.get("tier") != UNCERTAIN_TIER:
        return False
    if list(verdict.get("layers") or []) != ["classifier"]:
        return True  # the rules or the reader saw a sign
    score = float(verdict.get("score") or 0.0)
    if tracker.get_slot(ASSESSMENT_SLOT) or tracker.get_slot(CONTACT_FORM_SLOT):
        return score >= TASK_ANSWER_SCORE
    # A follow-up in a topic ("hän on 15", "mulla on vanha auto, vaikuttaako se?", "oon ollu jonossa
    # tunnin eikä kukaan vastaa") leans on what was said before, which the classifier does not see:
    # unsure, it does not stop the answer, which then comes with a line about 112 (actions.guidance);
    # only a follow-up it takes for suicidal thoughts, from 0.5, is still asked about.
    if tracker.get_slot(TOPIC_SLOT) and len((message.text or "").split()) <= FOLLOW_UP_WORDS:
        return score >= TASK_ANSWER_SCORE and verdict.get("category") in ALWAYS_ASKED
    return True


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class EmergencyPolicy(OverridingPolicy):
    """Predicts `action_emergency` after an emergency message and `action_safety_check` after an
    uncertain one, outranking every other policy.

    It runs with a higher priority than the handoff, assessment and contact policies and RulePolicy,
    so a form, an assessment, the live queue or a professional's conversation cannot swallow the message.
    """

    action_name = ACTION_EMERGENCY

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Priority 8: above the handoff, assessment and contact policies (7) and RulePolicy (6)."""
        return {"priority": 8}

    def takes_over(self, tracker: DialogueStateTracker, intent: Optional[Text]) -> bool:
        return intent == EMERGENCY_INTENT

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[dict] = None, **kwargs: Any) -> PolicyPrediction:
        """The emergency answer; a typed answer to the safety question; the safety question; or
        listening after any of them."""
        prediction = super().predict_action_probabilities(tracker, domain, rule_only_data, **kwargs)
        if prediction.max_confidence > 0:
            return prediction
        probabilities: List[float] = self._default_predictions(domain)
        action = None
        if tracker.latest_action_name == ACTION_LISTEN_NAME and tracker.latest_message is not None:
            action = self._after_a_message(tracker)
        elif tracker.latest_action_name in (ACTION_SAFETY_CHECK, ACTION_SAFETY_OK):
            action = ACTION_LISTEN_NAME
        if action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    @staticmethod
    def _after_a_message(tracker: DialogueStateTracker) -> Optional[Text]:
        intent = (tracker.latest_message.intent or {}).get("name")
        text = tracker.latest_message.text or ""
        if action_before_the_message(tracker) == ACTION_SAFETY_CHECK and not is_a_payload(text, intent):
            # the resident typed an answer to "Oletko sinä tai joku muu nyt vaarassa?" (a button's payload goes
            # by its intent: its JSON may hold a path id such as "hatanumero-112-sydan")
            if says_yes(text) or shows_a_sign(tracker):
                return ACTION_EMERGENCY  # a yes, or a "no" followed by a sign ("ei, söin lääkkeitä")
            in_a_task = tracker.get_slot(ASSESSMENT_SLOT) or tracker.get_slot(CONTACT_FORM_SLOT)
            if not in_a_task and (intent == "deny" or SAYS_SAFE.search(fold(text))):
                return ACTION_SAFETY_OK  # (in a task the task takes the answer and asks its question again)
        if asks_for_safety_check(tracker) and previous_intent(tracker) != SAFETY_OK_INTENT:
            return ACTION_SAFETY_CHECK  # (not again right after "Ei ole hätää": the resident answered it)
        return None


def is_a_payload(text: str, intent: Optional[Text]) -> bool:
    """A button's payload ("/feedback{...}"), which Rasa read as its intent; a "/kyllä" typed by hand is text."""
    match = PAYLOAD.match(text)
    return match is not None and match.group(1) == intent


PAYLOAD = re.compile(r"/([^{@\s]+)")
SAYS_SAFE = re.compile(r"\b(ei|en|eika)\b.{0,20}\b(hataa|hata|vaarassa|vaaraa|vaara)\b|\b(kaikki|ihan) (on )?"
                       r"(hyvin|ok|kunnossa)\b|\b(olen|oon|ollaan|ollaa|on) turvassa\b|^\W*(ei|en|ei oo|ei ole)\W*$")
_FOLD = str.maketrans({"ä": "a", "ö": "o", "å": "a"})


def fold(text: str) -> str:
    return text.lower().translate(_FOLD)


# Words that answer "Oletko sinä tai joku muu nyt vaarassa?" with yes ("olen", "joo on", "kyllä tarvitaan apua").
YES_WORDS = frozenset({"kylla", "kyl", "joo", "juu", "jep", "jees", "yes", "olen", "oon", "on", "ollaan", "ollaa",
                       "olemme", "tarvitaan", "tarvitsen", "tarviin", "nyt", "heti", "tosi", "ihan", "se",
                       "han", "joku", "muu", "ma", "mina", "me", "soita", "soitan", "soittakaa", "auta", "taalla", "apua",
                       "niin", "totta"})
CLEAR_YES = ("kylla", "kyl", "joo", "juu", "jep", "jees", "yes")
# A word that itself speaks of danger or calls for help: a yes whatever DIET made of the message ("olemme
# vaarassa", "ollaan hädässä", "auttakaa"), unless the message says it is safe (SAYS_SAFE)
DANGER_STEMS = ("vaarassa", "vaaraa", "hengenvaara", "hata", "hadassa", "auttakaa", "112", "ambulans", "fara", "danger")
# ... but a question is no yes: "mistä saa ruoka-apua?", "onko hätänumero 112?"
QUESTION_WORDS = frozenset({"mista", "mihin", "miten", "mita", "mika", "kuka", "kenelle", "keneen", "onko", "voiko",
                            "saako", "paljonko", "kauanko", "milloin", "miksi", "missa", "kuinka", "voinko", "pitaako"})
DANGER_WORDS = frozenset({"help", "hjalp"})  # whole words only ("helppo" is "easy")


def says_yes(text: str) -> bool:
    """A typed yes to the safety question: a word of danger or of asking for help; only yes words ("olen",
    "joo on"); or a clear yes first ("kyllä, äiti kaatui"); never a message that says it is safe. DIET's
    `affirm` alone is not enough: "olen raskaana" is no yes to danger."""
    folded = fold(text)
    words = re.findall(r"\w+", folded)
    if not words or SAYS_SAFE.search(folded):
        return False
    # a question word among the first three, or the question clitic -ko/-kö ("tarviiko", "olenko")
    asks = "?" in text or any(w in QUESTION_WORDS or len(w) > 4 and w.endswith("ko") and w[-3] in "aeiouy"
                              for w in words[:3])
    if not asks and any(w.startswith(DANGER_STEMS) or w in DANGER_WORDS for w in words):
        return True
    return all(w in YES_WORDS for w in words) or words[0] in CLEAR_YES


def shows_a_sign(tracker: DialogueStateTracker) -> bool:
    """The message itself made the rules or the overdose reader ask (a "no" followed by a sign is no no)."""
    verdict = latest_verdict(tracker)
    return verdict.get("tier") == UNCERTAIN_TIER and bool(set(verdict.get("layers") or []) & {"rules", "poisoning"})


def action_before_the_message(tracker: DialogueStateTracker) -> Optional[Text]:
    """The bot's last action before the latest resident message (listening aside)."""
    seen_message = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_message:
                return None
            seen_message = True
        elif seen_message and isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
            return event.action_name
    return None


def previous_intent(tracker: DialogueStateTracker) -> Optional[Text]:
    """The intent of the resident's message before the latest one."""
    messages = [e for e in reversed(tracker.events) if isinstance(e, UserUttered)]
    return (messages[1].intent or {}).get("name") if len(messages) > 1 else None
