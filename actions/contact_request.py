"""The contact-request form in the chat, and the resident's status check of a request.

One action runs both as a small state machine kept in the `contact_form` slot (like the
self-assessment): what the matter is about, whose matter it is, the resident's own words, urgency,
how and when to be reached, then a summary and consent; only then is a ticket stored. Started by a
request ("voisiko joku soittaa minulle"), a button on a path, the "not found" answer, a request
for a human, or an assessment result (which pre-fills urgency, reason and the result).

No ticket is lost or doubled: the form has an id, and the ticket store keeps one ticket per
conversation and form id, so a retry or a double click gets the same reference. If the store
cannot be reached the resident is told so, given the phone number, and can try again.
`bot.policies.contact_policy.ContactPolicy` sends every message here while the slot is set.
"""
from __future__ import annotations

import logging
import re
import uuid
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import contact_messages as texts
from actions import messages
from actions.base import RuntimeAction, latest_entity, latest_intent_and_text
from actions.free_text import consent_of, urgency_of
from actions.guidance import (SIDE_QUESTION_INTENTS, SIDE_QUESTION_MIN_WORDS, answer_side_question,
                              side_decision)
from actions.guidance_decision import Outcome
from actions.follow_up import subject_label
from actions.identity import verified_identity
from actions.runtime import Runtime
from actions.store.identification import IdentificationStore
from actions.store.tickets import (REFERENCE_ALPHABET, StoreUnavailable, TicketDraft, TicketError, callback_phone,
                                   normalise_reference)
from bot.constants import CONTACT_FORM_SLOT, LAST_PATH_SLOT, SAFETY_OK_INTENT, SUBJECT_SLOT
from guidance_library.instruments import fold
from guidance_library.models import GuidanceLibrary

logger = logging.getLogger(__name__)

ANSWER_INTENT = "contact_answer"
START_INTENT = "request_contact"
STATUS_INTENT = "ticket_status"
SKIP_WORDS = ("ohita", "ohitetaan", "ei", "ei muuta", "ei lisattavaa", "en halua kertoa", "ei mitaan", "ei oo")
CHOICE_STAGES = ("reason", "role", "urgency", "method")
CANCEL_WORDS = ("peruuta", "peru ", "lopeta", "keskeyta", "en halua jattaa", "en haluakaan", "unohda")
MAX_FAILURES = 3
MIN_WORDS_CHARS = 8
RECENT_MESSAGES = 10
REFERENCE_IN_TEXT = re.compile(rf"(?<![A-Za-z0-9])[{REFERENCE_ALPHABET}]{{4}}[\s-]?[{REFERENCE_ALPHABET}]{{4}}"
                               r"(?![A-Za-z0-9])", re.IGNORECASE)
CONSENT_TEXT = ("Asukas hyväksyi, että yhteenvedon tiedot, itsearvion tulos (jos tehty) ja keskustelun viestit "
                "henkilötiedot poistettuina välitetään asiakasohjaukseen yhteydenottoa varten.")

REASON_WORDS = (  # first match wins: the more specific matters first
    ("on_behalf", ("puolesta", "valtakirj", "edunvalvo")),
    ("booking", ("ajanvar", "aika", "ajan", "varaa", "varat", "perua", "perum", "peruu", "peruut", "siirt")),
    ("digital_help", ("digi", "sovellu", "kirjaud", "omakant", "verkossa", "chat", "sahkoinen")),
    ("documents", ("todistu", "lasku", "asiakirj", "lausun", "resept", "paatos", "maksu")),
    ("contact_details", ("yhteystie", "numero", "minne", "mihin", "osoite", "aukiolo")),
    ("social", ("sosiaal", "toimeentulo", "perustoimeentulo", "arje", "kotihoi", "lastensuojel", "asumi", "raha", "perhe", "vammais")),
    ("health", ("terve", "oire", "sairau", "kipu", "kipe", "laake", "mielenterv", "masenn", "hoito")),
)
ROLE_WORDS = (
    ("professional", ("ammattilai", "hoitaja", "tyossani", "asiakkaan")),
    ("relative", ("laheis", "omai", "aiti", "isa", "lapse", "lapsi", "puoliso", "mumm", "vaimo", "mies", "vanhem",
                  "tytar", "poika", "sisko", "veli", "isovanhem", "ystav")),
    ("resident", ("oma", "itse", "mina", "minun", "mun", "mulla", "minulla")),
    ("other", ("muu",)),
)


