"""A message read in its conversation: the server's context on the message, the ranking in context,
the decision made on it, and the safety question waived for a plainly ordinary question."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from actions.follow_up import lean_on_topic, ranking_in_context, read_cues, weigh_facet
from actions.guidance_decision import Decision, Outcome
from bot.constants import CONVERSATION_CONTEXT
from bot.nlu.retrieval import RankedPath
from bot.nlu.safety_net import eased
from bot.rasa_internals import CONTEXT_CHARS, conversation_context, install


def tracker_of(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("c", [ActionExecuted(ACTION_LISTEN_NAME), *events])


# --- the context the server puts on a message ------------------------------------------------------------------

def test_a_new_conversation_has_no_context():
    assert conversation_context(tracker_of()) == {}
    assert conversation_context(None) == {}


def test_the_context_holds_the_topic_the_path_and_the_two_latest_typed_messages():
    tracker = tracker_of(UserUttered("ensimmäinen"), UserUttered("miten uusin reseptin"),
                         UserUttered('/choose_path{"path_id": "reseptin-uusiminen"}'),  # a button is no text
                         SlotSet("topic", "reseptin-uusiminen"), SlotSet("last_path_id", "reseptin-uusiminen"),
                         UserUttered("x" * 5000))
    context = conversation_context(tracker)
    assert context == {"topic": "reseptin-uusiminen", "path": "reseptin-uusiminen",
                       "earlier": ["miten uusin reseptin", "x" * CONTEXT_CHARS]}


def test_the_parse_gets_the_server_s_context_and_never_the_client_s(monkeypatch):
    from rasa.core.processor import MessageProcessor

    install()
    seen = []

    class Runner:
        def run(self, inputs, targets):
            seen.append(inputs["__message__"][0])
            return {"nlu": [Message(data={"text": inputs["__message__"][0].text})]}

    processor = SimpleNamespace(graph_runner=Runner(), model_metadata=SimpleNamespace(nlu_target="nlu"))
    forged = {CONVERSATION_CONTEXT: {"topic": "forged", "earlier": ["forged"]}, "other": 1}
    message = UserMessage("entä jos se hylätään?", metadata=dict(forged))
    tracker = tracker_of(UserUttered("miten haen toimeentulotukea"), SlotSet("topic", "toimeentulotuki"))
    MessageProcessor._parse_message_with_graph(processor, message, tracker)
    assert seen[0].metadata == {"other": 1, CONVERSATION_CONTEXT: {
        "topic": "toimeentulotuki", "path": None, "earlier": ["miten haen toimeentulotukea"]}}
    assert message.metadata == forged  # what the client sent is kept as sent for the tracker
    MessageProcessor._parse_message_with_graph(processor, UserMessage("hei", metadata=dict(forged)), tracker_of())
    assert CONVERSATION_CONTEXT not in seen[1].metadata  # a new conversation: the forged context is dropped


# --- the guidance ranker ----------------------------------------------------------------------------------------

def test_the_ranker_reads_a_follow_up_with_the_earlier_messages(index, analyzer):
    from bot.components.guidance_ranker import GuidanceRanker
    from bot.nlu.subject import load_subject_rules

    live = SimpleNamespace(current=lambda: index)
    ranker = GuidanceRanker({"limit": 10, "check_interval": 2.0, "use_vectors": True, "vectors_model": ""},
                            live, load_subject_rules(), analyzer)
    context = {"topic": "reseptin-uusiminen", "path": "reseptin-uusiminen", "earlier": ["miten uusin reseptin"]}
    message = Message(data={"text": "se hylättiin", "metadata": {CONVERSATION_CONTEXT: context}})
    alone = Message(data={"text": "se hylättiin"})
    ranker.process([message, alone])
    in_context = message.get("guidance_in_context")
    assert in_context[0]["topic"] == "reseptin-uusiminen"
    topic_paths = {p.id for p in index.library.paths if p.topic == "reseptin-uusiminen"}
    assert topic_paths <= {r["id"] for r in in_context}  # every path of the topic is scored
    assert alone.get("guidance_in_context") is None
    assert message.get("guidance_ranking")[0]["topic"] != "reseptin-uusiminen"  # alone it says little


def test_rank_lists_every_path_of_the_topic_asked_for(index):
    ranked = index.rank("hammasta särkee", 3, topic="fysioterapia")
    assert [r.topic for r in ranked[:3]] != ["fysioterapia"] * 3
    assert {r.id for r in ranked if r.topic == "fysioterapia"} == {
        p.id for p in index.library.paths if p.topic == "fysioterapia"} - {r.id for r in ranked if r.score <= 0}


# --- the decision in context ------------------------------------------------------------------------------------

def scored(*pairs):
    return [{"id": i, "topic": t, "score": s} for i, t, s in pairs]


def test_a_follow_up_moves_from_the_path_just_shown_only_to_the_facet_it_names(library):
    shown = library.get("reseptin-uusiminen")
    in_context = scored(("reseptin-uusiminen", "reseptin-uusiminen", 0.40),
                        ("reseptin-uusiminen-hylatty", "reseptin-uusiminen", 0.35))
    ranking = ranking_in_context([], in_context, library, read_cues("se hylättiin"), None, shown)
    assert ranking[0]["id"] == "reseptin-uusiminen-hylatty"  # the facet asked for, not what was read
    more = ranking_in_context([], in_context, library, read_cues("voiko sen tehdä puhelimessa?"), None, shown)
    assert more[0]["id"] == "reseptin-uusiminen"  # more of the same path: it is not pushed below the denial
    question = ranking_in_context([], in_context, library, read_cues("miten reseptin uusiminen toimii kun lääke on "
                                                                      "loppumassa ja tarvitsen uuden reseptin"), None, shown)
    assert question[0]["id"] == "reseptin-uusiminen"


def test_a_bare_fact_about_the_person_moves_to_their_path(library):
    shown = library.get("fysioterapia")
    in_context = scored(("fysioterapia", "fysioterapia", 0.28), ("fysioterapia-yksityinen", "fysioterapia", 0.26),
                        ("fysioterapia-ikaantyneet", "fysioterapia", 0.22))
    cues = read_cues("hän on 85")
    ranking = ranking_in_context([], in_context, library, cues, cues.audience, shown)
    assert cues.audience == "elderly" and ranking[0]["id"] == "fysioterapia-ikaantyneet"


def test_the_follow_up_s_own_best_path_in_the_topic_names_the_facet(library):
    # the earlier message pulls towards the topic as a whole; the follow-up's own words name the facet
    in_context = scored(("tahystykset", "tahystykset", 0.33), ("tahystykset-suolen-tyhjennys", "tahystykset", 0.24))
    own = scored(("tahystykset-suolen-tyhjennys", "tahystykset", 0.15), ("laboratorio-sokerirasitus", "laboratorio", 0.14),
                 ("tahystykset", "tahystykset", 0.10))
    cues = read_cues("mitä saa syödä sitä edeltävänä päivänä?")
    ranking = ranking_in_context(own, in_context, library, cues, None, None, topic="tahystykset")
    assert ranking[0]["id"] == "tahystykset-suolen-tyhjennys"
    without_topic = ranking_in_context(own, in_context, library, cues, None, None)
    assert without_topic[0]["id"] == "tahystykset"
    # nobody named: a child's variant is no facet the resident asked for
    lab = scored(("laboratorio", "laboratorio", 0.30), ("laboratorio-lapsi", "laboratorio", 0.24))
    own_lab = scored(("laboratorio-lapsi", "laboratorio", 0.16), ("laboratorio", "laboratorio", 0.15))
    asked = ranking_in_context(own_lab, lab, library, read_cues("pitääkö olla syömättä ennen kokeita?"), None, None,
                               topic="laboratorio")
    assert asked[0]["id"] == "laboratorio"
    # the message's own words point elsewhere: no pull back into the topic
    moved = scored(("tahystykset-suolen-tyhjennys", "tahystykset", 0.33), ("laboratorio", "laboratorio", 0.22))
    own_moved = scored(("laboratorio", "laboratorio", 0.28), ("tahystykset-suolen-tyhjennys", "tahystykset", 0.03))
    changed = ranking_in_context(own_moved, moved, library, read_cues("entä verikokeet laboratoriossa, pitääkö niihin "
                                                                      "paastota"), None, None, topic="tahystykset")
    assert changed[0]["id"] == "laboratorio"


def test_nobody_named_keeps_the_adult_s_path_ahead(library):
    in_context = scored(("hammassarky-kiireellinen-lapsi", "hammassarky-kiireellinen", 0.30),
                        ("hammassarky-kiireellinen", "hammassarky-kiireellinen", 0.29))
    ranking = ranking_in_context([], in_context, library, read_cues("onko se kiireellinen"), None, None)
    assert ranking[0]["id"] == "hammassarky-kiireellinen"


def test_a_follow_up_in_its_own_topic_is_answered_instead_of_asked_back(library):
    ranking = scored(("hammashoito-ajanvaraus-maksut", "hammashoito-ajanvaraus", 0.42),
                     ("yksityinen-hammashoito-kela", "yksityinen-hammashoito-kela", 0.40))
    asked = Decision(Outcome.CLARIFY, ("hammashoito-ajanvaraus-maksut", "yksityinen-hammashoito-kela"))
    answered = lean_on_topic(asked, ranking, library, "hammashoito-ajanvaraus")
    assert answered == Decision(Outcome.ANSWER, ("hammashoito-ajanvaraus-maksut",), ("yksityinen-hammashoito-kela",))
    assert lean_on_topic(asked, ranking, library, "kotihoito") == asked  # another topic's: still asked back


def test_the_facet_asked_for_settles_a_near_tie_inside_a_topic(library):
    ranking = scored(("hammashoito-ajanvaraus-maksut", "hammashoito-ajanvaraus", 0.3055),
                     ("hammashoito-ajanvaraus", "hammashoito-ajanvaraus", 0.3054))
    assert weigh_facet(ranking, library, read_cues("miten saan ajan hammashoitoon"))[0]["id"] == "hammashoito-ajanvaraus"
    assert weigh_facet(ranking, library, read_cues("hammashoito"))[0]["id"] == "hammashoito-ajanvaraus-maksut"


# --- the safety question waived for a plainly ordinary question ---------------------------------------------------

UNSURE = {"tier": "uncertain", "category": "general", "layers": ["classifier"], "score": 0.3, "signal": True}


def ranked(*pairs):
    return [RankedPath(i, t, s) for i, t, s in pairs]


@pytest.mark.parametrize("verdict, ranking, waived", [
    (UNSURE, ranked(("iho-ja-ihottumat-luomet", "iho-ja-ihottumat", 0.25), ("flunssa", "flunssa", 0.12)), True),
    # a weak match, or another topic close behind: asked
    (UNSURE, ranked(("iho-ja-ihottumat-luomet", "iho-ja-ihottumat", 0.15)), False),
    (UNSURE, ranked(("iho-ja-ihottumat-luomet", "iho-ja-ihottumat", 0.25), ("flunssa", "flunssa", 0.22)), False),
    # an urgent topic's path, a likely danger, a guess of suicidal thoughts, or a rule's sign: asked
    (UNSURE, ranked(("myrkytys", "myrkytys", 0.4)), False),
    ({**UNSURE, "score": 0.6}, ranked(("iho-ja-ihottumat-luomet", "iho-ja-ihottumat", 0.25)), False),
    ({**UNSURE, "category": "suicide"}, ranked(("saattohoito", "saattohoito", 0.3)), False),
    ({**UNSURE, "category": "suicide", "score": 0.15}, ranked(("saattohoito", "saattohoito", 0.3)), False),
    # below 0.15 a guess of suicidal thoughts is only a guess too: the path, with the 112 and crisis lines
    ({**UNSURE, "category": "suicide", "score": 0.11},
     ranked(("omakanta-hoitotahto", "omakanta", 0.3)), True),
    # a guess of a sign that kills within minutes keeps the question from 0.2; below it the guess is only a guess
    ({**UNSURE, "category": "poisoning"}, ranked(("iho-ja-ihottumat-luomet", "iho-ja-ihottumat", 0.25)), False),
    ({**UNSURE, "category": "poisoning", "score": 0.1},
     ranked(("iho-ja-ihottumat-luomet", "iho-ja-ihottumat", 0.25)), True),
    ({**UNSURE, "category": "chest_pain", "score": 0.19},
     ranked(("iho-ja-ihottumat-luomet", "iho-ja-ihottumat", 0.25)), True),
    ({**UNSURE, "layers": ["rules"]}, ranked(("iho-ja-ihottumat-luomet", "iho-ja-ihottumat", 0.25)), False),
])
def test_the_safety_question_is_waived_only_for_a_plain_question(verdict, ranking, waived):
    out = eased(verdict, ranking, frozenset({"myrkytys"}))
    assert (out["tier"] == "none") is waived
    assert out["signal"]  # never turned away either way
    if waived:
        assert out["eased"] == ranking[0].id


def test_in_a_conversation_only_its_own_topic_waives_the_question():
    ranking = ranked(("toimeentulotuki-tulot-ja-varat", "toimeentulotuki", 0.3))
    assert eased(UNSURE, ranking, frozenset(), topic="toimeentulotuki")["tier"] == "none"
    assert eased(UNSURE, ranking, frozenset(), topic="kotihoito")["tier"] == "uncertain"


@pytest.mark.parametrize("category, crisis_line", [("suicide", True), ("general", False), ("poisoning", False)])
def test_the_line_before_an_answer_the_net_was_unsure_about(library, category, crisis_line):
    from actions.guidance import safety_note

    note = safety_note({"safety": {**UNSURE, "category": category}}, library)
    assert "112" in note
    assert (library.contact("crisis_line").phone in note) is crisis_line
