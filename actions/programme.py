"""Self-care programmes in the chat: the offer after a self-assessment, the resident's choice, and
"Tilanteeni on huonompi".

* **The offer** (`offer_programmes`, called by `actions.assessment` with the result): the programmes
  `offered_after_assessment` gives (none after a crisis answer). An identified resident gets a short
  offer with buttons: the programme's goals if it has them (alcohol: reduce / stop), else "Aloita
  ohjelma", and "Ei nyt". An anonymous resident is told that programmes need strong identification
  and how to identify. After a result at or above the threshold the offer comes after the contact
  offer and never replaces it.
* **The offer after a guidance path** (`offer_on_path`, called by `actions.guidance` after a path
  whose id is in a programme's `start.paths`): the same offer for an identified resident (not for a
  programme already active, nor when their latest result sends them to a professional first); an
  anonymous resident is told that programmes need strong identification.
* **The choice** (`choose_programme`; `/choose_programme{"programme", "programme_choice"}`, taken by
  `action_programme`, or by `action_assessment` while its contact offer is open): the resident is
  enrolled (`started_by` "assessment" or "path": where the offer was made, from the offer message's
  custom data; with the goal) in their own space and gets a link to
  "Omat asiat"; an active enrolment in the same programme is kept, so a retry enrols once.
* **"Tilanteeni on huonompi"** (`programme_worse`; the own space links back to the chat with
  `/programme_worse{"programme": "<id>"}`, taken by `action_programme_worse`): the programme's worse
  step (its text and choices, each with an urgency), then the contact-request form with that urgency,
  the reason (health) and the programme progress pre-filled; anonymous: identification is needed,
  and the contact request and the phone numbers are offered all the same.

The texts are `actions/programme_texts.yml` and the programme files' own.
"""
from __future__ import annotations

import logging
from typing import List, Sequence

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.base import LibraryAction, latest_entity
from actions.contact_request import start_contact_form
from actions.guidance import leave_request_button
from actions.own_space import (ACTION_PROGRAMME_WORSE, CHOOSE_PROGRAMME_INTENT, STORE_FAULTS, WORSE_INTENT,
                               identity_and_key, resident_key)
from actions.runtime import Runtime
from actions.store.access import InputRefused
from bot.constants import CONTACT_FORM_SLOT
from guidance_library.instruments import AssessmentResult
from guidance_library.models import GuidanceLibrary
from guidance_library.placeholders import render
from guidance_library.programme import Programme, offered_after_assessment, offered_on_path, open_to_start

logger = logging.getLogger(__name__)

CHOOSE_INTENT = CHOOSE_PROGRAMME_INTENT
START = "start"   # the choice of a programme without goals
LATER = "later"   # "Ei nyt"
ASSESSMENT_ORIGIN, PATH_ORIGIN = "assessment", "path"  # where an offer was made: the enrolment's started_by


def _button(title: str, intent: str, programme: Programme, choice: str) -> dict[str, str]:
    return {"title": title, "payload": messages.payload(intent, programme=programme.id, programme_choice=choice)}


def offered_programmes(library: GuidanceLibrary, result: AssessmentResult) -> list[Programme]:
    """The programmes to offer after this result: none after a crisis answer, and none for a score of
    0 (no symptoms, or "never" to AUDIT-C's first question: an alcohol programme would not fit)."""
    if result.total == 0:
        return []
    return offered_after_assessment(library.programmes.values(), result)


def offer_programmes(dispatcher: CollectingDispatcher, runtime: Runtime, offered: Sequence[Programme],
                     identified: bool, alongside_contact: bool) -> None:
    """The offer after an assessment: with buttons for an identified resident, else how to identify."""
    texts = runtime.programme_texts
    if not offered:
        return
    if not identified:
        dispatcher.utter_message(text=texts.say("needs_identification",
                                                titles=", ".join(p.title for p in offered)))
        return
    heading = texts.offer_alongside_contact if alongside_contact else texts.offer
    for index, programme in enumerate(offered):
        dispatcher.utter_message(**_offer(runtime, programme, heading if index == 0 else ""))