def _looks_like_question(tracker: Tracker, intent: str | None, text: str) -> bool:
    """A longer message that the library answers well is a question in the middle, not an answer."""
    return (intent in SIDE_QUESTION_INTENTS and len(text.split()) >= SIDE_QUESTION_MIN_WORDS
            and side_decision(tracker).outcome is Outcome.ANSWER)



def _keyword_choice(text: str, table) -> str | None:
    """The first value whose keyword begins a word of the text (Finnish inflects at the end)."""
    words = fold(text).split()
    return next((value for value, keywords in table
                 if any(word.startswith(keyword) for keyword in keywords for word in words)), None)


def _button(title: str, value: str, **more: str) -> dict[str, str]:
    return {"title": title, "payload": messages.payload(ANSWER_INTENT, form_value=value, **more)}


def _resident_messages(tracker: Tracker, limit: int = RECENT_MESSAGES) -> list[str]:
    """What the resident wrote in this conversation (no button payloads), most recent last."""
    texts_ = [str(e.get("text")) for e in tracker.events if e.get("event") == "user" and e.get("text")
              and not str(e.get("text")).startswith("/")]
    return texts_[-limit:]



def _masked(phone: str) -> str:
    """"+358401234567" -> "040 ••• 4567": enough for the resident to recognise it, in the chat."""
    national = "0" + phone[4:]
    return f"{national[:3]} ••• {national[-4:]}"


def _assessment_line(assessment: dict | None) -> str | None:
    """"PHQ-9 mielialakysely, 12/27 pistettä (raja 10)", plus the crisis item when answered."""
    if not assessment:
        return None
    line = (f"{assessment.get('name') or assessment.get('instrument')}, {assessment.get('total')}/"
            f"{assessment.get('max_score')} pistettä (raja {assessment.get('threshold')})")
    return line + ", kuolemaan tai itsetuhoon liittyviä ajatuksia" if assessment.get("crisis") else line


def start_contact_form(dispatcher: CollectingDispatcher, tracker: Tracker, runtime: Runtime,
                       prefill: dict[str, Any] | None = None) -> List[EventType]:
    """Begin the form (called by this action and by the self-assessment); returns the slot events.

    A path id (from a button's payload, or the conversation's last path) is kept only if the library
    has that path: an unknown one is left out, never stored in the form or the ticket."""
    library = runtime.library.current()
    data: dict[str, Any] = dict(prefill or {})
    path = library.get(str(data.pop("path_id", None) or "")) or library.get(tracker.get_slot(LAST_PATH_SLOT) or "")
    if path is not None:
        data["path_id"] = path.id
        data.setdefault("topic_id", path.topic)
        data.setdefault("topic_title", path.title)
    concerns = subject_label(tracker.get_slot(SUBJECT_SLOT))
    if concerns:
        data.setdefault("subject", concerns)
    state = {"form_id": uuid.uuid4().hex, "stage": "", "data": data, "failures": 0}
    dispatcher.utter_message(text=texts.START_FROM_ASSESSMENT if data.get("assessment") else texts.START)
    return ActionContactRequest(runtime).ask_next(dispatcher, tracker, library, state)


