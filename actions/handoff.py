"""Asking for a live professional: the queue during the team's hours, an honest contact-request offer
outside them.

`action_request_human` answers "haluan puhua ihmisen kanssa" (and the "talk to a human" buttons
of the not-found answer, unhelpful feedback and the capabilities list): when the team is in now it
puts the conversation in the live queue with a summary for the professional (topic and path,
assessment result, identity if the resident identified, the last messages with personal data
redacted) and says so; when the team is out it says that, gives the ways to reach a human and
offers the contact-request form. `action_handoff_waiting` answers while the resident waits
(`bot.policies.handoff_policy.HandoffPolicy` sends every message there): the place in the queue,
leaving the queue, or leaving a contact request instead.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.base import RuntimeAction, latest_entity, latest_intent_and_text
from actions.contact_request import start_contact_form
from actions.form_words import QUEUE_LEAVE, is_one_of
from actions.guidance import leave_request_button
from actions.follow_up import subject_label
from actions.identity import verified_identity
from actions.runtime import Runtime
from actions.store.identification import IdentificationStore
from actions.store.handoffs import HandoffStore
from actions.store.tickets import StoreUnavailable
from bot.constants import ACTION_HANDOFF_WAITING, ACTION_REQUEST_HUMAN, HANDOFF_SLOT, LAST_PATH_SLOT, SUBJECT_SLOT
from bot.handoff import TAKEN, WAITING, HandoffSettings

logger = logging.getLogger(__name__)

RECENT_MESSAGES = 5
LEAVE_QUEUE = "leave_queue"
CONTACT_INSTEAD = "contact_request"

QUEUED = ("Välitin pyyntösi asiakasohjauksen ammattilaiselle. Olet jonossa {place}. Kun ammattilainen ottaa "
          "keskustelun, näet sen tässä, ja hän näkee tähänastisen keskustelun. Odotamme enintään noin {minutes} "
          "minuuttia; jos kukaan ei ehdi, kerron sen ja voit jättää yhteydenottopyynnön. Hätätilanteessa soita 112.")
STILL_QUEUED = ("Olet yhä jonossa {place}. Ammattilainen näkee viestisi, kun hän ottaa keskustelun. "
                "Hätätilanteessa soita 112.")
BEING_TAKEN = "Ammattilainen on ottamassa keskusteluasi juuri nyt. Hetki vain."
QUEUE_LEFT = "Selvä, poistit pyyntösi jonosta. Olet taas chat-oppaan kanssa: kerro, missä asiassa voin auttaa."
QUEUE_ENDED = ("Jonotuksesi on jo päättynyt. Olet chat-oppaan kanssa. Voit pyytää ihmistä uudelleen tai jättää "
               "yhteydenottopyynnön.")
CLOSED = ("Ammattilaiset eivät ole juuri nyt chatissa (asiakasohjaus palvelee {hours}), joten en voi yhdistää sinua "
          "ihmiselle tässä ja nyt. Voit jättää yhteydenottopyynnön, niin ammattilainen ottaa sinuun yhteyttä.")
QUEUE_UNAVAILABLE = ("Jonoon ei juuri nyt päässyt teknisen vian vuoksi. Voit jättää yhteydenottopyynnön tai "
                     "soittaa.")
BUTTON_LEAVE_QUEUE = "Poistu jonosta"
BUTTON_CONTACT_INSTEAD = "Jätä mieluummin yhteydenottopyyntö"


def _place(position: int | None) -> str:
    return "ensimmäisenä" if position in (None, 1) else f"sijalla {position}"


def _waiting_buttons() -> list[dict[str, str]]:
    return [{"title": BUTTON_LEAVE_QUEUE, "payload": messages.payload("deny", control=LEAVE_QUEUE)},
            {"title": BUTTON_CONTACT_INSTEAD, "payload": messages.payload("ask_human", control=CONTACT_INSTEAD)}]


def _assessment_result(tracker: Tracker) -> dict | None:
    """The latest self-assessment result told in this conversation (instrument, total, max, at or above)."""
    for event in reversed(tracker.events):
        custom = ((event.get("data") or {}).get("custom") or {}) if event.get("event") == "bot" else {}
        if isinstance(custom, dict) and isinstance(custom.get("assessment"), dict):
            return dict(custom["assessment"])
    return None


def conversation_summary(tracker: Tracker, runtime: Runtime, reason: str) -> dict[str, Any]:
    """What the professional sees in the queue and on taking the conversation."""
    library = runtime.library.current()
    summary: dict[str, Any] = {"reason": reason}
    path = library.get(tracker.get_slot(LAST_PATH_SLOT) or "")
    if path is not None:
        summary.update(path_id=path.id, topic_id=path.topic, topic_title=path.title)
    concerns = subject_label(tracker.get_slot(SUBJECT_SLOT))
    if concerns:
        summary["subject"] = concerns  # whom the matter concerns, as the conversation told
    assessment = _assessment_result(tracker)
    if assessment:
        summary["assessment"] = assessment
    identity = verified_identity(tracker, IdentificationStore(runtime.sessions))
    if identity is not None:
        summary["identity"] = identity
    written = [str(e.get("text")) for e in tracker.events if e.get("event") == "user" and e.get("text")
               and not str(e.get("text")).startswith("/")]
    summary["recent_messages"] = [runtime.redactor.redact(text) for text in written[-RECENT_MESSAGES:]]
    return summary


class _HandoffAction(RuntimeAction):
    """Shared parts of the handoff actions (abstract: rasa-sdk registers only the concrete ones)."""

    def __init__(self, runtime: Runtime | None = None, settings: HandoffSettings | None = None) -> None:
        super().__init__(runtime)
        self.settings = settings or HandoffSettings.from_env()

    def handoffs(self) -> HandoffStore:
        return HandoffStore(self.runtime.sessions, clock=self.runtime.tickets.now)

    def _offer_contact_request(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> None:
        library = self.runtime.library.current()
        dispatcher.utter_message(text=text + "\n\n" + messages.contact_details(library),
                                 buttons=[leave_request_button(tracker.get_slot(LAST_PATH_SLOT))])


class ActionRequestHuman(_HandoffAction):
    """The resident asks for a human: the live queue when the team is in, else an honest contact-request offer."""

    def name(self) -> Text:
        return ACTION_REQUEST_HUMAN

    def is_open(self) -> bool:
        """Whether the team takes live conversations now (office hours and holidays of the region profile)."""
        return self.settings.always_open or self.runtime.tickets.office_hours.is_open(self.runtime.tickets.now())

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[EventType]:
        if isinstance(tracker.get_slot(HANDOFF_SLOT), dict):
            return ActionHandoffWaiting(self.runtime, self.settings).run(dispatcher, tracker, domain)
        if not self.is_open():
            hours = self.runtime.tickets.office_hours
            when = f"arkisin klo {hours.opens:%H.%M}–{hours.closes:%H.%M}"
            self._offer_contact_request(dispatcher, tracker, CLOSED.format(hours=when))
            return []
        store = self.handoffs()
        try:
            handoff, _created = store.enqueue(tracker.sender_id, conversation_summary(tracker, self.runtime, "asked"))
            position = store.position(handoff.id)
        except StoreUnavailable:
            logger.error("handoff store unavailable; the resident was offered a contact request instead")
            self._offer_contact_request(dispatcher, tracker, QUEUE_UNAVAILABLE)
            return []
        minutes = max(1, round(self.settings.max_wait_seconds / 60))
        dispatcher.utter_message(text=QUEUED.format(place=_place(position), minutes=minutes),
                                 buttons=_waiting_buttons(), json_message={"handoff": {"status": WAITING}})
        return [SlotSet(HANDOFF_SLOT, {"id": handoff.id, "status": handoff.status})]


class ActionHandoffWaiting(_HandoffAction):
    """While queued: the place in the queue, leaving the queue, or a contact request instead."""

    def name(self) -> Text:
        return ACTION_HANDOFF_WAITING

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[EventType]:
        slot = tracker.get_slot(HANDOFF_SLOT)
        intent, text = latest_intent_and_text(tracker)
        control = latest_entity(tracker, "control") or (CONTACT_INSTEAD if intent == "request_contact" else None)
        store = self.handoffs()
        try:
            handoff = store.active_for(tracker.sender_id)
            if handoff is not None and handoff.status == WAITING and (
                    control in (LEAVE_QUEUE, CONTACT_INSTEAD) or is_one_of(text, QUEUE_LEAVE)):
                store.cancel(tracker.sender_id)
                handoff = None
                if control == CONTACT_INSTEAD:
                    return [SlotSet(HANDOFF_SLOT, None), *start_contact_form(dispatcher, tracker, self.runtime)]
                dispatcher.utter_message(text=QUEUE_LEFT, json_message={"handoff": {"status": "left"}})
                return [SlotSet(HANDOFF_SLOT, None)]
            position = store.position(handoff.id) if handoff is not None else None
        except StoreUnavailable:
            logger.error("handoff store unavailable while a resident waits")
            self._offer_contact_request(dispatcher, tracker, QUEUE_UNAVAILABLE)
            return [SlotSet(HANDOFF_SLOT, None)]
        if handoff is None:
            self._offer_contact_request(dispatcher, tracker, QUEUE_ENDED)
            return [SlotSet(HANDOFF_SLOT, None)]
        if handoff.status == TAKEN:
            dispatcher.utter_message(text=BEING_TAKEN)
            return []
        dispatcher.utter_message(text=STILL_QUEUED.format(place=_place(position)), buttons=_waiting_buttons())
        if not isinstance(slot, dict) or slot.get("id") != handoff.id:
            return [SlotSet(HANDOFF_SLOT, {"id": handoff.id, "status": WAITING})]
        return []
