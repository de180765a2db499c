"""Answering from the guidance library, and the "Oliko tästä apua?" feedback."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import messages
from actions.guidance_decision import Decision, Outcome, decide
from actions.base import LibraryAction, RuntimeAction, latest_entity
from actions.store.analytics import record_event, record_quietly
from actions.store.feedback import record_feedback
from actions.store.gaps import record_gap
from actions.emergency import ask_safety_question
from actions.follow_up import (Cues, is_follow_up, lean_on_topic, names_a_new_subject, past_the_shown_path,
                               prefer_named_audience, ranking_in_context, read_cues, resolve, weigh_facet)
from bot.constants import (GUIDANCE_IN_CONTEXT, GUIDANCE_RANKING, LAST_PATH_SLOT, OFF_TOPIC, SAFETY, SUBJECT_SLOT,
                           ALWAYS_ASKED, EASE_SCORE, TOPIC_SLOT, UNCERTAIN_TIER)
from guidance_library.instruments import fold
from guidance_library.models import GuidanceLibrary, GuidancePath
from guidance_library.rendering import render_path

logger = logging.getLogger(__name__)
CHOOSE_PATH_INTENT = "choose_path"


MAX_FOLLOW_UPS = 4
TEST_WORDS = ("testi", "testa", "kysely", "kyselyn", "itsearvi", "seula", "mittari")
SIDE_QUESTION_INTENTS = {"ask_guidance", "choose_path", "out_of_scope", "nlu_fallback", "bot_capabilities"}
SIDE_QUESTION_MIN_WORDS = 7  # shorter texts in the middle of a task are more likely answers than questions


def path_buttons(paths: list[GuidancePath]) -> list[dict[str, str]]:
    """One button per path, choosing it without NLU."""
    return [{"title": p.title, "payload": messages.payload(CHOOSE_PATH_INTENT, path_id=p.id)} for p in paths]


def leave_request_button(path_id: str | None = None) -> dict[str, str]:
    """Starts the contact-request form (with the path the conversation was on)."""
    entities = {"path_id": path_id} if path_id else {}
    return {"title": messages.BUTTON_LEAVE_REQUEST, "payload": messages.payload("request_contact", **entities)}


def assessment_start_button(instrument: Any) -> dict[str, str]:
    """Starts the self-assessment `instrument` without NLU."""
    return {"title": messages.assessment_button(instrument.name),
            "payload": messages.payload("start_assessment", instrument=instrument.id)}


def offer_assessment(dispatcher: CollectingDispatcher, instrument: Any) -> None:
    """The resident asked for a test: the self-assessment, offered at once."""
    dispatcher.utter_message(text=messages.ASSESSMENT_FIRST.format(name=instrument.name),
                             buttons=[assessment_start_button(instrument)])


def show_path_text(dispatcher: CollectingDispatcher, path: GuidancePath, library: GuidanceLibrary) -> None:
    """The path's answer alone, with path_id/topic/title/links as custom data."""
    rendered = render_path(path, library)
    dispatcher.utter_message(text=rendered.text, json_message={
        "path_id": path.id, "topic": path.topic, "title": rendered.title,
        "links": [{"name": link.name, "url": link.url} for link in rendered.links],
    })


def present_path(dispatcher: CollectingDispatcher, path: GuidancePath, library: GuidanceLibrary,
                 also: tuple[str, ...] = (), assessment_first: bool = False) -> None:
    """The path's answer (with path_id/topic as custom data), feedback question and follow-ups
    (`also`: paths that matched the question nearly as well, offered first). `assessment_first`: the
    resident asked for a test, so the path's self-assessment is offered before the answer."""
    instrument = library.instruments.get(path.follow_ups.assessment or "")
    if assessment_first and instrument is not None:
        offer_assessment(dispatcher, instrument)
    show_path_text(dispatcher, path, library)
    dispatcher.utter_message(text=messages.FEEDBACK_QUESTION, buttons=[
        {"title": messages.BUTTON_HELPFUL, "payload": messages.payload("feedback", helpful="yes", path_id=path.id)},
        {"title": messages.BUTTON_NOT_HELPFUL, "payload": messages.payload("feedback", helpful="no", path_id=path.id)},
    ])
    related_ids = [i for i in dict.fromkeys((*also, *path.follow_ups.related)) if i != path.id]
    related = [p for p in (library.get(r) for r in related_ids) if p is not None][:MAX_FOLLOW_UPS]
    buttons = path_buttons(related)
    if instrument is not None and not assessment_first:
        buttons.insert(0, assessment_start_button(instrument))
    if path.follow_ups.contact_request:
        buttons.append(leave_request_button(path.id))
    if buttons:
        dispatcher.utter_message(text=messages.FOLLOW_UP_PROMPT, buttons=buttons)


