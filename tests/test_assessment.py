"""Self-assessment in the chat: the action's state machine turn by turn (start, free-text answers,
invalid answers, skipping, a question in the middle, stop, item-9 crisis, routing by result,
urgency, consent and the contact-request record)."""
from __future__ import annotations

import dataclasses
import json

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.assessment import ActionAssessment, detect_instrument
from actions.free_text import urgency_of
from actions.contact_request import ContactRequest, PendingContactRequests
from actions.runtime import Runtime
from actions.store.database import make_engine, make_session_factory
from bot.nlu.finnish import FinnishAnalyzer
from bot.redaction import Redactor
from guidance_library.emergency import load_emergency_rules
from guidance_library.live import LiveLibrary
from guidance_library.loader import LibrarySources


@pytest.fixture(scope="module")
def shared_runtime() -> Runtime:
    return Runtime(library=LiveLibrary(LibrarySources(), lambda lib: lib),
                   sessions=make_session_factory(make_engine("sqlite://")), emergency=load_emergency_rules(),
                   redactor=Redactor(FinnishAnalyzer()))


@pytest.fixture()
def runtime(shared_runtime) -> Runtime:
    """The shared runtime with an empty contact-request sink of its own."""
    return dataclasses.replace(shared_runtime, contact_requests=PendingContactRequests())