class ActionContactRequest(RuntimeAction):
    """The contact-request form and the status check."""

    def name(self) -> Text:
        return "action_contact_request"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[EventType]:
        library = self.runtime.library.current()
        intent, text = latest_intent_and_text(tracker)
        state = tracker.get_slot(CONTACT_FORM_SLOT)
        if intent == STATUS_INTENT and not state:  # inside a form, "milloin vain" is an answer, not this
            return self._status_start(dispatcher, tracker, library, text)
        if not state:
            form_id = latest_entity(tracker, "form_id")
            if intent == ANSWER_INTENT and form_id:  # a late second click on "send": same ticket, same answer
                return self._already_sent(dispatcher, tracker, library, form_id)
            if intent == ANSWER_INTENT:
                dispatcher.utter_message(text=texts.CANCELLED if latest_entity(tracker, "form_value") == "cancel"
                                         else messages.FEEDBACK_NOTHING_TO_RATE)
                return []
            return start_contact_form(dispatcher, tracker, self.runtime, {"path_id": latest_entity(tracker, "path_id")})
        state = {**state, "data": dict(state.get("data") or {})}
        if intent == SAFETY_OK_INTENT:  # "Ei ole hätää" after the safety question: the same question again
            prefix = f"{messages.SAFE_THANKS} {messages.SAFE_CONTINUE_TASK}\n\n"
            if state.get("mode") == "status":
                dispatcher.utter_message(text=prefix.strip())
                return []
            return self.ask_next(dispatcher, tracker, library, state, prefix)
        value = latest_entity(tracker, "form_value")
        folded = fold(text)
        if value == "cancel" or (intent != ANSWER_INTENT and any(folded.startswith(w.strip()) for w in CANCEL_WORDS)):
            dispatcher.utter_message(text=texts.CANCELLED)
            return [SlotSet(CONTACT_FORM_SLOT, None)]
        if state.get("mode") == "status":
            return self._status_answer(dispatcher, tracker, library, state, text)
        return self._answer(dispatcher, tracker, library, state, value, text, intent)

    def _identity(self, tracker: Tracker) -> dict | None:
        """The identity, only while the conversation's identified session is live (actions/identity.py)."""
        return verified_identity(tracker, IdentificationStore(self.runtime.sessions))

    # -- the form ------------------------------------------------------------------------------
    def _pending(self, tracker: Tracker, data: dict) -> str | None:
        order = ["reason", "role", "words", "urgency"]
        if self._identity(tracker) is not None:
            order.append("method")
        order += ["phone", "reach_time"]
        for stage in order:
            if stage == "phone" and data.get("method") == "secure_message":
                continue
            if stage not in data:
                return stage
        return None

    def ask_next(self, dispatcher: CollectingDispatcher, tracker: Tracker, library: GuidanceLibrary,
                 state: dict, prefix: str = "") -> List[EventType]:
        """Ask the next missing answer, or show the summary and ask for consent."""
        data = state["data"]
        if data.get("assessment"):
            data.setdefault("reason", "health")
            data.setdefault("role", "resident")
        stage = self._pending(tracker, data) or "consent"
        state["stage"] = stage
        cancel = _button(texts.BUTTON_CANCEL, "cancel")
        if stage == "reason":
            dispatcher.utter_message(text=prefix + texts.ASK_REASON,
                                     buttons=[_button(label, value) for value, label in texts.REASONS] + [cancel])
        elif stage == "role":
            dispatcher.utter_message(text=prefix + texts.ASK_ROLE,
                                     buttons=[_button(label, value) for value, label in texts.ROLES] + [cancel])
        elif stage == "words":
            if data.get("assessment"):
                dispatcher.utter_message(text=prefix + texts.ASK_WORDS_AFTER_ASSESSMENT,
                                         buttons=[_button(texts.BUTTON_SKIP_WORDS, "skip"), cancel])
            else:
                dispatcher.utter_message(text=prefix + texts.ASK_WORDS, buttons=[cancel])
        elif stage == "urgency":
            dispatcher.utter_message(text=prefix + texts.ASK_URGENCY, buttons=[
                _button(texts.BUTTON_URGENT, "urgent"), _button(texts.BUTTON_NORMAL, "normal"), cancel])
        elif stage == "method":
            dispatcher.utter_message(text=prefix + texts.ASK_METHOD, buttons=[
                _button(texts.BUTTON_PHONE, "phone"), _button(texts.BUTTON_SECURE, "secure_message"), cancel])
        elif stage == "phone":
            dispatcher.utter_message(text=prefix + texts.ASK_PHONE, buttons=[cancel])
        elif stage == "reach_time":
            dispatcher.utter_message(text=prefix + texts.ASK_REACH_TIME,
                                     buttons=[_button(label, label) for label in texts.REACH_TIMES] + [cancel])
        else:
            dispatcher.utter_message(text=prefix + self._summary(data, library))
            dispatcher.utter_message(text=texts.ASK_CONSENT, buttons=[
                _button(texts.BUTTON_CONSENT_YES, "yes", form_id=state["form_id"]),
                _button(texts.BUTTON_CONSENT_NO, "no")])
        return [SlotSet(CONTACT_FORM_SLOT, state)]

    def _summary(self, data: dict, library: GuidanceLibrary) -> str:
        reason = dict(texts.REASONS).get(data.get("reason", ""), "")
        role = dict(texts.ROLES).get(data.get("role", ""), "")
        return texts.summary(data, reason, role, _assessment_line(data.get("assessment")))

    def _answer(self, dispatcher, tracker, library, state, value, text, intent) -> List[EventType]:
        data = state["data"]
        stage = state.get("stage")
        accepted: Any = None
        problem = texts.NOT_UNDERSTOOD
        if value is None and stage in CHOICE_STAGES and _looks_like_question(tracker, intent, text):
            return self._not_understood(dispatcher, tracker, library, state, text, intent, problem)
        if stage == "reason":
            accepted = value if value in dict(texts.REASONS) else _keyword_choice(text, REASON_WORDS)
        elif stage == "role":
            accepted = value if value in dict(texts.ROLES) else _keyword_choice(text, ROLE_WORDS)
        elif stage == "words":
            if data.get("assessment") and (value == "skip" or fold(text).strip(" .!") in SKIP_WORDS):
                accepted = ""
            elif intent != ANSWER_INTENT and len(text.strip()) >= MIN_WORDS_CHARS:
                accepted = text.strip()
            else:
                problem = texts.WORDS_TOO_SHORT
        elif stage == "urgency":
            chosen = value if value in ("urgent", "normal") else urgency_of(text)
            accepted = chosen if chosen in ("urgent", "normal") else None
        elif stage == "method":
            accepted = value if value in ("phone", "secure_message") else (
                "phone" if "puhel" in fold(text) or "soit" in fold(text) else
                "secure_message" if "viest" in fold(text) else None)
        elif stage == "phone":
            accepted = callback_phone(text) if intent != ANSWER_INTENT else None
            problem = texts.PHONE_NOT_VALID
        elif stage == "reach_time":
            accepted = (value or text).strip()[:200] if (value or len(text.strip()) >= 3) else None
        elif stage == "consent":
            return self._consent(dispatcher, tracker, library, state, value, text, intent)
        if accepted is None:
            return self._not_understood(dispatcher, tracker, library, state, text, intent, problem)
        data[stage] = accepted
        if stage == "phone":
            data["phone_display"] = _masked(accepted)
        state["failures"] = 0
        return self.ask_next(dispatcher, tracker, library, state)

    def _not_understood(self, dispatcher, tracker, library, state, text, intent, problem) -> List[EventType]:
        """Another question in the middle is answered, then the form goes on; otherwise ask again."""
        if state.get("stage") not in ("words", "phone", "reach_time") and \
                answer_side_question(dispatcher, tracker, library, intent, text):
            return self.ask_next(dispatcher, tracker, library, state, texts.CONTINUE)
        state["failures"] = state.get("failures", 0) + 1
        if state["failures"] >= MAX_FAILURES:
            dispatcher.utter_message(text=problem + "\n\n" + messages.contact_details(library))
        return self.ask_next(dispatcher, tracker, library, state, problem + "\n\n")

    def _consent(self, dispatcher, tracker, library, state, value, text, intent) -> List[EventType]:
        consent = value if value in ("yes", "no") else consent_of(text, intent)
        if consent is None:
            if answer_side_question(dispatcher, tracker, library, intent, text):
                return self.ask_next(dispatcher, tracker, library, state, texts.CONTINUE)
            return self.ask_next(dispatcher, tracker, library, state, texts.NOT_UNDERSTOOD + "\n\n")
        if consent == "no":
            dispatcher.utter_message(text=texts.NO_CONSENT + "\n\n" + messages.contact_details(library))
            return [SlotSet(CONTACT_FORM_SLOT, None)]
        return self._submit(dispatcher, tracker, library, state)

    def _draft(self, tracker: Tracker, state: dict) -> TicketDraft:
        data = state["data"]
        identity = self._identity(tracker)
        redact = self.runtime.redactor.redact
        assessment = data.get("assessment")
        prefilled = {"recent_messages": [redact(t) for t in _resident_messages(tracker)
                                         if t.strip() != (data.get("words") or "").strip()]}
        if data.get("topic_title"):
            prefilled["topic_title"] = data["topic_title"]
        if data.get("subject"):
            prefilled["subject"] = data["subject"]
        if assessment:
            prefilled["assessment_summary"] = _assessment_line(assessment)
        words = data.get("words") or (f"Itsearvion tulos: {_assessment_line(assessment)}" if assessment else "")
        return TicketDraft(
            conversation_id=tracker.sender_id, channel="identified_chat" if identity else "anonymous_chat",
            contact_role=data["role"], reason=data["reason"], urgency=data["urgency"], resident_words=words,
            contact_method=data.get("method", "phone"), phone=data.get("phone"), reach_time=data.get("reach_time", ""),
            consent_text=CONSENT_TEXT, consent_at=self.runtime.tickets.now(), topic_id=data.get("topic_id"),
            path_id=data.get("path_id"), prefilled=prefilled, assessment=assessment,
            identity_code=identity["code"] if identity else None,
            identity_name=identity.get("name") if identity else None)

    def _submit(self, dispatcher, tracker, library, state) -> List[EventType]:
        store = self.runtime.tickets
        try:
            ticket, created = store.create(self._draft(tracker, state), f"{tracker.sender_id}:{state['form_id']}")
        except StoreUnavailable:
            logger.error("ticket store unavailable; contact request not saved (form kept for a retry)")
            dispatcher.utter_message(text=texts.store_down(library), buttons=[
                _button(texts.BUTTON_RETRY, "yes", form_id=state["form_id"]), _button(texts.BUTTON_CANCEL, "cancel")])
            return [SlotSet(CONTACT_FORM_SLOT, state)]
        except TicketError as error:  # a bug or a changed rule: say so plainly, keep nothing half-done
            logger.error("contact request rejected by the store: %s", error)
            dispatcher.utter_message(text=texts.store_down(library))
            return [SlotSet(CONTACT_FORM_SLOT, None)]
        logger.info("ticket %s %s (%s)", ticket.reference, "created" if created else "already existed", ticket.urgency)
        self._confirm(dispatcher, library, ticket)
        return [SlotSet(CONTACT_FORM_SLOT, None)]

    def _confirm(self, dispatcher, library, ticket) -> None:
        store = self.runtime.tickets
        dispatcher.utter_message(
            text=texts.confirmation(library, ticket.reference, ticket.urgency, ticket.answer_by, store.now(),
                                    store.office_hours, ticket.contact_method),
            json_message={"contact_request": {"reference": ticket.reference, "urgency": ticket.urgency,
                                              "answer_by": ticket.answer_by.isoformat()}})

    def _already_sent(self, dispatcher, tracker, library, form_id: str) -> List[EventType]:
        try:
            ticket = self.runtime.tickets.by_idempotency_key(f"{tracker.sender_id}:{form_id}")
        except StoreUnavailable:
            dispatcher.utter_message(text=texts.store_down(library))
            return []
        if ticket is None:
            dispatcher.utter_message(text=messages.FEEDBACK_NOTHING_TO_RATE)
            return []
        dispatcher.utter_message(text=texts.ALREADY_SENT)
        self._confirm(dispatcher, library, ticket)
        return []

    # -- status check ---------------------------------------------------------------------------
    def _status_start(self, dispatcher, tracker, library, text) -> List[EventType]:
        found = REFERENCE_IN_TEXT.search(text or "")
        reference = normalise_reference(found.group(0)) if found else None
        state = {"mode": "status", "stage": "status_reference", "failures": 0, "data": {}}
        if reference is None:
            dispatcher.utter_message(text=texts.STATUS_ASK_REFERENCE, buttons=[_button(texts.BUTTON_CANCEL, "cancel")])
            return [SlotSet(CONTACT_FORM_SLOT, state)]
        return self._status_check(dispatcher, tracker, library, state, reference, None)

    def _status_answer(self, dispatcher, tracker, library, state, text) -> List[EventType]:
        if state["stage"] == "status_reference":
            found = REFERENCE_IN_TEXT.search(text or "")
            reference = normalise_reference(found.group(0)) if found else None
            if reference is None:
                return self._status_failed(dispatcher, library, state, texts.STATUS_ASK_REFERENCE)
            return self._status_check(dispatcher, tracker, library, state, reference, None)
        digits = re.sub(r"\D", "", text or "")
        if len(digits) < 4:
            return self._status_failed(dispatcher, library, state, texts.STATUS_ASK_DIGITS)
        return self._status_check(dispatcher, tracker, library, state, state["data"]["reference"], digits[-4:])

    def _status_check(self, dispatcher, tracker, library, state, reference, digits) -> List[EventType]:
        store = self.runtime.tickets
        identity = self._identity(tracker)
        try:
            status = store.resident_status(reference, conversation_id=tracker.sender_id, phone_last_digits=digits,
                                           identity_code=identity["code"] if identity else None)
        except StoreUnavailable:
            dispatcher.utter_message(text=texts.store_down(library))
            return [SlotSet(CONTACT_FORM_SLOT, None)]
        if status is not None:
            dispatcher.utter_message(text=texts.status_reply(status.status, status.reference, status.urgency,
                                                             status.answer_by, store.now(), store.office_hours))
            return [SlotSet(CONTACT_FORM_SLOT, None)]
        if digits is None:  # not this conversation's own request: ask for the check digits
            state["data"]["reference"] = reference
            state["stage"] = "status_digits"
            dispatcher.utter_message(text=texts.STATUS_ASK_DIGITS, buttons=[_button(texts.BUTTON_CANCEL, "cancel")])
            return [SlotSet(CONTACT_FORM_SLOT, state)]
        return self._status_failed(dispatcher, library, state, texts.STATUS_NOT_FOUND + " " + texts.STATUS_ASK_DIGITS)

    def _status_failed(self, dispatcher, library, state, ask_again: str) -> List[EventType]:
        state["failures"] = state.get("failures", 0) + 1
        if state["failures"] >= MAX_FAILURES:
            dispatcher.utter_message(text=texts.STATUS_GIVE_UP + "\n\n" + messages.contact_details(library))
            return [SlotSet(CONTACT_FORM_SLOT, None)]
        dispatcher.utter_message(text=ask_again, buttons=[_button(texts.BUTTON_CANCEL, "cancel")])
        return [SlotSet(CONTACT_FORM_SLOT, state)]
