"""Conversation state and follow-up resolution (actions/follow_up.py)."""
from __future__ import annotations

import pytest

from actions.follow_up import is_follow_up, read_cues, read_subject


@pytest.mark.parametrize("text, audience", [
    ("entä lapselle?", "child"), ("hän on 85", "elderly"), ("olen opiskelija", "student"),
    ("se on vauva", "baby"), ("poika on 7-vuotias", "child"), ("olen raskaana", "pregnant"),
    ("mummo on muistisairas", "elderly"), ("tytar on 15 v", "teen"), ("paljonko se maksaa?", None),
    ("kauanko käsittely kestää 2 viikkoa?", None), ("miten varaan ajan hammashoitoon", None),
    ("hampaat pitäis tarkastaa, viimeks kävin 10 vuotta sitten", None), ("oon ollu sairaana jo 3 vuotta", None),
    ("meidan vauva ei vielä käänny ollenkaan", "baby"), ("äiti on jo 90-vuotias", "elderly"),
    ("hän on jo 80 v", "elderly"), ("olen 75 v sit kysyisin", "elderly"),
    ("opinnot stressaa niin etten nuku oon ihan loppu", "student"), ("tenttiviikko ja en saa unta", "student"),
    ("olen viikolla 10 raskaana", "pregnant"), ("täytän ensi viikolla 70 v", "elderly"), ("oon lukiossa", "student"),
])
def test_whom_a_message_is_about(text, audience):
    assert read_subject(text) == audience


@pytest.mark.parametrize("text, facet", [
    ("paljonko se maksaa?", "fees"), ("mita se maksaa", "fees"), ("entä jos se hylätään?", "decision"),
    ("sain kielteisen päätöksen", "decision"), ("kauanko hakemuksen käsittely kestää", "processing"),
    ("mistä sitä haetaan?", "apply"), ("tarviiko siihen lähetteen?", "documents"), ("miten varaan ajan", "booking"),
    ("voiko sen hoitaa netissä", "digital"), ("entä lapselle?", None),
    ("entä jos kela hylkää sen?", "decision"), ("mitä jos tulee hylky?", "decision"), ("korvaako kela sen", "fees"),
    ("paljonko maksaa jos en saa kelakorvausta", "fees"), ("en saa maksettua laskua", "fees"),
    ("entä jos en saa sitä?", "decision"),
])
def test_which_facet_a_message_asks_for(text, facet):
    assert read_cues(text).facet == facet


@pytest.mark.parametrize("text", ["entä lapselle?", "paljonko se maksaa?", "mitä jos se hylätään", "olen opiskelija",
                                  "hän on 85", "kauanko se kestää", "entäs aikuiselle", "ok, entä jos ei myönnetä?"])
def test_follow_ups_are_recognised(text):
    assert is_follow_up(read_cues(text))


@pytest.mark.parametrize("text", ["miten saan ajan hammashoitoon", "tarvitsen kuljetuspalvelun",
                                  "mulla on ollut kuumetta kolme päivää ja kurkku on kipeä",
                                  "missä on lähin terveysasema"])
def test_questions_of_their_own_are_not_follow_ups(text):
    assert not is_follow_up(read_cues(text))


@pytest.mark.parametrize("intent, text, confidence, meant", [
    ("goodbye", "se hylättiin", 0.99, False), ("goodbye", "hei hei", 0.99, True), ("goodbye", "kiitos ja hei", 0.95, True),
    ("ask_human", "miten puhdistan proteesin kun se on tosi likainen", 0.97, False),
    ("ask_human", "haluan puhua ihmisen kanssa", 0.97, True), ("ask_human", "voinko puhua hoitajan kanssa", 0.6, False),
    ("ticket_status", "miten tilaan matkan?", 0.95, False), ("ticket_status", "mikä on yhteydenottopyyntöni tilanne", 0.95, True),
    ("thank", "kiitos", 0.99, True), ("thank", "kiitos, entä lapselle?", 0.95, False),
    ("affirm", "olen raskaana", 0.99, False), ("affirm", "joo kiitos", 0.99, True), ("deny", "ei auttanut", 0.95, True),
    ("start_assessment", "miten haen sitä", 0.95, False), ("start_assessment", "haluan tehdä masennustestin", 0.95, True),
    ("bot_capabilities", "mitä teen?", 0.97, False), ("bot_capabilities", "mitä osaat?", 0.97, True),
    ("ask_human", "minne soitan", 0.97, False), ("goodbye", "kiitti moi", 0.97, True),
    ("bot_capabilities", "oletko ihminen?", 0.97, True), ("request_contact", "voitteko soittaa?", 0.97, True),
])
def test_a_closing_intent_takes_a_message_only_when_it_means_it(intent, text, confidence, meant):
    from bot.policies.context_policy import means_it

    assert means_it(intent, text, confidence) is meant