def side_decision(tracker: Tracker) -> Decision:
    """What the guidance decision would make of the latest message."""
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    return decide(message.get(GUIDANCE_RANKING) or [], intent.get("name"), float(intent.get("confidence") or 0.0))


def answer_side_question(dispatcher: CollectingDispatcher, tracker: Tracker, library: GuidanceLibrary,
                         intent: str | None, text: str) -> bool:
    """Answer another question asked in the middle of a task (an assessment, a form): a path or a
    choice of paths. False if the message is no such question."""
    if intent not in SIDE_QUESTION_INTENTS or not text:
        return False
    if intent == CHOOSE_PATH_INTENT:
        decision = Decision(Outcome.ANSWER, (latest_entity(tracker, "path_id") or "",))
    elif text.startswith("/"):
        return False
    else:
        decision = side_decision(tracker)
    if decision.outcome is Outcome.ANSWER and library.get(decision.path_ids[0]):
        present_path(dispatcher, library.get(decision.path_ids[0]), library, decision.also)
        return True
    if decision.outcome is Outcome.CLARIFY:
        choices = [p for p in (library.get(i) for i in decision.path_ids) if p is not None]
        dispatcher.utter_message(text=messages.CLARIFY, buttons=path_buttons(choices))
        return True
    return False


URGENT_KIND = "kiire"


def on_an_urgent_topic(decision: Decision, library: GuidanceLibrary) -> bool:
    """The answer would be an urgent path: of an urgent topic (the catalogue's kind `kiire`), or itself marked
    urgent in a topic that is not (`huumeet-yliannostus` in `huumeet`)."""
    if decision.outcome is not Outcome.ANSWER or not decision.path_ids:
        return False
    path = library.get(decision.path_ids[0])
    topic = library.topics.get(path.topic) if path is not None else None
    return path is not None and (path.kind == URGENT_KIND or topic is not None and topic.kind == URGENT_KIND)


def has_risk_signal(message: Dict[str, Any]) -> bool:
    """The safety net saw a trace of risk in the message (bot.nlu.safety_net: `signal`)."""
    verdict = message.get(SAFETY) or {}
    return isinstance(verdict, dict) and bool(verdict.get("signal"))


def classifier_was_unsure(message: Dict[str, Any]) -> bool:
    """The risk classifier alone was unsure about the message, and the answer goes ahead (a plain
    question, bot.nlu.safety_net.eased; or a follow-up in a topic, bot/policies/emergency_policy.py):
    it gets the 112 line."""
    verdict = message.get(SAFETY) or {}
    return isinstance(verdict, dict) and (bool(verdict.get("eased")) or verdict.get("tier") == UNCERTAIN_TIER
                                          and list(verdict.get("layers") or []) == ["classifier"])


def safety_note(message: Dict[str, Any], library: GuidanceLibrary) -> str:
    """The line before an answer the safety net was unsure about: 112; and the crisis line too when the risk
    classifier's guess was suicidal thoughts (bot.nlu.safety_net.SUICIDE_GUESS_FLOOR)."""
    verdict = message.get(SAFETY) or {}
    crisis = library.contact("crisis_line")
    if isinstance(verdict, dict) and verdict.get("category") in ALWAYS_ASKED and crisis is not None and crisis.phone:
        return messages.SAFETY_NOTE_CRISIS.format(phone=crisis.phone)
    return messages.SAFETY_NOTE


def asks_for_a_test(text: str) -> bool:
    """"voisinko tehdä jonkun testin", "onko jotain kyselyä": the resident wants a self-assessment."""
    return any(word.startswith(TEST_WORDS) for word in fold(text).split())


