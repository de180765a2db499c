"""Drives the conversation-task actions turn by turn as Rasa would: the policies' routing (an
assessment in progress, then a contact form, else the action named for the intent: the rules' for
the programme intents), the slots the actions set, a follow-up action an action names, and the
events of the conversation."""
from __future__ import annotations

import datetime as dt
import json

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.assessment import ActionAssessment
from actions.contact_request import ActionContactRequest
from actions.programme import ActionProgramme, ActionProgrammeWorse
from actions.runtime import Runtime
from actions.store.identification import IdentificationStore
from bot.constants import ASSESSMENT_SLOT, CONTACT_FORM_SLOT, IDENTITY_SLOT
from bot.policies.contact_policy import FORM_INTENTS


class Chat:
    """One resident's conversation with the task actions."""

    def __init__(self, runtime: Runtime, sender: str = "resident-7", identity: dict | None = None,
                 live_session: bool = True) -> None:
        """`identity`: the identity slot; with `live_session` the conversation is bound to a live
        identified session as the web app binds it (without one the actions ignore the slot)."""
        if identity is not None and live_session:
            IdentificationStore(runtime.sessions).open_session(sender, dt.timedelta(hours=1))
        self.assessment = ActionAssessment(runtime)
        self.contact = ActionContactRequest(runtime)
        self.by_rule = {"choose_programme": ActionProgramme(runtime), "programme_worse": ActionProgrammeWorse(runtime)}
        self.sender = sender
        self.slots: dict = {ASSESSMENT_SLOT: None, CONTACT_FORM_SLOT: None, "last_path_id": None,
                            IDENTITY_SLOT: identity}
        self.events: list[dict] = []

    @property
    def state(self):
        """The assessment in progress (the self-assessment tests' view)."""
        return self.slots[ASSESSMENT_SLOT]

    @property
    def form(self):
        return self.slots[CONTACT_FORM_SLOT]

    @property
    def active(self) -> bool:
        return bool(self.slots[ASSESSMENT_SLOT])

    def say(self, text: str, intent: str = "ask_guidance", ranking=None, **entities) -> list[dict]:
        if text.startswith("/"):
            intent, _, raw = text[1:].partition("{")
            entities = json.loads("{" + raw) if raw else {}
        message = {"text": text, "intent": {"name": intent, "confidence": 0.9},
                   "entities": [{"entity": k, "value": v} for k, v in entities.items()],
                   "guidance_ranking": ranking or []}
        self.events.append({"event": "user", "text": text})
        if self.slots[ASSESSMENT_SLOT] or intent == "start_assessment":
            action = self.assessment
        elif self.slots[CONTACT_FORM_SLOT] or intent in FORM_INTENTS:
            action = self.contact
        elif intent in self.by_rule:
            action = self.by_rule[intent]
        else:
            raise AssertionError(f"no task action would take {text!r} ({intent})")
        return self.run(action, message)

    def run(self, action, message) -> list[dict]:
        tracker = Tracker(self.sender, dict(self.slots), message, list(self.events), False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        follow_up = None
        for event in action.run(dispatcher, tracker, {}):
            if isinstance(event, dict) and event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
            if isinstance(event, dict) and event.get("event") == "followup":
                follow_up = next((a for a in self.by_rule.values() if a.name() == event["name"]), None)
        for reply in dispatcher.messages:
            self.events.append({"event": "bot", "text": reply.get("text"), "data": {"custom": reply.get("custom")}})
        if follow_up is not None:  # Rasa runs the action named next, on the same message
            return dispatcher.messages + self.run(follow_up, message)
        return dispatcher.messages


def answer_to_the_urgency(chat: Chat, reason: str, words: str) -> list[dict]:
    """Answer a started contact form's first questions: the reason (`reason`: the button's value),
    the resident's own matter, the matter in `words`, normal urgency. The replies to the last answer:
    the next question (the contact method, or the phone number)."""
    chat.say(f'/contact_answer{{"form_value": "{reason}"}}')
    chat.say('/contact_answer{"form_value": "resident"}')
    chat.say(words, intent="ask_guidance")
    return chat.say('/contact_answer{"form_value": "normal"}')


def texts(replies) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def titles(reply: dict) -> list[str]:
    return [b["title"] for b in reply.get("buttons") or []]
