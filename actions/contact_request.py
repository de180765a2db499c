"""The contact-request form in the chat, and the resident's status check of a request.

One action runs both, keeping its state in the `contact_form` slot (like the self-assessment):
what the matter is about, whose matter it is, the resident's own words, urgency, how and when to be
reached, then a summary and consent; only then is a ticket stored. The questions are the rows of
`actions.contact_stages.CONTACT_STAGES`, walked by `actions.form_engine`; this module starts the
form, reads the words that end it, and does what comes after the last row (summary, consent, the
ticket). Started by a request ("voisiko joku soittaa minulle"), a button on a path, the "not found"
answer, a request for a human, or an assessment result (which pre-fills urgency, reason and the result).

No ticket is lost or doubled: the form has an id, and the ticket store keeps one ticket per
conversation and form id, so a retry or a double click gets the same reference. If the store
cannot be reached the resident is told so, given the phone number, and can try again.
`bot.policies.contact_policy.ContactPolicy` sends every message here while the slot is set.
"""
from __future__ import annotations

import logging
import re
import uuid
from typing import Any, List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import contact_messages as texts
from actions import messages
from actions.contact_stages import (ANSWER_INTENT, CONTACT_STAGES, ContactAnswers, ContactForm, ContactTurn,
                                    button)
from actions.follow_up import subject_label
from actions.form_engine import AFTER_SAFE, Reply, TaskAction, Taken
from actions.form_words import CONTACT_CANCEL, begins_with_one
from actions.free_text import consent_of
from actions.guidance import answer_side_question
from actions.identity import verified_identity
from actions.own_space import ACTION_PROGRAMME_WORSE, WORSE_INTENT, key_of, programme_progress
from actions.runtime import Runtime
from actions.store.identification import IdentificationStore
from actions.store.tickets import (REFERENCE_ALPHABET, StoreUnavailable, TicketDraft, TicketError,
                                   normalise_reference)
from bot.constants import CONTACT_FORM_SLOT, LAST_PATH_SLOT, SAFETY_OK_INTENT, SUBJECT_SLOT
from guidance_library.models import GuidanceLibrary

logger = logging.getLogger(__name__)

START_INTENT = "request_contact"
STATUS_INTENT = "ticket_status"
MAX_FAILURES = 3
RECENT_MESSAGES = 10
REFERENCE_IN_TEXT = re.compile(rf"(?<![A-Za-z0-9])[{REFERENCE_ALPHABET}]{{4}}[\s-]?[{REFERENCE_ALPHABET}]{{4}}"
                               r"(?![A-Za-z0-9])", re.IGNORECASE)
CONSENT_TEXT = ("Asukas hyväksyi, että yhteenvedon tiedot, itsearvion tulos (jos tehty) ja keskustelun viestit "
                "henkilötiedot poistettuina välitetään asiakasohjaukseen yhteydenottoa varten.")


def _resident_messages(tracker: Tracker, limit: int = RECENT_MESSAGES) -> list[str]:
    """What the resident wrote in this conversation (no button payloads), most recent last."""
    texts_ = [str(e.get("text")) for e in tracker.events if e.get("event") == "user" and e.get("text")
              and not str(e.get("text")).startswith("/")]
    return texts_[-limit:]


def _assessment_line(assessment: dict | None) -> str | None:
    """"PHQ-9 mielialakysely, 12/27 pistettä (raja 10)", plus the crisis item when answered."""
    if not assessment:
        return None
    line = (f"{assessment.get('name') or assessment.get('instrument')}, {assessment.get('total')}/"
            f"{assessment.get('max_score')} pistettä (raja {assessment.get('threshold')})")
    return line + ", kuolemaan tai itsetuhoon liittyviä ajatuksia" if assessment.get("crisis") else line