def offer_on_path(dispatcher: CollectingDispatcher, tracker: Tracker, runtime: Runtime, library: GuidanceLibrary,
                  path_id: str) -> None:
    """After a guidance path: the programmes whose `start.paths` has it (`offered_on_path`). An identified
    resident gets the offer with its buttons (not for a programme already active, nor one whose start rule
    sends them to a professional first by their latest result); an anonymous one is told it needs
    strong identification."""
    offered = [p for p in offered_on_path(library.programmes.values(), path_id) if _last_offer(tracker, p) is None]
    if not offered:  # none for this path, or offered once already in this conversation
        return
    texts = runtime.programme_texts
    identity, key = identity_and_key(tracker, runtime)
    if identity is None or key is None:
        dispatcher.utter_message(text=texts.say("path_needs_identification",
                                                titles=", ".join(p.title for p in offered)),
                                 json_message={"programme_offer": {"id": offered[0].id, "from": PATH_ORIGIN}})
        return
    try:
        active = {e.programme_id for e in runtime.own_space.enrolments(key) if e.status == "active" and not e.module_id}
        open_ones = [p for p in offered if p.id not in active and _open_to(runtime, key, library, p)]
    except STORE_FAULTS as error:  # the path's answer stands; the offer waits for another time
        logger.error("programme offer after a path skipped: the store failed (%s)", error.__class__.__name__)
        return
    for index, programme in enumerate(open_ones):
        dispatcher.utter_message(**_offer(runtime, programme, texts.offer_after_path if index == 0 else "",
                                          origin=PATH_ORIGIN))


def _open_to(runtime: Runtime, key: str, library: GuidanceLibrary, programme: Programme) -> bool:
    rule = programme.start.assessment
    if rule is None:
        return True
    results = runtime.own_space.results(key, rule.instrument)
    return open_to_start(programme, library.instruments.get(rule.instrument), results[-1].score if results else None)


def _offer(runtime: Runtime, programme: Programme, heading: str = "", origin: str = ASSESSMENT_ORIGIN) -> dict:
    """One programme's offer: its title, introduction, the goal question and the choices; the message's
    custom data names where it was offered (`programme_offer`), which the choice records as `started_by`."""
    texts = runtime.programme_texts
    question = programme.goals.question if programme.goals else texts.offer_start_question
    buttons = ([_button(g.label, CHOOSE_INTENT, programme, g.value) for g in programme.goals.options]
               if programme.goals else [_button(texts.button_start, CHOOSE_INTENT, programme, START)])
    buttons.append(_button(texts.button_not_now, CHOOSE_INTENT, programme, LATER))
    parts = [heading, f"{programme.title}\n{programme.intro}", question]
    return {"text": "\n\n".join(p for p in parts if p), "buttons": buttons,
            "json_message": {"programme_offer": {"id": programme.id, "from": origin}}}


def _last_offer(tracker: Tracker, programme: Programme) -> str | None:
    """Where the programme was last offered in this conversation (`programme_offer` of a bot message's
    custom data: "assessment" or "path"), or None."""
    for event in reversed(tracker.events or []):
        if event.get("event") != "bot":
            continue
        offer = ((event.get("data") or {}).get("custom") or {}).get("programme_offer") or {}
        if offer.get("id") == programme.id and offer.get("from") in (ASSESSMENT_ORIGIN, PATH_ORIGIN):
            return str(offer["from"])
    return None


def _offered_from(tracker: Tracker, programme: Programme) -> str:
    """The chosen programme's `started_by`: where it was offered, else by its start rules."""
    return _last_offer(tracker, programme) or (ASSESSMENT_ORIGIN if programme.start.assessment else PATH_ORIGIN)


