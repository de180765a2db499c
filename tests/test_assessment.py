"""Self-assessment in the chat: the action's state machine turn by turn (start, free-text answers,
invalid answers, skipping, a question in the middle, stop, item-9 crisis, routing by result,
urgency, and the hand-over to the contact-request form with the result)."""
from __future__ import annotations

import json

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import form_words, messages
from actions.assessment import ActionAssessment, detect_instrument
from actions.assessment_stages import AssessmentState
from actions.free_text import urgency_of
from actions.runtime import Runtime
from bot.constants import ASSESSMENT_SLOT
from tests.chat_harness import Chat, texts
from tests.conftest import build_runtime


@pytest.fixture()
def runtime(tmp_path, live_library, analyzer) -> Runtime:
    """A runtime over the real library with an empty ticket store of its own."""
    return build_runtime(f"sqlite:///{tmp_path / 'store.db'}", live=live_library, analyzer=analyzer)


def completed_assessments(runtime) -> list[str]:
    from sqlalchemy import select

    from actions.store.models import AnalyticsEvent
    with runtime.sessions() as session:
        return list(session.execute(select(AnalyticsEvent.outcome).where(AnalyticsEvent.kind == "assessment_completed")
                                    ).scalars())


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
    assert runtime.tickets.count() == 0 and chat.form is None
    assert completed_assessments(runtime) == ["phq9:self_care"]  # the route is counted, never the score


def test_high_score_offers_contact_with_urgency_choice_and_the_form_carries_the_result(runtime):
    chat = Chat(runtime)
    chat.say("mielialatesti", intent="start_assessment")
    for points in [2, 2, 2, 2, 1, 1, 0, 0, 0]:
        replies = answer(chat, points)
    assert "Tuloksesi: 10/27" in texts(replies) and "kohtalaisia" in texts(replies)
    assert completed_assessments(runtime) == ["phq9:contact_offered"]
    assert {b["title"] for b in replies[-1]["buttons"]} >= {"Tarvitsen apua pian", "Pärjään aika hyvin, ei kiirettä"}
    replies = chat.say("pärjään aika hyvin")
    assert not chat.active and chat.form["stage"] == "words"  # reason, role and urgency are already known
    assert chat.form["data"]["urgency"] == "normal" and chat.form["data"]["assessment"]["total"] == 10
    assert "liitetään pyyntöön vasta, kun olet lopuksi hyväksynyt" in texts(replies)
    chat.say('/contact_answer{"form_value": "skip"}')
    chat.say("040 765 4321")
    replies = chat.say("iltapäivisin")
    assert "PHQ-9" in texts(replies) and "10/27" in texts(replies) and "040 ••• 4321" in texts(replies)
    assert runtime.tickets.count() == 0  # nothing leaves before consent
    replies = chat.say("kyllä", intent="affirm")
    [ticket] = runtime.tickets.queue(_professional(runtime))
    assert (ticket.urgency, ticket.reason, ticket.contact_role, ticket.phone) == ("normal", "health", "resident",
                                                                                   "+358407654321")
    assert ticket.assessment["instrument"] == "phq9" and ticket.assessment["total"] == 10
    assert ticket.assessment["answers"] == {"interest": 2, "low_mood": 2, "sleep": 2, "energy": 2, "appetite": 1,
                                            "self_worth": 1, "concentration": 0, "movement": 0, "self_harm": 0}
    assert ticket.assessment["band"] and ticket.reach_time == "iltapäivisin"
    assert ticket.reference in texts(replies)


def _professional(runtime):
    from actions.store.accounts import AccountStore
    return AccountStore(runtime.sessions).create("hoitaja", "Hoitaja", "professional", "pitka-salasana-123")


def test_urgent_choice_and_refused_consent_sends_nothing(runtime):
    chat = Chat(runtime)
    chat.say('/start_assessment{"instrument": "gad7"}')
    for points in [3, 3, 3, 3, 0, 0, 0]:
        answer(chat, points)
    chat.say("tarvitsen apua pian")
    assert chat.form["data"]["urgency"] == "urgent"
    chat.say("Ahdistus on pahentunut ja en pysty nukkumaan", intent="ask_guidance")
    chat.say("0401234567")
    chat.say('/contact_answer{"form_value": "Aamupäivällä"}')
    replies = chat.say("ei", intent="deny")
    assert chat.form is None and runtime.tickets.count() == 0
    assert "mitään ei välitetty" in texts(replies)