class Chat:
    """Feeds messages to action_assessment and keeps the slot, as Rasa would."""

    def __init__(self, runtime: Runtime) -> None:
        self.action = ActionAssessment(runtime)
        self.state = None
        self.events: list[dict] = []
        self.last_path_id = None

    def say(self, text: str, intent: str = "ask_guidance", ranking=None, **entities) -> list[dict]:
        if text.startswith("/"):
            intent, _, raw = text[1:].partition("{")
            entities = json.loads("{" + raw) if raw else {}
        message = {"text": text, "intent": {"name": intent, "confidence": 0.9},
                   "entities": [{"entity": k, "value": v} for k, v in entities.items()],
                   "guidance_ranking": ranking or []}
        self.events.append({"event": "user", "text": text})
        tracker = Tracker("resident-7", {"assessment": self.state, "last_path_id": self.last_path_id}, message,
                          self.events, False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        for event in self.action.run(dispatcher, tracker, {}):
            if isinstance(event, dict) and event.get("event") == "slot" and event.get("name") == "assessment":
                self.state = event["value"]
        return dispatcher.messages

    @property
    def active(self) -> bool:
        return bool(self.state)


def texts(replies) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def answer(chat: Chat, points: int):
    return chat.say(f'/assessment_answer{{"points": "{points}"}}')


def test_start_by_name_shows_intro_attribution_and_first_question(runtime):
    chat = Chat(runtime)
    replies = chat.say("haluan tehdä mielialatestin", intent="start_assessment")
    assert "Pfizer" in texts(replies) and "ei ole diagnoosi" in texts(replies)
    assert "1/9." in replies[-1]["text"] and len(replies[-1]["buttons"]) == 4
    assert chat.state["id"] == "phq9"


def test_unclear_request_asks_which_questionnaire(runtime):
    chat = Chat(runtime)
    replies = chat.say("voinko tehdä jonkun testin", intent="start_assessment")
    assert {b["payload"] for b in replies[0]["buttons"]} >= {'/start_assessment{"instrument": "phq9"}'}
    assert not chat.active
    chat.say('/start_assessment{"instrument": "gad7"}')
    assert chat.state["id"] == "gad7"


def test_free_text_answers_low_score_routes_to_self_care_with_contact_anyway(runtime):
    chat = Chat(runtime)
    chat.say("mielialatesti", intent="start_assessment")
    for text in ["en kertaakaan", "ehkä pari kertaa", "ei lainkaan", "2", "ei ollenkaan", "ei", "joskus", "ei", "ei lainkaan"]:
        replies = chat.say(text, intent="deny")
    result = texts(replies)
    assert "Tuloksesi: 4/27" in result and "vähäisiä" in result and "ei ole diagnoosi" in result
    assert any(r.get("custom", {}).get("path_id") == "masennus-omahoito" for r in replies)
    assert "mielenterveystalo.fi" in result
    assert replies[-1]["buttons"][0]["payload"] == '/assessment_answer{"urgency": "normal"}'
    replies = chat.say("ei kiitos", intent="deny")
    assert not chat.active and "ei pyydetä" in texts(replies)
    assert runtime.contact_requests.requests == []


def test_high_score_offers_contact_with_urgency_choice_and_consent_makes_a_typed_record(runtime):
    chat = Chat(runtime)
    chat.say("mielialatesti", intent="start_assessment")
    for points in [2, 2, 2, 2, 1, 1, 0, 0, 0]:
        replies = answer(chat, points)
    assert "Tuloksesi: 10/27" in texts(replies) and "kohtalaisia" in texts(replies)
    assert {b["title"] for b in replies[-1]["buttons"]} >= {"Tarvitsen apua pian", "Pärjään aika hyvin, ei kiirettä"}
    replies = chat.say("pärjään aika hyvin")
    assert chat.state["urgency"] == "normal" and "Saako ne välittää" in texts(replies)
    replies = chat.say("kyllä", intent="affirm")
    assert not chat.active
    [request] = runtime.contact_requests.requests
    assert isinstance(request, ContactRequest) and request.urgency == "normal" and request.consent
    assert request.assessment.instrument == "phq9" and request.assessment.total == 10
    assert request.assessment.answers == {"interest": 2, "low_mood": 2, "sleep": 2, "energy": 2, "appetite": 1,
                                          "self_worth": 1, "concentration": 0, "movement": 0, "self_harm": 0}
    assert request.reference in texts(replies)
    record = request.as_dict()
    assert json.loads(json.dumps(record))["assessment"]["answers"]["sleep"] == 2
    assert "ammattilainen" not in " ".join(record["resident_messages"])  # only what the resident wrote
    with pytest.raises(ValueError):
        dataclasses.replace(request, consent=False)


def test_urgent_choice_and_refused_consent_sends_nothing(runtime):
    chat = Chat(runtime)
    chat.say('/start_assessment{"instrument": "gad7"}')
    for points in [3, 3, 3, 3, 0, 0, 0]:
        answer(chat, points)
    chat.say("tarvitsen apua pian")
    assert chat.state["urgency"] == "urgent"
    replies = chat.say("ei", intent="deny")
    assert not chat.active and runtime.contact_requests.requests == []
    assert "mitään ei välitetä" in texts(replies)


def test_item_9_above_zero_gives_crisis_guidance_at_once_whatever_the_total(runtime):
    chat = Chat(runtime)
    chat.say("mielialatesti", intent="start_assessment")
    for _ in range(8):
        answer(chat, 0)
    replies = chat.say("useana päivänä")
    assert replies[0]["custom"]["emergency"] is True and "09 2525 0111" in replies[0]["text"]
    assert "112" in replies[0]["text"]
    assert "Tuloksesi: 1/27" in texts(replies)
    assert [b["title"] for b in replies[-1]["buttons"]] == ["Tarvitsen apua pian", "En nyt halua yhteydenottoa"]
    chat.say('/assessment_answer{"urgency": "urgent"}')
    chat.say('/assessment_answer{"consent": "yes"}')
    [request] = runtime.contact_requests.requests
    assert request.urgency == "urgent" and request.assessment.crisis and "itsetuhoon" in request.reason


def test_invalid_answers_are_asked_again_then_skip_stop_and_human_are_offered(runtime):
    chat = Chat(runtime)
    chat.say("mielialatesti", intent="start_assessment")
    replies = chat.say("banaani", intent="out_of_scope")
    assert "En ole varma" in replies[-1]["text"] and "1/9." in replies[-1]["text"]
    replies = chat.say("en tiedä", intent="deny")
    titles = [b["title"] for b in replies[-1]["buttons"]]
    assert "Ohita kysymys" in titles and "Lopeta kysely" in titles and any("ihmisen" in t for t in titles)
    chat.say('/assessment_answer{"control": "skip"}')
    assert chat.state["answers"] == {"interest": None}
    replies = chat.say('/assessment_answer{"control": "human"}')
    assert "Ihmisen tavoitat" in texts(replies) and "2/9." in replies[-1]["text"]
    replies = chat.say("lopeta")
    assert not chat.active and "lopetetaan" in texts(replies)


def test_a_question_in_the_middle_is_answered_then_the_questionnaire_continues(runtime):
    chat = Chat(runtime)
    chat.say("alkoholitesti", intent="start_assessment")
    assert chat.state["stage"] == "background"
    chat.say('/assessment_answer{"choice": "20_64"}')
    chat.say("miesten raja")
    assert chat.state["background"] == {"age": "20_64", "sex": "man"}
    ranking = [{"id": "hammashoito-ajanvaraus", "topic": "hammashoito-ajanvaraus", "score": 0.7},
               {"id": "flunssa", "topic": "flunssa", "score": 0.1}]
    replies = chat.say("mistä saan ajan hammaslääkärille kun hammas on lohjennut", ranking=ranking)
    assert replies[0]["custom"]["path_id"] == "hammashoito-ajanvaraus"
    assert "Jatketaan kyselyä" in replies[-1]["text"] and "1/3." in replies[-1]["text"]
    chat.say("pari kertaa viikossa")
    chat.say("yleensä 4 kaljaa")
    replies = chat.say("kerran kuussa")
    assert "Tuloksesi: 6/12" in texts(replies)
    assert chat.state["result"]["threshold"] == 6 and chat.state["result"]["at_or_above"]


def test_never_drinking_ends_auditc_after_one_question(runtime):
    chat = Chat(runtime)
    chat.say("alkoholitesti", intent="start_assessment")
    chat.say('/assessment_answer{"choice": "65_plus"}')
    replies = chat.say("en juo alkoholia ollenkaan")
    assert "Tuloksesi: 0/12" in texts(replies) and chat.state["stage"] == "urgency" and chat.state["below"]


def test_path_offers_its_assessment_and_start_uses_it(runtime):
    from actions.guidance import present_path
    library = runtime.library.current()
    dispatcher = CollectingDispatcher()
    present_path(dispatcher, library.get("alkoholi-itsearvio"), library)
    assert dispatcher.messages[-1]["buttons"][0]["payload"] == '/start_assessment{"instrument": "auditc"}'
    assert detect_instrument("haluun testata mun alkoholinkäyttöä", library) == "auditc"
    assert detect_instrument("tee mulle masennustesti", library) == "phq9"
    assert detect_instrument("itsearvio", library) is None


@pytest.mark.parametrize("text, urgency", [("tarvitsen apua pian", "urgent"), ("pärjään aika hyvin", "normal"),
                                           ("ei ole kiire", "normal"), ("ei kiitos", "none"), ("hmm", None)])
def test_urgency_in_words(text, urgency):
    assert urgency_of(text) == urgency