def start_contact_form(dispatcher: CollectingDispatcher, tracker: Tracker, runtime: Runtime,
                       prefill: dict[str, Any] | None = None) -> List[EventType]:
    """Begin the form (called by this action, the self-assessment and the queue); returns the slot events.

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
    form = ContactForm(form_id=uuid.uuid4().hex, data=ContactAnswers.from_dict(data))
    dispatcher.utter_message(text=texts.START_FROM_ASSESSMENT if form.data.assessment
                             else runtime.programme_texts.worse_contact_start if form.data.worse_programme
                             else texts.START)
    action = ActionContactRequest(runtime)
    return action.ask_next(dispatcher, action.turn(Reply.latest(tracker)), library, form)


class ActionContactRequest(TaskAction):
    """The contact-request form and the status check."""

    action_name = "action_contact_request"
    slot_name = CONTACT_FORM_SLOT

    def starts_afresh(self, reply: Reply) -> bool:
        """"Tilanteeni on huonompi" from the own space replaces a form left half-way."""
        return reply.intent == WORSE_INTENT

    def start(self, dispatcher: CollectingDispatcher, reply: Reply, library: GuidanceLibrary,
              slot: Any) -> List[EventType]:
        """A message with no form in progress: a status check, a late button of a finished form, or a new form."""
        if reply.intent == WORSE_INTENT:  # the programme's worse step first (actions/programme.py)
            return [SlotSet(CONTACT_FORM_SLOT, None), FollowupAction(ACTION_PROGRAMME_WORSE)]
        if reply.intent == STATUS_INTENT:  # inside a form, "milloin vain" is an answer, not this
            return self._status_start(dispatcher, reply, library)
        form_id = reply.entity("form_id")
        if reply.intent == ANSWER_INTENT and form_id:  # a late second click on "send": same ticket, same answer
            return self._already_sent(dispatcher, reply.tracker, library, form_id)
        if reply.intent == ANSWER_INTENT:
            dispatcher.utter_message(text=texts.CANCELLED if reply.entity("form_value") == "cancel"
                                     else messages.FEEDBACK_NOTHING_TO_RATE)
            return []
        return start_contact_form(dispatcher, reply.tracker, self.runtime, {"path_id": reply.entity("path_id")})

    def resume(self, dispatcher: CollectingDispatcher, reply: Reply, library: GuidanceLibrary,
               slot: dict) -> List[EventType]:
        form = ContactForm.from_slot(slot)
        if reply.intent == SAFETY_OK_INTENT:  # "Ei ole hätää" after the safety question: the same question again
            if form.mode == "status":
                dispatcher.utter_message(text=AFTER_SAFE.strip())
                return []
            return self.ask_next(dispatcher, self.turn(reply), library, form, AFTER_SAFE)
        if reply.entity("form_value") == "cancel" or (
                reply.intent != ANSWER_INTENT and begins_with_one(reply.text, CONTACT_CANCEL)):
            dispatcher.utter_message(text=texts.CANCELLED)
            return [SlotSet(CONTACT_FORM_SLOT, None)]
        if form.mode == "status":
            return self._status_answer(dispatcher, reply, library, form)
        return self._answer(dispatcher, self.turn(reply), library, form)

    def turn(self, reply: Reply) -> ContactTurn:
        """The rows' view of this turn; the identity counts only while the conversation's identified
        session is live (actions/identity.py)."""
        return ContactTurn(reply, lambda: verified_identity(reply.tracker, IdentificationStore(self.runtime.sessions)))

    # -- the form ------------------------------------------------------------------------------
    def ask_next(self, dispatcher: CollectingDispatcher, turn: ContactTurn, library: GuidanceLibrary,
                 form: ContactForm, prefix: str = "") -> List[EventType]:
        """Ask the next missing answer, or show the summary and ask for consent."""
        data = form.data
        if data.assessment:  # a request after a self-assessment is the resident's own health matter
            data.reason = "health" if data.reason is None else data.reason
            data.role = "resident" if data.role is None else data.role
        if not CONTACT_STAGES.ask(dispatcher, form, turn, prefix):
            form.stage = "consent"
            if data.programmes is None:  # read once, so that the ticket carries what the summary showed
                key = key_of(turn.identity, self.runtime, turn.reply.tracker.sender_id)
                data.programmes = programme_progress(self.runtime, key, library, data.worse_programme) if key else []
            dispatcher.utter_message(text=prefix + self._summary(data))
            dispatcher.utter_message(text=texts.ASK_CONSENT, buttons=[
                button(texts.BUTTON_CONSENT_YES, "yes", form_id=form.form_id), button(texts.BUTTON_CONSENT_NO, "no")])
        return [SlotSet(CONTACT_FORM_SLOT, form.to_slot())]

    def _summary(self, data: ContactAnswers) -> str:
        reason = dict(texts.REASONS).get(data.reason or "", "")
        role = dict(texts.ROLES).get(data.role or "", "")
        lines = [texts.summary(data.as_dict(), reason, role, _assessment_line(data.assessment))]
        lines += [self.runtime.programme_texts.say("summary_programme", title=item.get("title"),
                                                   done=item.get("modules_done"), total=item.get("modules_total"))
                  for item in data.programmes or ()]
        return "\n".join(lines)

    def _answer(self, dispatcher: CollectingDispatcher, turn: ContactTurn, library: GuidanceLibrary,
                form: ContactForm) -> List[EventType]:
        """The reply to a row: kept and the next asked; or another question answered; or asked again."""
        if form.stage == "consent":
            return self._consent(dispatcher, turn, library, form)
        reply = turn.reply
        taken = CONTACT_STAGES.take(form, turn, aside=lambda: answer_side_question(
            dispatcher, reply.tracker, library, reply.intent, reply.text))
        if taken is Taken.KEPT:
            return self.ask_next(dispatcher, turn, library, form)
        if taken is Taken.ASIDE:
            return self.ask_next(dispatcher, turn, library, form, texts.CONTINUE)
        stage = CONTACT_STAGES.row(form.stage)
        problem = stage.problem if stage is not None else texts.NOT_UNDERSTOOD
        if form.failures >= MAX_FAILURES:
            dispatcher.utter_message(text=problem + "\n\n" + messages.contact_details(library))
        return self.ask_next(dispatcher, turn, library, form, problem + "\n\n")

    def _consent(self, dispatcher: CollectingDispatcher, turn: ContactTurn, library: GuidanceLibrary,
                 form: ContactForm) -> List[EventType]:
        reply = turn.reply
        value = turn.value
        consent = value if value in ("yes", "no") else consent_of(reply.text, reply.intent)
        if consent is None:
            if answer_side_question(dispatcher, reply.tracker, library, reply.intent, reply.text):
                return self.ask_next(dispatcher, turn, library, form, texts.CONTINUE)
            return self.ask_next(dispatcher, turn, library, form, texts.NOT_UNDERSTOOD + "\n\n")
        if consent == "no":
            dispatcher.utter_message(text=texts.NO_CONSENT + "\n\n" + messages.contact_details(library))
            return [SlotSet(CONTACT_FORM_SLOT, None)]
        return self._submit(dispatcher, turn, library, form)

    def _draft(self, turn: ContactTurn, form: ContactForm) -> TicketDraft:
        data, identity, tracker = form.data, turn.identity, turn.reply.tracker
        redact = self.runtime.redactor.redact
        assessment = data.assessment
        prefilled: dict[str, Any] = {"recent_messages": [redact(t) for t in _resident_messages(tracker)
                                                         if t.strip() != (data.words or "").strip()]}
        if data.topic_title:
            prefilled["topic_title"] = data.topic_title
        if data.subject:
            prefilled["subject"] = data.subject
        if assessment:
            prefilled["assessment_summary"] = _assessment_line(assessment)
        if data.programmes and identity:  # what the summary showed (actions/programme_progress.py), while identified
            prefilled["programmes"] = data.programmes
        if data.worse_programme:
            prefilled["worse_programme"] = data.worse_programme
        words = data.words or (f"Itsearvion tulos: {_assessment_line(assessment)}" if assessment else
                               self._worse_words(data.worse_programme))
        return TicketDraft(
            conversation_id=tracker.sender_id, channel="identified_chat" if identity else "anonymous_chat",
            contact_role=data.role, reason=data.reason, urgency=data.urgency, resident_words=words,
            contact_method=data.method or "phone", phone=data.phone, reach_time=data.reach_time or "",
            consent_text=CONSENT_TEXT, consent_at=self.runtime.tickets.now(), topic_id=data.topic_id,
            path_id=data.path_id, prefilled=prefilled, assessment=assessment,
            identity_code=identity["code"] if identity else None,
            identity_name=identity.get("name") if identity else None,
            person_key=key_of(identity, self.runtime, tracker.sender_id))

    def _worse_words(self, programme_id: str | None) -> str:
        """The ticket's words when the resident skipped them after "Tilanteeni on huonompi"."""
        if not programme_id:
            return ""
        programme = self.runtime.library.current().programmes.get(programme_id)
        return self.runtime.programme_texts.say("worse_ticket_words", title=programme.title if programme else programme_id)

    def _submit(self, dispatcher: CollectingDispatcher, turn: ContactTurn, library: GuidanceLibrary,
                form: ContactForm) -> List[EventType]:
        store = self.runtime.tickets
        sender = turn.reply.tracker.sender_id
        try:
            ticket, created = store.create(self._draft(turn, form), f"{sender}:{form.form_id}")
        except StoreUnavailable:
            logger.error("ticket store unavailable; contact request not saved (form kept for a retry)")
            dispatcher.utter_message(text=texts.store_down(library), buttons=[
                button(texts.BUTTON_RETRY, "yes", form_id=form.form_id), button(texts.BUTTON_CANCEL, "cancel")])
            return [SlotSet(CONTACT_FORM_SLOT, form.to_slot())]
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
    def _status_start(self, dispatcher: CollectingDispatcher, reply: Reply,
                      library: GuidanceLibrary) -> List[EventType]:
        found = REFERENCE_IN_TEXT.search(reply.text or "")
        reference = normalise_reference(found.group(0)) if found else None
        form = ContactForm(stage="status_reference", mode="status")
        if reference is None:
            dispatcher.utter_message(text=texts.STATUS_ASK_REFERENCE, buttons=[button(texts.BUTTON_CANCEL, "cancel")])
            return [SlotSet(CONTACT_FORM_SLOT, form.to_slot())]
        return self._status_check(dispatcher, reply.tracker, library, form, reference, None)

    def _status_answer(self, dispatcher: CollectingDispatcher, reply: Reply, library: GuidanceLibrary,
                       form: ContactForm) -> List[EventType]:
        text = reply.text
        if form.stage == "status_reference":
            found = REFERENCE_IN_TEXT.search(text or "")
            reference = normalise_reference(found.group(0)) if found else None
            if reference is None:
                return self._status_failed(dispatcher, library, form, texts.STATUS_ASK_REFERENCE)
            return self._status_check(dispatcher, reply.tracker, library, form, reference, None)
        digits = re.sub(r"\D", "", text or "")
        if len(digits) < 4:
            return self._status_failed(dispatcher, library, form, texts.STATUS_ASK_DIGITS)
        return self._status_check(dispatcher, reply.tracker, library, form, form.data.reference, digits[-4:])

    def _status_check(self, dispatcher: CollectingDispatcher, tracker: Tracker, library: GuidanceLibrary,
                      form: ContactForm, reference: str | None, digits: str | None) -> List[EventType]:
        store = self.runtime.tickets
        identity = verified_identity(tracker, IdentificationStore(self.runtime.sessions))
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
            form.data.reference = reference
            form.stage = "status_digits"
            dispatcher.utter_message(text=texts.STATUS_ASK_DIGITS, buttons=[button(texts.BUTTON_CANCEL, "cancel")])
            return [SlotSet(CONTACT_FORM_SLOT, form.to_slot())]
        return self._status_failed(dispatcher, library, form, texts.STATUS_NOT_FOUND + " " + texts.STATUS_ASK_DIGITS)

    def _status_failed(self, dispatcher: CollectingDispatcher, library: GuidanceLibrary, form: ContactForm,
                       ask_again: str) -> List[EventType]:
        form.failures += 1
        if form.failures >= MAX_FAILURES:
            dispatcher.utter_message(text=texts.STATUS_GIVE_UP + "\n\n" + messages.contact_details(library))
            return [SlotSet(CONTACT_FORM_SLOT, None)]
        dispatcher.utter_message(text=ask_again, buttons=[button(texts.BUTTON_CANCEL, "cancel")])
        return [SlotSet(CONTACT_FORM_SLOT, form.to_slot())]