def test_item_9_above_zero_gives_crisis_guidance_at_once_whatever_the_total(runtime):
    chat = Chat(runtime)
    chat.say("mielialatesti", intent="start_assessment")
    for _ in range(8):
        answer(chat, 0)
    replies = chat.say("useana päivänä")
    assert replies[0]["custom"]["emergency"] is True and "09 2525 0111" in replies[0]["text"]
    assert "112" in replies[0]["text"]
    assert "Tuloksesi: 1/27" in texts(replies)
    assert [b["title"] for b in replies[-1]["buttons"]] == ["Tarvitsen apua pian",
                                                           "Haluan jutella ammattilaisen kanssa nyt chatissa",
                                                           "En nyt halua yhteydenottoa"]
    chat.say('/assessment_answer{"urgency": "urgent"}')
    chat.say('/contact_answer{"form_value": "skip"}')
    chat.say("+358 50 111 2222")
    replies = chat.say('/contact_answer{"form_value": "Milloin tahansa virka-aikana"}')
    assert "itsetuhoon" in texts(replies)  # the resident sees what is passed on
    form_id = chat.form["form_id"]
    chat.say(f'/contact_answer{{"form_value": "yes", "form_id": "{form_id}"}}')
    [ticket] = runtime.tickets.queue(_professional(runtime))
    assert ticket.urgency == "urgent" and ticket.assessment["crisis"] and "itsetuhoon" in ticket.resident_words


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


def test_at_or_above_the_threshold_a_professional_can_be_asked_now_in_the_chat(runtime):
    chat = Chat(runtime)
    chat.say('/start_assessment{"instrument": "gad7"}')
    for points in [3, 3, 3, 3, 0, 0, 0]:
        replies = answer(chat, points)
    live = next(b["payload"] for b in replies[-1]["buttons"] if "nyt chatissa" in b["title"])
    tracker = Tracker(chat.sender, dict(chat.slots), {"text": live, "intent": {"name": "assessment_answer"},
                      "entities": [{"entity": "urgency", "value": "live"}]}, chat.events, False, None, {}, "")
    events = ActionAssessment(runtime).run(CollectingDispatcher(), tracker, {})
    assert {"event": "slot", "timestamp": None, "name": "assessment", "value": None} in events
    assert any(e.get("event") == "followup" and e.get("name") == "action_request_human" for e in events)


# -- the questionnaire's state and words --------------------------------------------------------------------
OLD_ITEMS = {"id": "phq9", "stage": "items", "answers": {"interest": 1, "low_mood": None}, "background": {},
             "failures": 1}
OLD_RESULT = {"id": "phq9", "stage": "urgency", "failures": 0, "crisis": True, "background": {},
              "answers": {"interest": 2, "low_mood": 2, "sleep": 2, "energy": 2, "appetite": 1, "self_worth": 1,
                          "concentration": 0, "movement": 0, "self_harm": 2},
              "result": {"instrument": "phq9", "name": "PHQ-9", "total": 12, "max_score": 27, "threshold": 10,
                         "at_or_above": True, "crisis": True}}


def test_a_questionnaire_saved_before_the_stage_tables_goes_on_where_it_was(runtime):
    """The slot's JSON as the questionnaire stored it before (a tracker saved then): it continues."""
    chat = Chat(runtime)
    chat.slots[ASSESSMENT_SLOT] = json.loads(json.dumps(OLD_ITEMS))
    replies = answer(chat, 2)
    assert replies[-1]["text"].startswith("4/9.") and len(replies[-1]["buttons"]) == 4
    assert chat.state == {**OLD_ITEMS, "failures": 0, "answers": {**OLD_ITEMS["answers"], "sleep": 2}}


def test_a_result_saved_before_the_stage_tables_still_hands_over_to_the_contact_form(runtime):
    chat = Chat(runtime)
    chat.slots[ASSESSMENT_SLOT] = json.loads(json.dumps(OLD_RESULT))
    replies = chat.say("/safety_ok")
    assert [b["title"] for b in replies[-1]["buttons"]] == ["Tarvitsen apua pian",  # no "no hurry" after a crisis
                                                           "Haluan jutella ammattilaisen kanssa nyt chatissa",
                                                           "En nyt halua yhteydenottoa"]
    chat.say('/assessment_answer{"urgency": "urgent"}')
    assert not chat.active and chat.form["stage"] == "words"
    assert chat.form["data"]["assessment"] == OLD_RESULT["result"] and chat.form["data"]["urgency"] == "urgent"


@pytest.mark.parametrize("slot", [OLD_ITEMS, OLD_RESULT, {**OLD_RESULT, "crisis": False, "below": True}])
def test_the_typed_state_writes_back_the_shape_it_read(slot):
    expected = {k: v for k, v in slot.items() if v is not False}  # false flags are left out, as they always were
    assert AssessmentState.from_slot(slot).to_slot() == expected


def test_every_stop_word_ends_the_questionnaire(runtime):
    chat = Chat(runtime)
    for word in form_words.ASSESSMENT_STOP:
        chat.say("mielialatesti", intent="start_assessment")
        answer(chat, 1)
        replies = chat.say(f"{word} nyt", intent="ask_guidance")
        assert not chat.active and texts(replies) == messages.ASSESSMENT_STOPPED, word
    assert runtime.tickets.count() == 0 and chat.form is None