def choose_programme(dispatcher: CollectingDispatcher, tracker: Tracker, runtime: Runtime,
                     library: GuidanceLibrary) -> None:
    """The resident's answer to the offer: enrolled with the goal chosen, "not now", or asked again."""
    texts = runtime.programme_texts
    programme = library.programmes.get(latest_entity(tracker, "programme") or "")
    if programme is None or (programme.start.assessment is None and not programme.start.paths):  # not offered
        dispatcher.utter_message(text=texts.programme_missing)
        return
    choice = latest_entity(tracker, "programme_choice")
    if choice == LATER:
        dispatcher.utter_message(text=texts.not_now)
        return
    goals = {g.value: g for g in programme.goals.options} if programme.goals else {}
    if (goals and choice not in goals) or (not goals and choice != START):
        dispatcher.utter_message(**_offer(runtime, programme))
        return
    key = resident_key(tracker, runtime)
    if key is None:
        dispatcher.utter_message(text=texts.say("needs_identification", titles=programme.title))
        return
    goal = goals.get(choice or "")
    try:
        _enrolment, created = runtime.own_space.enrol(key, programme.id, programme.version,
                                                      _offered_from(tracker, programme), goal.value if goal else None)
    except STORE_FAULTS as error:
        logger.error("programme not started: the store failed (%s)", error.__class__.__name__)
        dispatcher.utter_message(text=texts.start_failed, buttons=[
            _button(texts.button_retry, CHOOSE_INTENT, programme, choice or START)])
        return
    except InputRefused as error:  # a programme file the store will not take (an odd id): say so plainly
        logger.error("programme %s not started: %s", programme.id, error)
        dispatcher.utter_message(text=texts.programme_missing)
        return
    if created:
        parts = [texts.say("started", title=programme.title), goal.text if goal else "", texts.started_next]
    else:
        parts = [texts.say("already_started", title=programme.title)]
    dispatcher.utter_message(text="\n\n".join(p for p in parts if p), json_message={
        "links": [texts.own_space_link()], "programme": {"id": programme.id, "started": created}})


def programme_worse(dispatcher: CollectingDispatcher, tracker: Tracker, runtime: Runtime,
                    library: GuidanceLibrary) -> List[EventType]:
    """"Tilanteeni on huonompi": the programme's worse step, then the contact request it leads to."""
    texts = runtime.programme_texts
    identity, _key = identity_and_key(tracker, runtime)
    ended: List[EventType] = [SlotSet(CONTACT_FORM_SLOT, None)]  # a form left half-way gives way to this
    if identity is None:
        dispatcher.utter_message(text=texts.worse_needs_identification + "\n\n" + messages.contact_details(library),
                                 buttons=[leave_request_button()])
        return ended
    programme = library.programmes.get(latest_entity(tracker, "programme") or "")
    if programme is None:
        dispatcher.utter_message(text=texts.worse_programme_missing + "\n\n" + messages.contact_details(library),
                                 buttons=[leave_request_button()])
        return ended
    choice = latest_entity(tracker, "programme_choice")
    option = next((o for o in programme.worse.options if o.value == choice), None)
    if option is None:
        scope = library.profile.placeholder_scope(library.national_contacts)
        dispatcher.utter_message(text=render(programme.worse.text, scope), buttons=[
            _button(o.label, WORSE_INTENT, programme, o.value) for o in programme.worse.options])
        return ended
    prefill = {"urgency": option.urgency, "reason": "health", "role": "resident", "worse_programme": programme.id}
    return start_contact_form(dispatcher, tracker, runtime, prefill)


class ActionProgramme(LibraryAction):
    """The resident's choice on a programme offer: start it (with a goal), or not now."""

    action_name = "action_programme"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                library: GuidanceLibrary) -> List[EventType]:
        choose_programme(dispatcher, tracker, self.runtime, library)
        return []


class ActionProgrammeWorse(LibraryAction):
    """"Tilanteeni on huonompi" from the own space: the worse step and a contact request with the progress."""

    action_name = ACTION_PROGRAMME_WORSE

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                library: GuidanceLibrary) -> List[EventType]:
        return programme_worse(dispatcher, tracker, self.runtime, library)
