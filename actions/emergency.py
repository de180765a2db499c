"""The emergency answer: 112 / crisis line first, whatever the conversation was doing."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import RuntimeAction
from actions.store.analytics import record_quietly
from bot.constants import ACTION_EMERGENCY, EMERGENCY, GENERAL_CATEGORY


class ActionEmergency(RuntimeAction):
    """Answers an emergency at once with the category's 112 / crisis guidance and stops any form."""

    def name(self) -> Text:
        return ACTION_EMERGENCY

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[EventType]:
        rules = self.runtime.emergency
        category_name = (tracker.latest_message.get(EMERGENCY) or {}).get("category", GENERAL_CATEGORY)
        category = rules.get(category_name) or rules.get(GENERAL_CATEGORY)
        text = category.answer if category else "Hätätilanteessa soita heti 112."
        dispatcher.utter_message(text=text, json_message={"emergency": True, "category": category_name})
        record_quietly(self.runtime.sessions, "emergency", tracker.sender_id, outcome=category_name)
        return [ActiveLoop(None)] if tracker.active_loop.get("name") else []