def present_decision(dispatcher: CollectingDispatcher, decision: Decision,
                     library: GuidanceLibrary, subject: str | None = None, text: str = "") -> List[EventType] | None:
    """The path of an answer, or the choice of paths of a question back; None for the other outcomes.
    The conversation's state follows: the topic of what was shown, and whom the matter concerns
    (`subject`, or the audience of a path shown for one group only)."""
    path = library.get(decision.path_ids[0]) if decision.outcome is Outcome.ANSWER else None
    if path is not None:
        present_path(dispatcher, path, library, decision.also, assessment_first=asks_for_a_test(text))
        if subject is None and len(path.audience) == 1:
            subject = path.audience[0]
        return [SlotSet(LAST_PATH_SLOT, path.id), SlotSet(TOPIC_SLOT, path.topic), SlotSet(SUBJECT_SLOT, subject)]
    if decision.outcome is Outcome.CLARIFY:
        choices = [p for p in (library.get(i) for i in decision.path_ids) if p is not None]
        dispatcher.utter_message(text=messages.CLARIFY, buttons=path_buttons(choices))
        # The best guess of the topic stays, so that "entä lapselle?" after a question back still has one.
        return [SlotSet(LAST_PATH_SLOT, None), SlotSet(TOPIC_SLOT, choices[0].topic if choices else None),
                SlotSet(SUBJECT_SLOT, subject)]
    return None


def answer_pending_question(dispatcher: CollectingDispatcher, tracker: Tracker, runtime: Any,
                            pending: Dict[str, Any]) -> List[EventType]:
    """After "Ei ole hätää": answer the question that the safety question interrupted, from its saved
    ranking; never an out-of-scope or not-found answer (the resident is asked to tell more)."""
    library = runtime.library.current()
    intent = pending.get("intent") or {}
    decision = decide(pending.get(GUIDANCE_RANKING) or [], intent.get("name"), float(intent.get("confidence") or 0.0),
                      off_topic=bool(pending.get(OFF_TOPIC)))
    presented = present_decision(dispatcher, decision, library)
    if presented is not None:
        return presented
    dispatcher.utter_message(text=messages.SAFE_ASK_AGAIN, buttons=[
        {"title": messages.BUTTON_CONTACT, "payload": messages.payload("ask_human")}, leave_request_button()])
    return [SlotSet(LAST_PATH_SLOT, None)]


def answer_below_safety_question(dispatcher: CollectingDispatcher, tracker: Tracker,
                                 runtime: Any) -> List[EventType] | None:
    """Below the safety question, the text of the path the message asked for, when only the risk classifier
    was unsure (no sign the rules or the reader saw; its score below 0.5) and the assistant is sure of the path (its decision is an
    answer, as action_guidance would give) and the path is not urgent (on_an_urgent_topic). The question stays first,
    with 112 and its buttons, and remains the only question on screen: no feedback question or follow-up
    buttons below it, so a typed "ei" still answers the safety question. A resident with an ordinary question
    ("oon tosi yksinäinen eikä oo ketään kenen kanssa puhua") is not left without an answer until they reply.
    None (nothing shown) otherwise: the message then waits for "Ei ole hätää" as before."""
    message = tracker.latest_message or {}
    text = str(message.get("text") or "")
    verdict = message.get(SAFETY) or {}
    if not text or text.startswith("/") or message.get(OFF_TOPIC) or not isinstance(verdict, dict) \
            or list(verdict.get("layers") or []) != ["classifier"] \
            or float(verdict.get("score") or 0.0) >= EASE_SCORE:  # fairly sure of danger: the question alone
        return None
    library = runtime.library.current()
    cues = read_cues(text)
    subject = cues.audience or tracker.get_slot(SUBJECT_SLOT)
    current = library.get(tracker.get_slot(LAST_PATH_SLOT) or "")
    decision = ActionGuidance._decide(tracker, library, message, message.get("intent") or {}, cues, subject, current)
    path = library.get(decision.path_ids[0]) if decision.outcome is Outcome.ANSWER else None
    if path is None or on_an_urgent_topic(decision, library):
        return None
    dispatcher.utter_message(text=messages.SAFE_MEANWHILE)
    show_path_text(dispatcher, path, library)
    record_quietly(runtime.sessions, "guidance", tracker.sender_id, outcome=decision.outcome.value,
                   path_id=path.id, topic_id=path.topic)
    if subject is None and len(path.audience) == 1:
        subject = path.audience[0]
    return [SlotSet(LAST_PATH_SLOT, path.id), SlotSet(TOPIC_SLOT, path.topic), SlotSet(SUBJECT_SLOT, subject)]


