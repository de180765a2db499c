"""Greeting, what the bot can do, and how to reach a human."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.base import LibraryAction, RuntimeAction
from actions.guidance import leave_request_button
from actions.store.analytics import record_quietly
from bot.constants import LAST_PATH_SLOT
from guidance_library.models import GuidanceLibrary


class ActionSessionStart(RuntimeAction):
    """Starts a conversation session as Rasa's default does, and counts it for the management view."""

    def name(self) -> Text:
        return "action_session_start"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session"):
            events += [SlotSet(name, value) for name, value in tracker.current_slot_values().items()
                       if value is not None]
        record_quietly(self.runtime.sessions, "conversation_started", tracker.sender_id)
        return [*events, ActionExecuted("action_listen")]


class ActionGreet(LibraryAction):
    """Greets with who the bot is, the privacy notice and (for the example region) a warning."""

    action_name = "action_greet"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                library: GuidanceLibrary) -> List[EventType]:
        dispatcher.utter_message(text=messages.greeting(library))
        return []


class ActionCapabilities(LibraryAction):
    """Tells what the bot can help with, and that it is not a human."""

    action_name = "action_capabilities"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                library: GuidanceLibrary) -> List[EventType]:
        dispatcher.utter_message(text=messages.capabilities(library), buttons=[
            {"title": messages.BUTTON_CONTACT, "payload": messages.payload("ask_human")}])
        return []


class ActionContactDetails(LibraryAction):
    """Asking for a human: client-guidance phone and hours, and the urgent alternatives."""

    action_name = "action_contact_details"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                library: GuidanceLibrary) -> List[EventType]:
        dispatcher.utter_message(text=messages.contact_details(library) + "\n\n" + messages.LEAVE_REQUEST_OFFER,
                                 buttons=[leave_request_button(tracker.get_slot(LAST_PATH_SLOT))])
        return []
