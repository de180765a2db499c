"""Self-assessments in the chat (PHQ-9, GAD-7, AUDIT-C ...), driven by the instrument files.

One action runs the whole questionnaire, keeping its state in the `assessment` slot: background
questions (if the instrument needs them) and items one by one (button or free text), which are the
rows of `actions.assessment_stages.ASSESSMENT_STAGES` walked by `actions.form_engine`; then the
result in plain Finnish, and routing: the self-care path below the threshold, or an offer of
a professional's contact (the resident chooses the urgency) at or above it, which continues in the
contact-request form (`actions.contact_request`) with the result pre-filled; nothing leaves the
conversation before the resident consents there. `bot.policies.assessment_policy.AssessmentPolicy` sends every
message here while the slot is set; the emergency policy still answers emergencies first.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any, List

from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.assessment_stages import (ANSWER_INTENT, ASSESSMENT_STAGES, MAX_FAILURES, AssessmentState,
                                       AssessmentTurn)
from actions.contact_request import start_contact_form
from actions.form_engine import AFTER_SAFE, Reply, TaskAction, Taken
from actions.form_words import ASSESSMENT_STOP, begins_with_one
from actions.store.analytics import record_quietly
from actions.free_text import urgency_of
from actions.guidance import answer_side_question, present_path
from actions.own_space import (ACTION_PROGRAMME_WORSE, CHOOSE_PROGRAMME_INTENT, WORSE_INTENT, identity_and_key,
                               record_result)
from actions.programme import choose_programme, offer_programmes, offered_programmes
from bot.constants import ACTION_REQUEST_HUMAN, ASSESSMENT_SLOT, LAST_PATH_SLOT, SAFETY_OK_INTENT
from guidance_library.instruments import Instrument, fold, score
from guidance_library.models import GuidanceLibrary

logger = logging.getLogger(__name__)

LIVE = "live"  # the urgency choice 'talk to a professional in the chat now'
URGENCY_CHOICES = ("urgent", "normal", LIVE, "none")  # the urgency buttons' values; nothing else is taken


def detect_instrument(text: str, library: GuidanceLibrary) -> str | None:
    """The instrument a request names ("mielialatesti" -> phq9), if exactly one fits."""
    folded = fold(text).replace(" ", "")
    hits = {i.id for i in library.instruments.values() for word in i.asked_as if fold(word).replace(" ", "") in folded}
    return hits.pop() if len(hits) == 1 else None


class ActionAssessment(TaskAction):
    """Starts, continues, interrupts or finishes a self-assessment."""

    action_name = "action_assessment"
    slot_name = ASSESSMENT_SLOT

    def starts_afresh(self, reply: Reply) -> bool:
        return reply.intent == "start_assessment"

    def resume(self, dispatcher: CollectingDispatcher, reply: Reply, library: GuidanceLibrary,
               slot: dict) -> List[EventType]:
        state = AssessmentState.from_slot(slot)
        instrument = library.instruments.get(state.id)
        if instrument is None:  # removed from the library meanwhile
            dispatcher.utter_message(text=messages.ASSESSMENT_UNAVAILABLE)
            return [SlotSet(ASSESSMENT_SLOT, None)]
        turn = self._turn(dispatcher, reply, instrument)
        if reply.intent == WORSE_INTENT:  # "Tilanteeni on huonompi" from the own space: its step comes first
            return [SlotSet(ASSESSMENT_SLOT, None), FollowupAction(ACTION_PROGRAMME_WORSE)]
        if reply.intent == SAFETY_OK_INTENT:  # "Ei ole hätää" after the safety question: the same question again
            if state.stage == "urgency":
                return self._ask_urgency(dispatcher, state, AFTER_SAFE)
            return self._ask_next(dispatcher, turn, state, AFTER_SAFE)
        if turn.control == "stop" or (reply.intent != ANSWER_INTENT and begins_with_one(reply.text, ASSESSMENT_STOP)):
            dispatcher.utter_message(text=messages.ASSESSMENT_STOPPED)
            return [SlotSet(ASSESSMENT_SLOT, None)]
        if ASSESSMENT_STAGES.row(state.stage) is not None:
            events = self._answer(dispatcher, turn, library, state)
            if state.result:  # just finished: count it (instrument and route only, never the score)
                route = "contact_offered" if state.stage == "urgency" and not state.below else "self_care"
                record_quietly(self.runtime.sessions, "assessment_completed", reply.tracker.sender_id,
                               outcome=f"{instrument.id}:{route}"[:30])
            return events
        if state.stage == "urgency":
            return self._urgency(dispatcher, reply, library, instrument, state)
        dispatcher.utter_message(text=messages.ASSESSMENT_STOPPED)
        return [SlotSet(ASSESSMENT_SLOT, None)]

    def _turn(self, dispatcher: CollectingDispatcher, reply: Reply, instrument: Instrument) -> AssessmentTurn:
        """The rows' view of this turn; a crisis answer is met with the crisis guidance at once."""
        def crisis(item) -> None:
            dispatcher.utter_message(text=self._crisis_text(), json_message={"emergency": True, "category": "suicide",
                                                                              "assessment_item": item.id})
        return AssessmentTurn(reply, instrument, crisis)

    # -- start ------------------------------------------------------------------------------
    def start(self, dispatcher: CollectingDispatcher, reply: Reply, library: GuidanceLibrary,
              slot: Any) -> List[EventType]:
        """The instrument asked for (by button, name or the path just shown), or the choice of them."""
        tracker = reply.tracker
        wanted = reply.entity("instrument") or detect_instrument(reply.text, library)
        if wanted is None and tracker.get_slot(LAST_PATH_SLOT):
            path = library.get(tracker.get_slot(LAST_PATH_SLOT))
            wanted = path.follow_ups.assessment if path else None
        instrument = library.instruments.get(wanted or "")
        if instrument is None:
            dispatcher.utter_message(text=messages.ASSESSMENT_WHICH, buttons=[
                {"title": i.name, "payload": messages.payload("start_assessment", instrument=i.id)}
                for i in library.instruments.values()])
            return [SlotSet(ASSESSMENT_SLOT, None)] if slot else []
        dispatcher.utter_message(text=f"{instrument.name}\n\n{instrument.intro}\n\n({instrument.attribution})")
        if instrument.background:
            dispatcher.utter_message(text=instrument.background_why)
        return self._ask_next(dispatcher, self._turn(dispatcher, reply, instrument),
                              AssessmentState(instrument.id, run=uuid.uuid4().hex))

    # -- questions --------------------------------------------------------------------------
    def _ask_next(self, dispatcher: CollectingDispatcher, turn: AssessmentTurn, state: AssessmentState,
                  prefix: str = "") -> List[EventType]:
        """Ask the next background question or item; or, when none is left, give the result."""
        if ASSESSMENT_STAGES.ask(dispatcher, state, turn, prefix):
            return [SlotSet(ASSESSMENT_SLOT, state.to_slot())]
        return self._finish(dispatcher, turn, state)

    def _answer(self, dispatcher: CollectingDispatcher, turn: AssessmentTurn, library: GuidanceLibrary,
                state: AssessmentState) -> List[EventType]:
        """The reply to a question: kept and the next asked; another question answered; or asked again."""
        reply = turn.reply
        if turn.control == "human" or (reply.intent == "ask_human" and not reply.entity("points")):
            dispatcher.utter_message(text=messages.contact_details(library))
            return self._ask_next(dispatcher, turn, state, messages.ASSESSMENT_CONTINUE)
        taken = ASSESSMENT_STAGES.take(state, turn, aside=lambda: answer_side_question(
            dispatcher, reply.tracker, library, reply.intent, reply.text))
        if taken is Taken.KEPT:
            return self._ask_next(dispatcher, turn, state)
        if taken is Taken.ASIDE:
            return self._ask_next(dispatcher, turn, state, messages.ASSESSMENT_CONTINUE)
        hint = messages.ASSESSMENT_NOT_UNDERSTOOD if state.failures < MAX_FAILURES else messages.ASSESSMENT_STILL_NOT
        return self._ask_next(dispatcher, turn, state, hint + "\n\n")

    def _crisis_text(self) -> str:
        rules = self.runtime.emergency
        category = rules.get("suicide") or rules.get("general")
        return category.answer if category else messages.CRISIS_FALLBACK

    # -- result and routing -------------------------------------------------------------------
    def _finish(self, dispatcher: CollectingDispatcher, turn: AssessmentTurn,
                state: AssessmentState) -> List[EventType]:
        """The result (kept in an identified resident's own space), then the routing: the contact offer
        at or above the threshold, the self-care path below it, and the programmes the result offers."""
        instrument = turn.instrument
        result = score(instrument, state.answers, state.background)
        state.result = result.as_dict()
        state.stage = "urgency"
        identity, key = identity_and_key(turn.reply.tracker, self.runtime)
        text = messages.assessment_result(result)
        if key is not None:  # identified: score and level over time, once per run; anonymous: nothing kept
            kept = record_result(self.runtime, key, result, state.run or uuid.uuid4().hex)
            text += "\n\n" + (self.runtime.programme_texts.result_saved if kept
                              else self.runtime.programme_texts.result_not_saved)
        dispatcher.utter_message(text=text,
                                 json_message={"assessment": {"instrument": result.instrument, "total": result.total,
                                                              "max_score": result.max_score,
                                                              "at_or_above": result.at_or_above}})
        library = self.runtime.library.current()
        offered = offered_programmes(library, result)  # none after a crisis answer
        if result.crisis or result.at_or_above:
            dispatcher.utter_message(text=messages.ASSESSMENT_CRISIS_OFFER if result.crisis
                                     else instrument.routing.at_or_above)
            events = self._ask_urgency(dispatcher, state)
            offer_programmes(dispatcher, self.runtime, offered, identity is not None, alongside_contact=True)
            return events
        dispatcher.utter_message(text=instrument.routing.below)
        path = library.get(instrument.routing.self_care_path)
        if path is not None:
            present_path(dispatcher, path, library)
        if instrument.routing.links:
            dispatcher.utter_message(text=messages.ASSESSMENT_PROGRAMMES + "\n" + "\n".join(
                f"- {name}: {url}" for name, url in instrument.routing.links))
        offer_programmes(dispatcher, self.runtime, offered, identity is not None, alongside_contact=False)
        state.below = True
        dispatcher.utter_message(text=messages.ASSESSMENT_CONTACT_ANYWAY, buttons=[
            _urgency_button(messages.BUTTON_CONTACT_ANYWAY, "normal"), _urgency_button(messages.BUTTON_NO_CONTACT, "none")])
        return [SlotSet(ASSESSMENT_SLOT, state.to_slot())]

    def _ask_urgency(self, dispatcher: CollectingDispatcher, state: AssessmentState,
                     prefix: str = "") -> List[EventType]:
        """How soon a professional should answer; after a crisis answer "no hurry" is not offered."""
        choices = [(messages.BUTTON_URGENT, "urgent")] + ([] if state.crisis else [(messages.BUTTON_NORMAL, "normal")])
        choices += [(messages.BUTTON_LIVE, LIVE), (messages.BUTTON_NO_CONTACT, "none")]
        dispatcher.utter_message(text=prefix + messages.ASSESSMENT_ASK_URGENCY,
                                 buttons=[_urgency_button(title, value) for title, value in choices])
        return [SlotSet(ASSESSMENT_SLOT, state.to_slot())]

    def _urgency(self, dispatcher: CollectingDispatcher, reply: Reply, library: GuidanceLibrary,
                 instrument: Instrument, state: AssessmentState) -> List[EventType]:
        intent, text = reply.intent, reply.text
        if intent == CHOOSE_PROGRAMME_INTENT and not state.crisis:  # the offer's choice: the contact offer stays
            choose_programme(dispatcher, reply.tracker, self.runtime, library)
            if state.below:
                return [SlotSet(ASSESSMENT_SLOT, state.to_slot())]
            return self._ask_urgency(dispatcher, state, self.runtime.programme_texts.still_offering_contact + "\n\n")
        urgency = reply.entity("urgency")
        if urgency not in URGENCY_CHOICES:  # an unknown value; a payload is never read as free text
            urgency = None if text.startswith("/") else urgency_of(text)
        if urgency is None and state.below and intent == "affirm":
            urgency = "normal"
        if urgency is None and answer_side_question(dispatcher, reply.tracker, library, intent, text):
            return [SlotSet(ASSESSMENT_SLOT, None)]  # moved on to another matter: the offer lapses
        if urgency is None:
            if state.below:
                dispatcher.utter_message(text=messages.ASSESSMENT_DONE)
                return [SlotSet(ASSESSMENT_SLOT, None)]
            return self._ask_urgency(dispatcher, state, messages.ASSESSMENT_URGENCY_NOT_UNDERSTOOD + "\n\n")
        if urgency == "none":
            dispatcher.utter_message(text=messages.no_contact_wanted(library))
            return [SlotSet(ASSESSMENT_SLOT, None)]
        if urgency == LIVE or intent == "ask_human":  # a professional now, in the chat (or honestly not)
            return [SlotSet(ASSESSMENT_SLOT, None), FollowupAction(ACTION_REQUEST_HUMAN)]
        prefill = {"urgency": urgency, "assessment": state.result, "reason": "health", "role": "resident",
                   "path_id": instrument.routing.self_care_path}
        events: List[EventType] = [SlotSet(ASSESSMENT_SLOT, None)]
        return events + start_contact_form(dispatcher, reply.tracker, self.runtime, prefill)


def _urgency_button(title: str, urgency: str) -> dict[str, str]:
    return {"title": title, "payload": messages.payload(ANSWER_INTENT, urgency=urgency)}