# --- the guidance action with the conversation's state, over the real library -------------------------------

@pytest.fixture(scope="module")
def runtime():
    from tests.conftest import build_runtime

    return build_runtime()


def ask(runtime, text, slots=None, ranking=None, intent="ask_guidance"):
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.guidance import ActionGuidance

    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [],
               "guidance_ranking": ranking or []}
    tracker = Tracker("conv-follow", dict(slots or {}), message, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = ActionGuidance(runtime).run(dispatcher, tracker, {})
    shown = [m["custom"]["path_id"] for m in dispatcher.messages if (m.get("custom") or {}).get("path_id")]
    offered = [json_payload(b["payload"]) for m in dispatcher.messages for b in m.get("buttons") or []
               if b["payload"].startswith("/choose_path")]
    return shown, offered, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, dispatcher.messages


def json_payload(payload):
    import json

    return json.loads(payload[len("/choose_path"):])["path_id"]


DENTAL = {"topic": "hammashoito-ajanvaraus", "last_path_id": "hammashoito-ajanvaraus"}
ELSEWHERE_FEES = [{"id": "asiakasmaksut", "topic": "asiakasmaksut", "score": 0.2},
                  {"id": "lasku-ja-perinta", "topic": "lasku-ja-perinta", "score": 0.19}]


def test_what_does_it_cost_after_dental_booking_is_the_dental_fees_path(runtime):
    shown, _, slots, _ = ask(runtime, "mitä se maksaa?", DENTAL, ELSEWHERE_FEES)
    assert shown == ["hammashoito-ajanvaraus-maksut"]
    assert slots["topic"] == "hammashoito-ajanvaraus" and slots["subject"] is None


def test_a_student_moves_to_the_topic_s_student_path(runtime):
    shown, _, slots, _ = ask(runtime, "olen opiskelija", DENTAL)
    assert shown == ["hammashoito-ajanvaraus-opiskelija"] and slots["subject"] == "student"


def test_the_person_named_stays_for_the_next_follow_up(runtime):
    shown, _, slots, _ = ask(runtime, "entä raskaana?", {**DENTAL, "subject": None})
    assert shown == ["hammashoito-ajanvaraus-raskaus"] and slots["subject"] == "pregnant"


def test_a_follow_up_in_a_topic_is_never_not_found(runtime):
    shown, offered, _, messages = ask(runtime, "entä sitten?", DENTAL, [])
    assert shown or offered
    assert not any("En valitettavasti löytänyt" in (m.get("text") or "") for m in messages)


def test_a_clear_new_subject_is_routed_fresh(runtime):
    ranking = [{"id": "omaishoidon-tuki", "topic": "omaishoidon-tuki", "score": 0.6},
               {"id": "hammashoito-ajanvaraus-maksut", "topic": "hammashoito-ajanvaraus", "score": 0.1}]
    shown, _, slots, _ = ask(runtime, "miten haen omaishoidon tukea äidille", DENTAL, ranking)
    assert shown == ["omaishoidon-tuki"] and slots["topic"] == "omaishoidon-tuki"


def test_nobody_named_means_the_adult_s_path(runtime):
    ranking = [{"id": "hammassarky-kiireellinen-lapsi", "topic": "hammassarky-kiireellinen", "score": 0.42},
               {"id": "hammassarky-kiireellinen", "topic": "hammassarky-kiireellinen", "score": 0.40}]
    shown, _, _, _ = ask(runtime, "hammasta särkee", {}, ranking)
    assert shown == ["hammassarky-kiireellinen"]
    shown, _, slots, _ = ask(runtime, "lapsen hammasta särkee", {}, ranking)
    assert shown == ["hammassarky-kiireellinen-lapsi"] and slots["subject"] == "child"


def test_asking_for_a_test_offers_the_self_assessment_first(runtime):
    from guidance_library.loader import load_library

    library = load_library()
    path = next(p for p in library.paths if p.follow_ups.assessment == "phq9")
    _, _, _, messages = ask(runtime, "oon ollu tosi alakuloinen, voisinko tehdä jonkun testin", {},
                            [{"id": path.id, "topic": path.topic, "score": 0.6}])
    assert any(b["payload"].startswith("/start_assessment") for b in messages[0].get("buttons") or [])
    assert (messages[1].get("custom") or {}).get("path_id") == path.id


def test_a_person_the_topic_has_no_path_for_is_looked_for_in_the_area(runtime):
    shown, offered, slots, _ = ask(runtime, "entä lapselle?", DENTAL, [])
    assert "lasten-hammashoito" in shown + offered and slots["subject"] == "child"


def test_a_follow_up_on_an_urgent_topic_just_shown_is_not_asked_about_danger_again(runtime):
    urgent = {"topic": "hammassarky-kiireellinen", "last_path_id": "hammassarky-kiireellinen"}
    message_ranking = [{"id": "lasten-paivystys", "topic": "lasten-paivystys", "score": 0.11}]
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.guidance import ActionGuidance

    message = {"text": "entä lapsella?", "intent": {"name": "ask_guidance", "confidence": 1.0}, "entities": [],
               "guidance_ranking": message_ranking, "safety": {"tier": "none", "signal": True, "layers": []}}
    dispatcher = CollectingDispatcher()
    ActionGuidance(runtime).run(dispatcher, Tracker("c", urgent, message, [], False, None, {}, "action_listen"), {})
    assert [m["custom"]["path_id"] for m in dispatcher.messages if (m.get("custom") or {}).get("path_id")] == [
        "hammassarky-kiireellinen-lapsi"]


@pytest.mark.parametrize("slots, text, verdict, asked", [
    ({}, "entä lapsella?", {"category": "child", "score": 0.23}, True),  # no topic: the classifier alone asks
    # a follow-up in a topic: the classifier alone does not stop the answer (which gets the 112 line) ...
    ({"topic": "lasten-paivystys"}, "entä jos se on vauva?", {"category": "child", "score": 0.23}, False),
    ({"topic": "ajanvaraus-terveysasema"}, "oon ollu jonossa tunnin eikä kukaan vastaa",
     {"category": "unconscious", "score": 0.91}, False),
    # ... unless it takes the message for suicidal thoughts, more likely than not
    ({"topic": "sairausloma"}, "en mä jaksa tätä enää", {"category": "suicide", "score": 0.6}, True),
    ({"topic": "sairausloma"}, "en oo vieläkään kunnossa", {"category": "suicide", "score": 0.31}, False),
    # the rules saw a sign: asked, follow-up or not
    ({"topic": "lasten-paivystys"}, "entä jos se ei herää", {"category": "unconscious", "score": 0.2,
                                                             "layers": ["rules", "classifier"]}, True),
    # a long message in a topic is no follow-up: the classifier alone asks as anywhere
    ({"topic": "lasten-paivystys"}, "entä jos se on vauva ja makaa ihan velttona sängyssä eikä oikein jaksa "
                                    "edes avata silmiään kun sitä puhuttelee", {"category": "child", "score": 0.23}, True),
])
def test_the_classifier_alone_asks_a_follow_up_only_about_suicidal_thoughts(slots, text, verdict, asked):
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.policies.emergency_policy import asks_for_safety_check

    safety = {"tier": "uncertain", "layers": ["classifier"], **verdict}
    events = [ActionExecuted(ACTION_LISTEN_NAME), *(SlotSet(k, v) for k, v in slots.items()),
              UserUttered(text, {"name": "ask_guidance", "confidence": 1.0}, parse_data={"safety": safety})]
    assert asks_for_safety_check(DialogueStateTracker.from_events("r", events)) is asked


def test_the_safety_question_keeps_the_best_guess_of_the_topic_for_a_follow_up(runtime):
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.emergency import ask_safety_question

    message = {"text": "lapsella on kuumetta", "intent": {"name": "ask_guidance", "confidence": 1.0},
               "guidance_ranking": [{"id": "lasten-paivystys", "topic": "lasten-paivystys", "score": 0.31}],
               "safety": {"tier": "uncertain", "category": "child", "layers": ["classifier"], "score": 0.23}}
    events = ask_safety_question(CollectingDispatcher(), Tracker("c", {}, message, [], False, None, {}, "action_listen"),
                                 runtime)
    assert {e["name"]: e["value"] for e in events}["topic"] == "lasten-paivystys"
    kept = ask_safety_question(CollectingDispatcher(), Tracker("c", {"topic": "hammassarky-kiireellinen"}, message, [],
                                                               False, None, {}, "action_listen"), runtime)
    assert "topic" not in {e["name"] for e in kept}  # a conversation's own topic is not replaced by a guess


def _answer(path_id: str):
    from actions.guidance_decision import Decision, Outcome

    return Decision(Outcome.ANSWER, (path_id,))


def _entry(library, path_id: str, score: float) -> dict:
    return {"id": path_id, "topic": library.get(path_id).topic, "score": score}


# the follow-up's own ranking (the message alone), as the NLU would give it: paths of the decision facet in the
# topic, in another topic of the area, and in an unrelated area
OWN = [("psykoterapia-kela-jatkohakemus", 0.115), ("kuntoutus-kela-muutoksenhaku", 0.113),
       ("kela-etuudet-muutoksenhaku", 0.103), ("palveluasuminen-kielteinen-paatos", 0.09)]


@pytest.mark.parametrize("text, shown, moved_to", [
    # another facet named: the topic's path of it that the ranking scored, not the path just read again
    ("entä jos kela hylkää sen?", "kela-etuudet-sairauspaivaraha", "kela-etuudet-muutoksenhaku"),
    # the same facet as the path shown, or none: more of the same, the path stays
    ("miten sitä haetaan?", "kela-etuudet-sairauspaivaraha", "kela-etuudet-sairauspaivaraha"),
    ("entä malaria?", "matkailijan-rokotukset", "matkailijan-rokotukset"),
])
def test_a_follow_up_naming_another_facet_moves_past_the_path_just_shown(library, text, shown, moved_to):
    from actions.follow_up import past_the_shown_path

    current = library.get(shown)
    ranking = [_entry(library, i, score) for i, score in OWN]
    decided = past_the_shown_path(_answer(shown), [_entry(library, shown, 0.4)], ranking,
                                  library, read_cues(text), None, current, current.topic)
    assert decided.path_ids == (moved_to,)


def test_a_facet_word_alone_never_picks_a_path_the_rankings_did_not_score(library):
    from actions.follow_up import past_the_shown_path

    current = library.get("kela-etuudet-sairauspaivaraha")
    unrelated = [_entry(library, "kuntoutus-kela-muutoksenhaku", 0.2)]  # a decision path of another area
    decided = past_the_shown_path(_answer(current.id), [_entry(library, current.id, 0.4)], unrelated, library,
                                  read_cues("entä jos kela hylkää sen?"), None, current, current.topic)
    assert decided.path_ids == (current.id,)


def test_a_follow_up_answered_with_another_path_is_left_as_it_was(library):
    from actions.follow_up import past_the_shown_path

    current = library.get("kela-etuudet-sairauspaivaraha")
    decided = past_the_shown_path(_answer("kela-etuudet-laakekatto"), [], [], library,
                                  read_cues("entä jos kela hylkää sen?"), None, current, current.topic)
    assert decided.path_ids == ("kela-etuudet-laakekatto",)