def topic_first(decision: Decision, library: GuidanceLibrary, topic: str | None) -> Decision:
    """A question back offers the conversation's own topic first."""
    if decision.outcome is not Outcome.CLARIFY or not topic:
        return decision
    in_topic = [i for i in decision.path_ids if getattr(library.get(i), "topic", None) == topic]
    return Decision(Outcome.CLARIFY, tuple(dict.fromkeys((*in_topic, *decision.path_ids))))


class ActionGuidance(LibraryAction):
    """Answers from the guidance library: the best path, a choice of 2-3, or an honest "not found"."""

    action_name = "action_guidance"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                library: GuidanceLibrary) -> List[EventType]:
        message = tracker.latest_message or {}
        intent = message.get("intent") or {}
        text = str(message.get("text") or "")
        cues = read_cues(text) if not text.startswith("/") else None
        subject = (cues.audience if cues else None) or tracker.get_slot(SUBJECT_SLOT)
        current = library.get(tracker.get_slot(LAST_PATH_SLOT) or "")
        instrument = library.instruments.get(current.follow_ups.assessment or "") if current is not None else None
        if instrument is not None and asks_for_a_test(text):
            offer_assessment(dispatcher, instrument)  # "voisinko tehdä jonkun testin" after the depression path
            return []
        if intent.get("name") == CHOOSE_PATH_INTENT:
            decision = Decision(Outcome.ANSWER, (latest_entity(tracker, "path_id") or "",))
        else:
            decision = self._decide(tracker, library, message, intent, cues, subject, current)
        logger.debug("guidance decision %s for %s", decision, tracker.sender_id)
        if has_risk_signal(message) and decision.outcome in (Outcome.OUT_OF_SCOPE, Outcome.NO_MATCH):
            # The out-of-scope guard: a message with any trace of risk is never turned away.
            return [SlotSet(LAST_PATH_SLOT, None), *ask_safety_question(dispatcher, tracker, self.runtime)]
        if decision.outcome is not Outcome.ANSWER and intent.get("name") != CHOOSE_PATH_INTENT:
            ranking = message.get(GUIDANCE_RANKING) or []
            self._record_gap(str(message.get("text") or ""), decision.outcome.value,
                             str(ranking[0]["id"]) if ranking else None)
        answered = library.get(decision.path_ids[0]) if decision.outcome is Outcome.ANSWER else None
        record_quietly(self.runtime.sessions, "guidance", tracker.sender_id, outcome=decision.outcome.value,
                       path_id=answered.id if answered else None, topic_id=answered.topic if answered else None)
        if decision.outcome is Outcome.ANSWER and answered is None:
            dispatcher.utter_message(text=messages.PATH_MISSING)
            return [SlotSet(LAST_PATH_SLOT, None)]
        if classifier_was_unsure(message) and decision.outcome in (Outcome.ANSWER, Outcome.CLARIFY) \
                or has_risk_signal(message) and on_an_urgent_topic(decision, library):
            # A trace of risk on an urgent topic's path (kind kiire: poisoning, 112 ...) gets the 112 line
            # first and then that path, whose urgent signs name 112 too; no safety question before it (see
            # bench/RESULTS.md: that question caught no blind danger message and was asked of about one
            # blind hard negative in thirty)
            dispatcher.utter_message(text=safety_note(message, library))
        presented = present_decision(dispatcher, decision, library, subject, text)
        if presented is not None:
            if answered is not None:
                from actions.programme import offer_on_path  # imported here: actions.programme builds on this module
                offer_on_path(dispatcher, tracker, self.runtime, library, answered.id)
            return presented
        buttons = [{"title": messages.BUTTON_CONTACT, "payload": messages.payload("ask_human")}]
        if decision.outcome is Outcome.OUT_OF_SCOPE:
            dispatcher.utter_message(text=messages.OUT_OF_SCOPE, buttons=buttons)
        else:
            dispatcher.utter_message(text=messages.NO_MATCH, buttons=[*buttons, leave_request_button()])
        return [SlotSet(LAST_PATH_SLOT, None)]

    @staticmethod
    def _decide(tracker: Tracker, library: GuidanceLibrary, message: Dict[str, Any], intent: Dict[str, Any],
                cues: Cues | None, subject: str | None, current: GuidancePath | None) -> Decision:
        """In a conversation with a topic, unless the message clearly names a new subject: decided on
        its ranking read with the earlier messages (a follow-up whose best path is the topic's own is
        answered), else a follow-up is resolved within the topic (actions/follow_up.py); any other
        message is ranked afresh, with the adult's path when nobody else is named."""
        ranking = message.get(GUIDANCE_RANKING) or []
        in_context = message.get(GUIDANCE_IN_CONTEXT) or []
        topic = tracker.get_slot(TOPIC_SLOT) or (current.topic if current is not None else None)
        if cues is not None and topic and not message.get(OFF_TOPIC) and not names_a_new_subject(cues, ranking, topic):
            if in_context:  # read with the earlier messages
                contextual = ranking_in_context(ranking, in_context, library, cues, subject, current, topic)
                decision = decide(contextual, intent.get("name"), float(intent.get("confidence") or 0.0))
                decision = prefer_named_audience(decision, contextual, library, subject)
                if decision.outcome is Outcome.CLARIFY and is_follow_up(cues):
                    decision = lean_on_topic(decision, contextual, library, topic)
                if is_follow_up(cues):
                    decision = past_the_shown_path(decision, contextual, ranking, library, cues, subject, current,
                                                   topic)
                if decision.outcome in (Outcome.ANSWER, Outcome.CLARIFY):
                    return topic_first(decision, library, topic)
            if is_follow_up(cues):  # never "not found" while there is a topic to lean on
                resolved = resolve(library, topic, current, cues, subject, ranking, in_context)
                if resolved.outcome is not Outcome.NO_MATCH:
                    return resolved
        if cues is not None:
            ranking = weigh_facet(ranking, library, cues)
        decision = decide(ranking, intent.get("name"), float(intent.get("confidence") or 0.0),
                          off_topic=bool(message.get(OFF_TOPIC)))
        decision = prefer_named_audience(decision, ranking, library, subject)
        return topic_first(decision, library, topic)

    def _record_gap(self, text: str, outcome: str, best_path_id: str | None) -> None:
        """Keep the question (personal data removed) for the editors' gap report; never fail the answer."""
        if not text or text.startswith("/"):
            return
        try:
            with self.runtime.sessions() as session, session.begin():
                record_gap(session, self.runtime.redactor.redact(text), outcome, best_path_id)
        except SQLAlchemyError:
            logger.exception("Could not store an unanswered question")


