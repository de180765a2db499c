"""The safety net's answers: the emergency answer (112 / crisis line first, whatever the conversation
was doing), the safety question when the net is unsure, and going on after "Ei ole hätää"."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.base import RuntimeAction, latest_entity
from actions.follow_up import read_subject
from actions.runtime import Runtime
from actions.store.analytics import record_quietly
from bot.constants import (ACTION_EMERGENCY, ACTION_SAFETY_CHECK, ACTION_SAFETY_OK, ASSESSMENT_SLOT,
                           CONTACT_FORM_SLOT, EMERGENCY, EMERGENCY_CATEGORY_ENTITY, EMERGENCY_INTENT,
                           GENERAL_CATEGORY, GUIDANCE_RANKING, HANDOFF_SLOT, OFF_TOPIC, SAFETY,
                           SAFETY_PENDING_SLOT, SUBJECT_SLOT, TOPIC_SLOT)
from bot.metrics import count_emergency
from guidance_library.emergency import EmergencyCategory, EmergencyRules
from guidance_library.models import GuidanceLibrary

logger = logging.getLogger(__name__)
CALLABLE = set("0123456789 +-")


def call_links(keys: tuple[str, ...], library: GuidanceLibrary) -> list[dict[str, str]]:
    """The contacts to show as call links: label and number, in the order given."""
    links = []
    for key in keys:
        contact = library.contact(key)
        if contact is None or not contact.phone or not set(contact.phone) <= CALLABLE:
            continue
        links.append({"label": contact.name, "number": contact.phone})
    return links


def category_of(tracker: Tracker, rules: EmergencyRules) -> EmergencyCategory | None:
    """The category named by the safety net, by a "Kyllä, soita 112" button or by the safety question a
    typed "kyllä" answers; else the general one."""
    message = tracker.latest_message or {}
    pending = tracker.get_slot(SAFETY_PENDING_SLOT) or {}
    name = (message.get(EMERGENCY) or {}).get("category") or latest_entity(tracker, EMERGENCY_CATEGORY_ENTITY) \
        or (pending.get("category") if isinstance(pending, dict) else None)  # a typed "kyllä" to the question
    return rules.get(str(name or GENERAL_CATEGORY)) or rules.get(GENERAL_CATEGORY)


def in_a_task(tracker: Tracker) -> bool:
    """An assessment, a contact form or a live handoff is going on (it goes on after the safety question)."""
    return bool(tracker.get_slot(ASSESSMENT_SLOT) or tracker.get_slot(CONTACT_FORM_SLOT)
                or tracker.get_slot(HANDOFF_SLOT))


def ask_safety_question(dispatcher: CollectingDispatcher, tracker: Tracker, runtime: Runtime) -> List[EventType]:
    """Ask at once whether anyone is in danger, with 112 in the text and as a call link.

    The message the question came from is kept (not in a task) and answered after "Ei ole hätää"."""
    message = tracker.latest_message or {}
    verdict = message.get(SAFETY) or {}
    category = str(verdict.get("category") or GENERAL_CATEGORY)
    if runtime.emergency.get(category) is None:
        category = GENERAL_CATEGORY
    dispatcher.utter_message(
        text=messages.SAFETY_QUESTION,
        buttons=[{"title": messages.BUTTON_IN_DANGER,
                  "payload": messages.payload(EMERGENCY_INTENT, **{EMERGENCY_CATEGORY_ENTITY: category})},
                 {"title": messages.BUTTON_SAFE, "payload": messages.payload("safety_ok")}],
        json_message={"safety_check": True, "heading": messages.SAFETY_HEADING,
                      "calls": call_links(("emergency",), runtime.library.current())})
    record_quietly(runtime.sessions, "emergency", tracker.sender_id, outcome="safety_check")
    if in_a_task(tracker):  # the task asks its own question again after "Ei ole hätää"
        return [SlotSet(SAFETY_PENDING_SLOT, {"category": category})]
    pending = {"category": category, "text": str(message.get("text") or ""), "intent": message.get("intent") or {},
               GUIDANCE_RANKING: list(message.get(GUIDANCE_RANKING) or [])[:10],
               OFF_TOPIC: message.get(OFF_TOPIC)}
    events: List[EventType] = [SlotSet(SAFETY_PENDING_SLOT, pending)]
    ranking = pending[GUIDANCE_RANKING]
    if ranking and not tracker.get_slot(TOPIC_SLOT) and not message.get(OFF_TOPIC):
        # The best guess of what the message was about, so that a follow-up typed instead of answering
        # the question ("entä jos se on vauva?") still has a topic to lean on (actions/follow_up.py).
        events.append(SlotSet(TOPIC_SLOT, ranking[0].get("topic")))
    subject = read_subject(str(message.get("text") or ""))
    if subject is not None:
        # whom it concerns, too ("meidän vauva ei vielä käänny"; the person this message names comes before
        # the one named earlier): the follow-up after the question ("voiko se päästä fyssarille?") then
        # gets the path for them (issue 16)
        events.append(SlotSet(SUBJECT_SLOT, subject))
    return events


def asked_just_before(tracker: Tracker) -> bool:
    """The bot's last action before the latest resident message was the safety question."""
    seen_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_message:
                return False
            seen_message = True
        elif seen_message and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name") == ACTION_SAFETY_CHECK
    return False


