"""Self-assessments in the chat (PHQ-9, GAD-7, AUDIT-C ...), driven by the instrument files.

One action runs the whole questionnaire as a small state machine kept in the `assessment` slot:
background questions (if the instrument needs them), items one by one (button or free text),
the result in plain Finnish, then routing: the self-care path below the threshold, or an offer of
a professional's contact (the resident chooses the urgency) at or above it, which continues in the
contact-request form (`actions.contact_request`) with the result pre-filled; nothing leaves the
conversation before the resident consents there. `bot.policies.assessment_policy.AssessmentPolicy` sends every
message here while the slot is set; the emergency policy still answers emergencies first.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.base import RuntimeAction, latest_entity, latest_intent_and_text
from actions.contact_request import start_contact_form
from actions.store.analytics import record_quietly
from actions.free_text import urgency_of
from actions.guidance import SIDE_QUESTION_INTENTS, SIDE_QUESTION_MIN_WORDS, answer_side_question, present_path, side_decision
from actions.guidance_decision import Outcome
from bot.constants import ACTION_REQUEST_HUMAN, ASSESSMENT_SLOT, SAFETY_OK_INTENT
from guidance_library.instruments import Instrument, fold, match_answer, match_choice, questions_left, score
from guidance_library.models import GuidanceLibrary

logger = logging.getLogger(__name__)

ANSWER_INTENT = "assessment_answer"
STOP_WORDS = ("lopeta", "lopetetaan", "keskeyta", "en halua jatkaa", "en jaksa", "stop", "riittaa")
SKIP_WORDS = ("ohita", "ohitetaan", "seuraava kysymys", "en halua vastata")
MAX_FAILURES = 2
LIVE = "live"  # the urgency choice 'talk to a professional in the chat now'
URGENCY_CHOICES = ("urgent", "normal", LIVE, "none")  # the urgency buttons' values; nothing else is taken



def detect_instrument(text: str, library: GuidanceLibrary) -> str | None:
    """The instrument a request names ("mielialatesti" -> phq9), if exactly one fits."""
    folded = fold(text).replace(" ", "")
    hits = {i.id for i in library.instruments.values() for word in i.asked_as if fold(word).replace(" ", "") in folded}
    return hits.pop() if len(hits) == 1 else None


class ActionAssessment(RuntimeAction):
    """Starts, continues, interrupts or finishes a self-assessment."""

    def name(self) -> Text:
        return "action_assessment"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[EventType]:
        library = self.runtime.library.current()
        intent, text = latest_intent_and_text(tracker)
        state = tracker.get_slot(ASSESSMENT_SLOT)
        if intent == "start_assessment" or not state:
            return self._start(dispatcher, tracker, library, text, state)
        instrument = library.instruments.get(state.get("id"))
        if instrument is None:  # removed from the library meanwhile
            dispatcher.utter_message(text=messages.ASSESSMENT_UNAVAILABLE)
            return [SlotSet(ASSESSMENT_SLOT, None)]
        state = {**state, "answers": dict(state.get("answers") or {}), "background": dict(state.get("background") or {})}
        if intent == SAFETY_OK_INTENT:  # "Ei ole hätää" after the safety question: the same question again
            prefix = f"{messages.SAFE_THANKS} {messages.SAFE_CONTINUE_TASK}\n\n"
            if state.get("stage") == "urgency":
                return self._ask_urgency(dispatcher, state, prefix)
            return self._ask_next(dispatcher, instrument, state, prefix)
        control = latest_entity(tracker, "control")
        folded = fold(text)
        if control == "stop" or (intent != ANSWER_INTENT and any(folded.startswith(w) for w in STOP_WORDS)):
            dispatcher.utter_message(text=messages.ASSESSMENT_STOPPED)
            return [SlotSet(ASSESSMENT_SLOT, None)]
        stage = state.get("stage")
        if stage in ("background", "items"):
            events = self._answer(dispatcher, tracker, library, instrument, state, control, text, intent)
            if state.get("result"):  # just finished: count it (instrument and route only, never the score)
                route = "contact_offered" if state.get("stage") == "urgency" and not state.get("below") else "self_care"
                record_quietly(self.runtime.sessions, "assessment_completed", tracker.sender_id,
                               outcome=f"{instrument.id}:{route}"[:30])
            return events
        if stage == "urgency":
            return self._urgency(dispatcher, tracker, library, instrument, state, text)
        dispatcher.utter_message(text=messages.ASSESSMENT_STOPPED)
        return [SlotSet(ASSESSMENT_SLOT, None)]

    # -- start ------------------------------------------------------------------------------
    def _start(self, dispatcher, tracker, library, text, old_state) -> List[EventType]:
        wanted = latest_entity(tracker, "instrument") or detect_instrument(text, library)
        if wanted is None and tracker.get_slot("last_path_id"):
            path = library.get(tracker.get_slot("last_path_id"))
            wanted = path.follow_ups.assessment if path else None
        instrument = library.instruments.get(wanted or "")
        if instrument is None:
            dispatcher.utter_message(text=messages.ASSESSMENT_WHICH, buttons=[
                {"title": i.name, "payload": messages.payload("start_assessment", instrument=i.id)}
                for i in library.instruments.values()])
            return [SlotSet(ASSESSMENT_SLOT, None)] if old_state else []
        dispatcher.utter_message(text=f"{instrument.name}\n\n{instrument.intro}\n\n({instrument.attribution})")
        state = {"id": instrument.id, "stage": "items", "answers": {}, "background": {}, "failures": 0}
        if instrument.background:
            state["stage"] = "background"
            dispatcher.utter_message(text=instrument.background_why)
        return self._ask_next(dispatcher, instrument, state)

    # -- questions --------------------------------------------------------------------------
    def _pending_background(self, instrument: Instrument, state: dict):
        return next((q for q in instrument.background
                     if q.id not in state["background"] and q.applies(state["background"])), None)

    def _ask_next(self, dispatcher, instrument: Instrument, state: dict, prefix: str = "") -> List[EventType]:
        """Ask the next background question or item; or, when none is left, give the result."""
        if state["stage"] == "background":
            question = self._pending_background(instrument, state)
            if question is not None:
                dispatcher.utter_message(text=f"{prefix}{question.text}", buttons=[
                    {"title": c.label, "payload": messages.payload(ANSWER_INTENT, choice=c.value)} for c in question.options])
                return [SlotSet(ASSESSMENT_SLOT, state)]
            state["stage"] = "items"
        left = questions_left(instrument, state["answers"])
        if not left:
            return self._finish(dispatcher, instrument, state)
        index = left[0]
        item = instrument.items[index]
        buttons = [{"title": o.label, "payload": messages.payload(ANSWER_INTENT, points=str(o.points))} for o in item.options]
        if state.get("failures", 0) >= MAX_FAILURES:
            buttons += [{"title": messages.BUTTON_SKIP, "payload": messages.payload(ANSWER_INTENT, control="skip")},
                        {"title": messages.BUTTON_STOP, "payload": messages.payload(ANSWER_INTENT, control="stop")},
                        {"title": messages.BUTTON_CONTACT, "payload": messages.payload(ANSWER_INTENT, control="human")}]
        dispatcher.utter_message(text=f"{prefix}{index + 1}/{len(instrument.items)}. {instrument.question(index)}",
                                 buttons=buttons)
        return [SlotSet(ASSESSMENT_SLOT, state)]

    def _answer(self, dispatcher, tracker, library, instrument, state, control, text, intent) -> List[EventType]:
        if control == "human" or (intent == "ask_human" and not latest_entity(tracker, "points")):
            dispatcher.utter_message(text=messages.contact_details(library))
            return self._ask_next(dispatcher, instrument, state, messages.ASSESSMENT_CONTINUE)
        if state["stage"] == "background":
            question = self._pending_background(instrument, state)
            choice = None
            if question is not None:
                value = latest_entity(tracker, "choice")
                choice = next((c for c in question.options if c.value == value), None) or match_choice(question, text)
                if choice is None and control == "skip":
                    choice = next((c for c in question.options if c.value == "untold"), None)
            if choice is not None:
                state["background"][question.id] = choice.value
                state["failures"] = 0
                return self._ask_next(dispatcher, instrument, state)
            return self._not_understood(dispatcher, tracker, library, instrument, state, text, intent)
        index = questions_left(instrument, state["answers"])[0]
        item = instrument.items[index]
        points = latest_entity(tracker, "points")
        option = next((o for o in item.options if str(o.points) == points), None) if points is not None else None
        looks_like_question = (intent in SIDE_QUESTION_INTENTS and len(text.split()) >= SIDE_QUESTION_MIN_WORDS
                               and side_decision(tracker).outcome is Outcome.ANSWER)
        if option is None and intent != ANSWER_INTENT and not looks_like_question:
            option = match_answer(item, text)
        if option is None and control == "skip":
            state["answers"][item.id] = None
            state["failures"] = 0
            return self._ask_next(dispatcher, instrument, state)
        if option is None:
            return self._not_understood(dispatcher, tracker, library, instrument, state, text, intent)
        state["answers"][item.id] = option.points
        state["failures"] = 0
        if item.crisis_above is not None and option.points > item.crisis_above:
            state["crisis"] = True
            dispatcher.utter_message(text=self._crisis_text(), json_message={"emergency": True, "category": "suicide",
                                                                              "assessment_item": item.id})
        return self._ask_next(dispatcher, instrument, state)

    def _not_understood(self, dispatcher, tracker, library, instrument, state, text, intent) -> List[EventType]:
        """Another question in the middle is answered, then the questionnaire goes on; otherwise ask again."""
        if answer_side_question(dispatcher, tracker, library, intent, text):
            return self._ask_next(dispatcher, instrument, state, messages.ASSESSMENT_CONTINUE)
        state["failures"] = state.get("failures", 0) + 1
        hint = messages.ASSESSMENT_NOT_UNDERSTOOD if state["failures"] < MAX_FAILURES else messages.ASSESSMENT_STILL_NOT
        return self._ask_next(dispatcher, instrument, state, hint + "\n\n")

    def _crisis_text(self) -> str:
        rules = self.runtime.emergency
        category = rules.get("suicide") or rules.get("general")
        return category.answer if category else messages.CRISIS_FALLBACK

    # -- result and routing -------------------------------------------------------------------
    def _finish(self, dispatcher, instrument: Instrument, state: dict) -> List[EventType]:
        result = score(instrument, state["answers"], state["background"])
        state["result"] = result.as_dict()
        dispatcher.utter_message(text=messages.assessment_result(result),
                                 json_message={"assessment": {"instrument": result.instrument, "total": result.total,
                                                              "max_score": result.max_score,
                                                              "at_or_above": result.at_or_above}})
        library = self.runtime.library.current()
        if result.crisis or result.at_or_above:
            dispatcher.utter_message(text=messages.ASSESSMENT_CRISIS_OFFER if result.crisis
                                     else instrument.routing.at_or_above)
            state["stage"] = "urgency"
            return self._ask_urgency(dispatcher, state)
        dispatcher.utter_message(text=instrument.routing.below)
        path = library.get(instrument.routing.self_care_path)
        if path is not None:
            present_path(dispatcher, path, library)
        if instrument.routing.links:
            dispatcher.utter_message(text=messages.ASSESSMENT_PROGRAMMES + "\n" + "\n".join(
                f"- {name}: {url}" for name, url in instrument.routing.links))
        state["stage"] = "urgency"
        state["below"] = True
        dispatcher.utter_message(text=messages.ASSESSMENT_CONTACT_ANYWAY, buttons=[
            {"title": messages.BUTTON_CONTACT_ANYWAY, "payload": messages.payload(ANSWER_INTENT, urgency="normal")},
            {"title": messages.BUTTON_NO_CONTACT, "payload": messages.payload(ANSWER_INTENT, urgency="none")}])
        return [SlotSet(ASSESSMENT_SLOT, state)]

    def _ask_urgency(self, dispatcher, state: dict, prefix: str = "") -> List[EventType]:
        buttons = [{"title": messages.BUTTON_URGENT, "payload": messages.payload(ANSWER_INTENT, urgency="urgent")}]
        if not state.get("crisis"):
            buttons.append({"title": messages.BUTTON_NORMAL, "payload": messages.payload(ANSWER_INTENT, urgency="normal")})
        buttons.append({"title": messages.BUTTON_LIVE, "payload": messages.payload(ANSWER_INTENT, urgency=LIVE)})
        buttons.append({"title": messages.BUTTON_NO_CONTACT, "payload": messages.payload(ANSWER_INTENT, urgency="none")})
        dispatcher.utter_message(text=prefix + messages.ASSESSMENT_ASK_URGENCY, buttons=buttons)
        return [SlotSet(ASSESSMENT_SLOT, state)]

    def _urgency(self, dispatcher, tracker, library, instrument, state, text) -> List[EventType]:
        intent, _ = latest_intent_and_text(tracker)
        urgency = latest_entity(tracker, "urgency")
        if urgency not in URGENCY_CHOICES:  # an unknown value; a payload is never read as free text
            urgency = None if text.startswith("/") else urgency_of(text)
        if urgency is None and state.get("below") and intent == "affirm":
            urgency = "normal"
        if urgency is None and answer_side_question(dispatcher, tracker, library, intent, text):
            return [SlotSet(ASSESSMENT_SLOT, None)]  # moved on to another matter: the offer lapses
        if urgency is None:
            if state.get("below"):
                dispatcher.utter_message(text=messages.ASSESSMENT_DONE)
                return [SlotSet(ASSESSMENT_SLOT, None)]
            return self._ask_urgency(dispatcher, state, messages.ASSESSMENT_URGENCY_NOT_UNDERSTOOD + "\n\n")
        if urgency == "none":
            dispatcher.utter_message(text=messages.no_contact_wanted(library))
            return [SlotSet(ASSESSMENT_SLOT, None)]
        if urgency == LIVE or intent == "ask_human":  # a professional now, in the chat (or honestly not)
            return [SlotSet(ASSESSMENT_SLOT, None), FollowupAction(ACTION_REQUEST_HUMAN)]
        prefill = {"urgency": urgency, "assessment": state["result"], "reason": "health", "role": "resident",
                   "path_id": instrument.routing.self_care_path}
        events: List[EventType] = [SlotSet(ASSESSMENT_SLOT, None)]
        return events + start_contact_form(dispatcher, tracker, self.runtime, prefill)
