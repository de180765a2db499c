"""The safety net's answers in the dialogue: the emergency answer with its call links, the safety
question (middle tier), the out-of-scope guard, and going on after "Ei ole hätää" (a question
answered, a self-assessment or the contact form asked again where it was)."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
import pytest

from actions.emergency import ActionEmergency, ActionSafetyCheck, ActionSafetyOk
from actions.guidance import ActionGuidance
from bot.constants import SAFETY_PENDING_SLOT
from bot.policies.emergency_policy import EmergencyPolicy
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, SlotSet as CoreSlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from tests.chat_harness import Chat, texts
from tests.conftest import build_runtime
from tests.test_emergency_policy import best_action, make_policy

RANKING = [{"id": "flunssa", "topic": "flunssa", "score": 0.6}, {"id": "kuume-aikuinen", "topic": "kuume-aikuinen",
                                                                   "score": 0.2}]
UNCLEAR = [{"id": "flunssa", "topic": "flunssa", "score": 0.2}, {"id": "kuume-aikuinen", "topic": "kuume-aikuinen",
                                                                 "score": 0.19}]  # a question back, not an answer
UNCERTAIN = {"tier": "uncertain", "category": "suicide", "layers": ["classifier"], "score": 0.3, "signal": True}


@pytest.fixture(scope="module")
def runtime():
    return build_runtime()


ASKED = [{"event": "action", "name": "action_safety_check"}, {"event": "action", "name": "action_listen"},
         {"event": "user", "text": "/safety_ok"}]


def tracker(intent="ask_guidance", confidence=0.9, ranking=None, entities=(), slots=None, extra=None, text="x",
            events=()):
    message = {"text": text, "intent": {"name": intent, "confidence": confidence},
               "entities": [{"entity": k, "value": v} for k, v in entities],
               "guidance_ranking": ranking or [], **(extra or {})}
    return Tracker("resident-1", slots or {}, message, list(events), False, None, {}, "action_listen")


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    return dispatcher.messages, events


# -- the emergency answer ------------------------------------------------------------------------------
def test_the_emergency_answer_carries_a_heading_and_call_links_from_the_national_contacts(runtime):
    messages, _ = run(ActionEmergency(runtime), tracker(intent="emergency", extra={"emergency": {"category": "suicide"}}))
    custom = messages[0]["custom"]
    assert custom["emergency"] is True and custom["category"] == "suicide" and custom["heading"]
    assert [c["number"] for c in custom["calls"]] == ["112", "09 2525 0111"]
    poisoning, _ = run(ActionEmergency(runtime), tracker(intent="emergency", extra={"emergency": {"category": "poisoning"}}))
    assert poisoning[0]["custom"]["calls"][0]["number"] == "0800 147 111"
    assert "0800 147 111" in poisoning[0]["text"] and "112" in poisoning[0]["text"]


def test_yes_call_112_gives_the_emergency_answer_of_the_category_guessed(runtime):
    messages, events = run(ActionEmergency(runtime), tracker(intent="emergency", entities=[("emergency_category", "breathing")],
                                                             text='/emergency{"emergency_category": "breathing"}'))
    assert messages[0]["custom"]["category"] == "breathing" and "112" in messages[0]["text"]
    assert SlotSet(SAFETY_PENDING_SLOT, None) in events


def test_poisoning_urgent_puts_112_first(runtime):
    messages, _ = run(ActionEmergency(runtime), tracker(intent="emergency",
                                                        extra={"emergency": {"category": "poisoning_urgent"}}))
    assert messages[0]["custom"]["calls"][0]["number"] == "112"
    assert "112" in messages[0]["text"].splitlines()[0]


# -- the middle tier ----------------------------------------------------------------------------------
def test_the_safety_question_has_112_two_buttons_and_keeps_the_question(runtime):
    t = tracker(text="tää oli tässä, mistä apua", ranking=UNCLEAR, extra={"safety": UNCERTAIN})
    messages, events = run(ActionSafetyCheck(runtime), t)
    assert len(messages) == 1  # not sure of an answer: the question alone, the message kept for "Ei ole hätää"
    question = messages[0]
    assert "vaarassa" in question["text"] and "112" in question["text"]
    assert [b["title"] for b in question["buttons"]] == ["Kyllä, soita 112", "Ei ole hätää"]
    assert question["buttons"][0]["payload"] == '/emergency{"emergency_category": "suicide"}'
    assert question["buttons"][1]["payload"] == "/safety_ok"
    assert question["custom"]["safety_check"] is True and question["custom"]["calls"][0]["number"] == "112"
    pending = next(e["value"] for e in events if e["name"] == SAFETY_PENDING_SLOT)
    assert pending["text"] == "tää oli tässä, mistä apua" and pending["guidance_ranking"] == UNCLEAR


def test_below_the_safety_question_the_path_the_assistant_is_sure_of_and_safe_then_only_thanks(runtime):
    """Only the classifier unsure, and the assistant sure of an ordinary path: the question comes first, with 112
    and its buttons, and below it the path's text alone, so the safety question stays the only question on
    screen (no feedback question, no follow-up buttons). "Ei ole hätää" then thanks and points above without
    showing the path again; "Kyllä, soita 112" still gives the emergency answer."""
    t = tracker(text="flunssa ja tosi paha olo", ranking=RANKING, extra={"safety": UNCERTAIN})
    messages, events = run(ActionSafetyCheck(runtime), t)
    assert messages[0]["custom"]["safety_check"] is True and "112" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ['/emergency{"emergency_category": "suicide"}',
                                                             "/safety_ok"]
    assert messages[1]["text"] == "Jos kukaan ei ole vaarassa, tässä ohjeet kysymykseesi:"
    assert messages[2]["custom"]["path_id"] == "flunssa" and len(messages) == 3
    assert not any(m.get("buttons") for m in messages[1:])
    slots = {e["name"]: e["value"] for e in events}  # the last value of each slot
    assert slots[SAFETY_PENDING_SLOT] == {"category": "suicide", "answered": True}
    assert slots["last_path_id"] == "flunssa" and slots["topic"] == "flunssa"
    safe, after = run(ActionSafetyOk(runtime), tracker(intent="safety_ok", events=ASKED,
                                                       slots={SAFETY_PENDING_SLOT: slots[SAFETY_PENDING_SLOT]}))
    assert "soita 112" in safe[0]["text"] and "yllä" in safe[1]["text"]
    assert not any("path_id" in (m.get("custom") or {}) for m in safe) and SlotSet(SAFETY_PENDING_SLOT, None) in after
    danger, _ = run(ActionEmergency(runtime), tracker(intent="emergency", entities=[("emergency_category", "suicide")],
                                                      slots={SAFETY_PENDING_SLOT: slots[SAFETY_PENDING_SLOT]}))
    assert danger[0]["custom"]["emergency"] is True and danger[0]["custom"]["category"] == "suicide"


def test_the_safety_question_keeps_whom_the_message_concerns_for_the_follow_up(runtime):
    """"meidän vauva ei vielä käänny" is asked about first; "voiko se päästä fyssarille?" typed next
    still concerns the baby (issue 16); the person this message names comes before one named earlier, with or
    without a path shown below the question."""
    for ranking in (UNCLEAR, RANKING):
        events = run(ActionSafetyCheck(runtime), tracker(text="meidän vauva ei vielä käänny ollenkaan", ranking=ranking,
                                                         extra={"safety": UNCERTAIN}))[1]
        assert {e["name"]: e["value"] for e in events}.get("subject") == "baby"
        known = run(ActionSafetyCheck(runtime), tracker(text="meidän vauva ei vielä käänny", ranking=ranking,
                                                        slots={"subject": "elderly"}, extra={"safety": UNCERTAIN}))[1]
        assert {e["name"]: e["value"] for e in known}.get("subject") == "baby"
        nobody = run(ActionSafetyCheck(runtime), tracker(text="tää oli tässä, mistä apua", ranking=ranking,
                                                         extra={"safety": UNCERTAIN}))[1]
        assert {e["name"]: e["value"] for e in nobody}.get("subject") is None


def test_nothing_is_shown_below_the_safety_question_unless_only_the_classifier_was_unsure_of_an_ordinary_path(
        runtime, monkeypatch):
    """The question alone: in a task; for a button or an animal; when the rules or the reader saw a sign (a
    strong sign the classifier doubted, a sign with a past cue) or the classifier is at least half sure of danger; for an urgent path (of an urgent topic, or
    marked urgent itself), whose place is not under "Jos kukaan ei ole vaarassa"; and when anything goes wrong with the path (the question still goes
    out)."""
    import actions.guidance

    urgent = [{"id": "myrkytys", "topic": "myrkytys", "score": 0.6}, {"id": "flunssa", "topic": "flunssa", "score": 0.2}]
    # an urgent path in a topic that is not (kind kiire on the path itself)
    overdose = [{"id": "huumeet-yliannostus", "topic": "huumeet", "score": 0.6},
                {"id": "flunssa", "topic": "flunssa", "score": 0.2}]
    for t in (tracker(text="flunssa ja tosi paha olo", ranking=RANKING, extra={"safety": UNCERTAIN},
                      slots={"assessment": "phq9"}),
              tracker(text="/choose_path", ranking=RANKING, extra={"safety": UNCERTAIN}),
              tracker(text="koira söi suklaata", ranking=RANKING, extra={"safety": UNCERTAIN, "off_topic": "animal"}),
              tracker(text="flunssa ja tosi paha olo", ranking=RANKING,
                      extra={"safety": {**UNCERTAIN, "layers": ["rules", "classifier"]}}),
              tracker(text="flunssa ja tosi paha olo", ranking=RANKING, extra={"safety": {**UNCERTAIN, "layers": ["reader"]}}),
              tracker(text="flunssa ja tosi paha olo", ranking=RANKING, extra={"safety": {**UNCERTAIN, "score": 0.5}}),
              tracker(text="myrkytystietokeskuksen numero", ranking=urgent, extra={"safety": UNCERTAIN}),
              tracker(text="mistä saa naloksonia", ranking=overdose, extra={"safety": UNCERTAIN})):
        messages, _ = run(ActionSafetyCheck(runtime), t)
        assert len(messages) == 1 and messages[0]["custom"]["safety_check"] is True, t.latest_message["text"]

    def broken(*args, **kwargs):
        raise KeyError("no such path")

    monkeypatch.setattr(actions.guidance, "answer_below_safety_question", broken)
    messages, events = run(ActionSafetyCheck(runtime), tracker(text="flunssa ja tosi paha olo", ranking=RANKING,
                                                               extra={"safety": UNCERTAIN}))
    assert len(messages) == 1 and messages[0]["custom"]["safety_check"] is True
    assert next(e["value"] for e in events if e["name"] == SAFETY_PENDING_SLOT)["text"] == "flunssa ja tosi paha olo"


def test_safe_after_the_question_answers_the_question_asked_before(runtime):
    pending = {"text": "flunssa", "intent": {"name": "ask_guidance", "confidence": 0.9}, "guidance_ranking": RANKING}
    messages, events = run(ActionSafetyOk(runtime), tracker(intent="safety_ok", slots={SAFETY_PENDING_SLOT: pending},
                                                            events=ASKED))
    assert "soita 112" in messages[0]["text"]
    assert messages[1]["custom"]["path_id"] == "flunssa"
    assert SlotSet(SAFETY_PENDING_SLOT, None) in events
    # a stale "Ei ole hätää" clicked turns later answers no old question
    stale = [{"event": "action", "name": "action_guidance"}, {"event": "user", "text": "/safety_ok"}]
    messages, _ = run(ActionSafetyOk(runtime), tracker(intent="safety_ok", slots={SAFETY_PENDING_SLOT: pending},
                                                       events=stale))
    assert not any("path_id" in (m.get("custom") or {}) for m in messages)


def test_safe_after_an_unclear_question_asks_to_tell_more_never_out_of_scope(runtime):
    pending = {"text": "tää oli tässä", "intent": {"name": "out_of_scope", "confidence": 0.95}, "guidance_ranking": []}
    messages, _ = run(ActionSafetyOk(runtime), tracker(intent="safety_ok", slots={SAFETY_PENDING_SLOT: pending},
                                                       events=ASKED))
    assert "Kerro vielä" in messages[1]["text"] and "en valitettavasti osaa" not in texts(messages)


def test_the_policy_asks_the_safety_question_in_any_state(tmp_path):
    policy, domain = make_policy(tmp_path)
    for slots in ([], [CoreSlotSet("handoff", {"id": 1, "status": "taken", "name": "Maija"})],
                  [CoreSlotSet("assessment", {"id": "phq9", "stage": "items"})]):
        tracker_ = DialogueStateTracker.from_events("r", [ActionExecuted(ACTION_LISTEN_NAME), *slots, UserUttered(
            "tää oli tässä", {"name": "ask_guidance", "confidence": 0.9},
            parse_data={"safety": {**UNCERTAIN, "score": 0.6}})])
        assert best_action(policy, domain, tracker_) == "action_safety_check"
    after = DialogueStateTracker.from_events("r", [ActionExecuted(ACTION_LISTEN_NAME), UserUttered(
        "tää oli tässä", {"name": "ask_guidance", "confidence": 0.9}, parse_data={"safety": UNCERTAIN}),
        ActionExecuted("action_safety_check")])
    assert best_action(policy, domain, after) == ACTION_LISTEN_NAME
    answering = [CoreSlotSet("assessment", {"id": "phq9", "stage": "items"}), CoreSlotSet("contact_form", None)]
    for slots, layers, score, asks in ((answering[:1], ["classifier"], 0.3, False),
                                       (answering[:1], ["classifier"], 0.7, True),
                                       (answering[:1], ["rules"], 0.1, True),
                                       ([CoreSlotSet("contact_form", {"stage": "words"})], ["classifier"], 0.3, False)):
        verdict = {**UNCERTAIN, "layers": layers, "score": score}
        tracker_ = DialogueStateTracker.from_events("r", [ActionExecuted(ACTION_LISTEN_NAME), *slots, UserUttered(
            "lopeta", {"name": "ask_guidance", "confidence": 0.9}, parse_data={"safety": verdict})])
        assert (best_action(policy, domain, tracker_) == "action_safety_check") is asks, (slots, layers, score)
    calm = DialogueStateTracker.from_events("r", [ActionExecuted(ACTION_LISTEN_NAME), UserUttered(
        "flunssa", {"name": "ask_guidance", "confidence": 0.9}, parse_data={"safety": {"tier": "none"}})])
    assert best_action(policy, domain, calm) is None
    assert isinstance(policy, EmergencyPolicy)


# -- the out-of-scope guard ------------------------------------------------------------------------------
@pytest.mark.parametrize("intent, ranking", [("out_of_scope", []), ("ask_guidance", [])])
def test_a_message_with_a_risk_signal_is_never_turned_away(runtime, intent, ranking):
    signal = {"tier": "none", "category": "general", "layers": [], "score": 0.05, "signal": True}
    messages, _ = run(ActionGuidance(runtime), tracker(intent=intent, confidence=0.95, ranking=ranking,
                                                       extra={"safety": signal}))
    assert "vaarassa" in messages[0]["text"] and "112" in messages[0]["text"]
    assert "en valitettavasti" not in texts(messages).lower()
    calm = {**signal, "signal": False}
    messages, _ = run(ActionGuidance(runtime), tracker(intent=intent, confidence=0.95, ranking=ranking,
                                                       extra={"safety": calm}))
    assert "vaarassa" not in messages[0]["text"]


# -- tasks go on after "Ei ole hätää" ---------------------------------------------------------------------
def test_a_self_assessment_asks_the_same_question_again(runtime):
    chat = Chat(runtime)
    chat.say('/start_assessment{"instrument": "phq9"}')
    first = chat.say('/assessment_answer{"points": "1"}')
    asked = first[-1]["text"]
    again = chat.say("/safety_ok")
    assert "Jatketaan" in again[0]["text"] and again[0]["text"].endswith(asked.split("\n")[-1])
    assert chat.state["answers"] == {"0": 1} or len(chat.state["answers"]) == 1


def test_the_contact_form_asks_the_same_question_again(runtime):
    chat = Chat(runtime)
    first = chat.say("/request_contact")
    again = chat.say("/safety_ok")
    assert "Jatketaan" in again[0]["text"] and first[-1]["text"] in again[0]["text"]
    assert [b["title"] for b in again[0]["buttons"]] == [b["title"] for b in first[-1]["buttons"]]


def test_a_risk_signal_on_an_urgent_topic_gets_the_112_line_then_that_path(runtime):
    ranking = [{"id": "myrkytys", "topic": "myrkytys", "score": 0.7}, {"id": "flunssa", "topic": "flunssa", "score": 0.1}]
    signal = {"tier": "none", "category": "general", "layers": [], "score": 0.05, "signal": True}
    messages, events = run(ActionGuidance(runtime), tracker(ranking=ranking, extra={"safety": signal}))
    assert "112" in messages[0]["text"] and "vaarassa" in messages[0]["text"]
    assert messages[1]["custom"]["path_id"] == "myrkytys"
    assert not any(e.get("name") == SAFETY_PENDING_SLOT and e.get("value") for e in events)
    calm, _ = run(ActionGuidance(runtime), tracker(ranking=ranking, extra={"safety": {**signal, "signal": False}}))
    assert calm[0]["custom"]["path_id"] == "myrkytys"
    # an ordinary topic's path with the same trace of risk gets no 112 line
    ordinary = [{"id": "flunssa", "topic": "flunssa", "score": 0.7}]
    plain, _ = run(ActionGuidance(runtime), tracker(ranking=ordinary, extra={"safety": signal}))
    assert plain[0]["custom"]["path_id"] == "flunssa"


def _conversation(*events):
    return DialogueStateTracker.from_events("r", [ActionExecuted(ACTION_LISTEN_NAME), *events])


def test_a_typed_answer_to_the_safety_question_is_understood(tmp_path):
    policy, domain = make_policy(tmp_path)
    asked = [UserUttered("tää oli tässä", {"name": "ask_guidance", "confidence": 0.9}, parse_data={"safety": UNCERTAIN}),
             ActionExecuted("action_safety_check"), ActionExecuted(ACTION_LISTEN_NAME)]
    yes = _conversation(*asked, UserUttered("kyllä", {"name": "affirm", "confidence": 0.9}))
    assert best_action(policy, domain, yes) == "action_emergency"
    for text in ("olen", "joo on", "kyllä, tarvitaan apua tänne"):
        typed = _conversation(*asked, UserUttered(text, {"name": "affirm", "confidence": 0.9}))
        assert best_action(policy, domain, typed) == "action_emergency", text
    # words of danger or of asking for help are a yes whatever DIET made of them
    for text, intent in (("olemme vaarassa", "affirm"), ("ollaan hädässä", "affirm"), ("joo mä oon vaarassa",
                                                                                       "ask_guidance"),
                         ("tarvitsen apua heti", "ask_guidance"), ("I am in danger", "out_of_scope")):
        typed = _conversation(*asked, UserUttered(text, {"name": intent, "confidence": 0.9}))
        assert best_action(policy, domain, typed) == "action_emergency", text
    # DIET's affirm alone is no yes: "olen raskaana" answers something else (it goes to guidance), and
    # a yes word with "safe" is safe
    pregnant = _conversation(*asked, UserUttered("olen raskaana", {"name": "affirm", "confidence": 0.98}))
    assert best_action(policy, domain, pregnant) is None
    fine = _conversation(*asked, UserUttered("joo ei oo hätää", {"name": "affirm", "confidence": 0.9}))
    assert best_action(policy, domain, fine) == "action_safety_ok"
    # a question that names help is a question, not a yes
    question = _conversation(*asked, UserUttered("mistä saa ruoka-apua?", {"name": "ask_guidance", "confidence": 0.9}))
    assert best_action(policy, domain, question) is None
    # a "no" followed by a sign the rules saw is no no
    sign = {"tier": "uncertain", "category": "poisoning", "layers": ["rules"], "score": 0.05, "signal": True}
    no_but = _conversation(*asked, UserUttered("ei, söin lääkkeitä", {"name": "deny", "confidence": 0.88},
                                               parse_data={"safety": sign}))
    assert best_action(policy, domain, no_but) == "action_emergency"
    for text, intent in (("ei ole hätää", "ask_guidance"), ("en", "deny"), ("kaikki hyvin", "greet")):
        safe = _conversation(*asked, UserUttered(text, {"name": intent, "confidence": 0.9},
                                                 parse_data={"safety": UNCERTAIN}))
        assert best_action(policy, domain, safe) == "action_safety_ok", text
    in_task = _conversation(CoreSlotSet("contact_form", {"stage": "words"}), *asked,
                            UserUttered("ei ole hätää", {"name": "deny", "confidence": 0.9}))
    assert best_action(policy, domain, in_task) is None  # the form takes it and asks its question again
    # a button's payload goes by its intent, never by its words: a path id with "112" in it is no yes
    for payload, intent in (('/feedback{"helpful": "no", "path_id": "hatanumero-112-sydan"}', "feedback"),
                            ('/choose_path{"path_id": "potilassiirrot-kuljetus-ambulanssi"}', "choose_path")):
        button = _conversation(*asked, UserUttered(payload, {"name": intent, "confidence": 1.0}))
        assert best_action(policy, domain, button) is None, payload
    # ... while a "/kyllä" typed by hand is no payload (Rasa knows no such intent): it is read as typed
    typed_slash = _conversation(*asked, UserUttered("/kyllä", {"name": "affirm", "confidence": 0.9}))
    assert best_action(policy, domain, typed_slash) == "action_emergency"


def test_the_message_right_after_safe_is_not_asked_about_again(tmp_path):
    policy, domain = make_policy(tmp_path)
    uncertain = {**UNCERTAIN, "layers": ["rules"]}
    again = _conversation(CoreSlotSet("assessment", {"id": "phq9", "stage": "items"}),
                          UserUttered("/safety_ok", {"name": "safety_ok", "confidence": 1.0}),
                          ActionExecuted("action_assessment"), ActionExecuted(ACTION_LISTEN_NAME),
                          UserUttered("isä sai aivohalvauksen vuosi sitten", {"name": "ask_guidance", "confidence": 0.9},
                                      parse_data={"safety": uncertain}))
    assert best_action(policy, domain, again) is None