class ActionStoreFeedback(RuntimeAction):
    """Stores "Oliko tästä apua?" for the path just shown (button, or a plain yes/no)."""

    def name(self) -> Text:
        return "action_store_feedback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[EventType]:
        runtime = self.runtime
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        path_id = latest_entity(tracker, "path_id") or tracker.get_slot(LAST_PATH_SLOT)
        helpful_value = latest_entity(tracker, "helpful")
        helpful = helpful_value == "yes" if helpful_value is not None else intent == "affirm"
        path = runtime.library.current().get(path_id) if path_id else None
        if path is None:
            dispatcher.utter_message(text=messages.FEEDBACK_NOTHING_TO_RATE)
            return []
        try:
            with runtime.sessions() as session, session.begin():
                record_feedback(session, path.id, helpful)
                record_event(session, "feedback", tracker.sender_id, path_id=path.id, topic_id=path.topic,
                             outcome="helpful" if helpful else "not_helpful")
        except SQLAlchemyError:
            logger.exception("Could not store feedback for path %s", path_id)
            dispatcher.utter_message(text=messages.STORE_FAILED)
            return [SlotSet(LAST_PATH_SLOT, None)]
        if helpful:
            dispatcher.utter_message(text=messages.FEEDBACK_THANKS_HELPFUL)
        else:
            dispatcher.utter_message(text=messages.FEEDBACK_THANKS_NOT_HELPFUL, buttons=[
                {"title": messages.BUTTON_CONTACT, "payload": messages.payload("ask_human")},
                leave_request_button(path_id)])
        return [SlotSet(LAST_PATH_SLOT, None)]