class ActionEmergency(RuntimeAction):
    """Answers an emergency at once with the category's 112 / crisis guidance and stops any form."""

    def name(self) -> Text:
        return ACTION_EMERGENCY

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[EventType]:
        category = category_of(tracker, self.runtime.emergency)
        text = category.answer if category else messages.EMERGENCY_FALLBACK
        name = category.name if category else GENERAL_CATEGORY
        calls = call_links(category.calls if category else ("emergency",), self.runtime.library.current())
        dispatcher.utter_message(text=text, json_message={
            "emergency": True, "category": name, "heading": messages.EMERGENCY_HEADING, "calls": calls})
        count_emergency(name)
        record_quietly(self.runtime.sessions, "emergency", tracker.sender_id, outcome=name)
        events: List[EventType] = [SlotSet(SAFETY_PENDING_SLOT, None)]
        return [*events, ActiveLoop(None)] if tracker.active_loop.get("name") else events


class ActionSafetyCheck(RuntimeAction):
    """The safety net is unsure: "Oletko sinä tai joku muu nyt vaarassa?" before anything else; below it the
    path the message asked for when the assistant is sure of it (actions.guidance.answer_below_safety_question)."""

    def name(self) -> Text:
        return ACTION_SAFETY_CHECK

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[EventType]:
        from actions.guidance import answer_below_safety_question

        events = ask_safety_question(dispatcher, tracker, self.runtime)
        if in_a_task(tracker):
            return events
        asked = len(dispatcher.messages)
        try:
            shown = answer_below_safety_question(dispatcher, tracker, self.runtime)
        except Exception:  # noqa: BLE001 - the question must go out whatever goes wrong with the path below it
            logger.exception("No path below the safety question for %s", tracker.sender_id)
            del dispatcher.messages[asked:]  # the question alone
            return events
        if shown is None:
            return events
        # answered below the question: "Ei ole hätää" then only thanks; a "kyllä" still names the category
        category = next(e["value"]["category"] for e in events if e.get("name") == SAFETY_PENDING_SLOT)
        return [*events, SlotSet(SAFETY_PENDING_SLOT, {"category": category, "answered": True}), *shown]


class ActionSafetyOk(RuntimeAction):
    """"Ei ole hätää": thanks, then the question the resident asked before the safety question (unless its
    path was already shown below the question)."""

    def name(self) -> Text:
        return ACTION_SAFETY_OK

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[EventType]:
        from actions.guidance import answer_pending_question

        dispatcher.utter_message(text=messages.SAFE_THANKS)
        pending = tracker.get_slot(SAFETY_PENDING_SLOT)
        if isinstance(pending, dict) and pending.get("answered") and asked_just_before(tracker):
            dispatcher.utter_message(text=messages.SAFE_ANSWERED_ABOVE)  # the path is already below the question
            return [SlotSet(SAFETY_PENDING_SLOT, None)]
        if isinstance(pending, dict) and pending.get("text") and asked_just_before(tracker):
            events = answer_pending_question(dispatcher, tracker, self.runtime, pending)
            return [SlotSet(SAFETY_PENDING_SLOT, None), *events]
        dispatcher.utter_message(text=messages.SAFE_ASK_AGAIN)
        return [SlotSet(SAFETY_PENDING_SLOT, None)]
