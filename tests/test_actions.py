"""Actions: the events and messages they produce, with a real library and an in-memory store."""
from __future__ import annotations

import dataclasses

import inspect
import json

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

import actions.assessment
import actions.contact_request
import actions.conversation
import actions.emergency
import actions.guidance
import actions.handoff
import actions.programme
from actions.conversation import ActionContactDetails, ActionGreet
from actions.emergency import ActionEmergency
from actions.guidance import ActionGuidance, ActionStoreFeedback
from actions.runtime import Runtime
from actions.store.database import make_engine, make_session_factory
from actions.store.feedback import feedback_counts
from actions.store.models import PathFeedback
from actions.store.gaps import gap_groups
from tests.conftest import PROJECT_DIR, build_runtime


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return build_runtime()


def tracker(intent="ask_guidance", confidence=0.9, ranking=None, entities=(), slots=None, active_loop=None,
            extra=None, text="x") -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": confidence},
               "entities": [{"entity": k, "value": v} for k, v in entities],
               "guidance_ranking": ranking or [], **(extra or {})}
    return Tracker("resident-1", slots or {}, message, [], False, None, {"name": active_loop} if active_loop else {},
                   "action_listen")


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    return dispatcher.messages, events


def test_a_clear_match_presents_the_path_with_its_id_topic_and_feedback_question(runtime):
    ranking = [{"id": "flunssa", "topic": "flunssa", "score": 0.6}, {"id": "kuume-aikuinen", "topic": "kuume-aikuinen", "score": 0.2}]
    messages, events = run(ActionGuidance(runtime), tracker(ranking=ranking))
    assert messages[0]["custom"]["path_id"] == "flunssa" and messages[0]["custom"]["topic"] == "flunssa"
    assert "Flunssa" in messages[0]["text"] or "flunssa" in messages[0]["text"].lower()
    assert messages[1]["text"] == "Oliko tästä apua?"
    assert [b["payload"] for b in messages[1]["buttons"]] == [
        '/feedback{"helpful": "yes", "path_id": "flunssa"}', '/feedback{"helpful": "no", "path_id": "flunssa"}']
    assert SlotSet("last_path_id", "flunssa") in events


def test_follow_up_buttons_lead_to_related_paths_and_contact(runtime):
    path = runtime.library.current().get("flunssa")
    messages, _ = run(ActionGuidance(runtime), tracker(ranking=[{"id": "flunssa", "topic": "flunssa", "score": 0.9}]))
    payloads = [b["payload"] for b in messages[2]["buttons"]]
    for related in path.follow_ups.related:
        assert f'/choose_path{{"path_id": "{related}"}}' in payloads
    assert '/request_contact{"path_id": "flunssa"}' in payloads


def test_an_ambiguous_ranking_asks_back_with_the_top_paths(runtime):
    ranking = [{"id": "flunssa", "topic": "flunssa", "score": 0.30},
               {"id": "kuume-aikuinen", "topic": "kuume-aikuinen", "score": 0.29},
               {"id": "selkakipu", "topic": "selkakipu", "score": 0.05}]
    messages, events = run(ActionGuidance(runtime), tracker(ranking=ranking))
    assert len(messages) == 1 and "Tarkoititko" in messages[0]["text"]
    assert [json.loads(b["payload"].removeprefix("/choose_path"))["path_id"] for b in messages[0]["buttons"]] == [
        "flunssa", "kuume-aikuinen"]
    assert SlotSet("last_path_id", None) in events


def test_nothing_fitting_is_said_honestly_with_a_way_to_a_human(runtime):
    messages, _ = run(ActionGuidance(runtime), tracker(intent="nlu_fallback", ranking=[]))
    assert "En valitettavasti löytänyt" in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == "/ask_human"
    assert not messages[0].get("custom")


def test_out_of_scope_gets_no_health_path(runtime):
    ranking = [{"id": "lasten-rokotukset", "topic": "lasten-rokotukset", "score": 0.2}]
    messages, _ = run(ActionGuidance(runtime), tracker(intent="out_of_scope", confidence=0.99, ranking=ranking))
    assert "autan vain sosiaali- ja terveyspalveluihin" in messages[0]["text"]
    assert all("path_id" not in (m.get("custom") or {}) for m in messages)


def test_a_chosen_button_presents_that_path(runtime):
    messages, _ = run(ActionGuidance(runtime), tracker(intent="choose_path", entities=[("path_id", "selkakipu")]))
    assert messages[0]["custom"]["path_id"] == "selkakipu"


def test_a_removed_path_chosen_from_an_old_button_is_explained(runtime):
    messages, _ = run(ActionGuidance(runtime), tracker(intent="choose_path", entities=[("path_id", "ei-ole")]))
    assert "ei enää löydy" in messages[0]["text"]


def test_feedback_is_stored_per_path(runtime):
    run(ActionStoreFeedback(runtime), tracker(intent="feedback", entities=[("helpful", "yes"), ("path_id", "flunssa")]))
    run(ActionStoreFeedback(runtime), tracker(intent="deny", slots={"last_path_id": "flunssa"}))
    with runtime.sessions() as session:
        counts = {c.path_id: c for c in feedback_counts(session)}
        assert counts["flunssa"].helpful >= 1 and counts["flunssa"].not_helpful >= 1


def test_feedback_without_a_path_stores_nothing(runtime):
    with runtime.sessions() as session:
        before = len(session.execute(select(PathFeedback)).all())
    messages, _ = run(ActionStoreFeedback(runtime), tracker(intent="affirm"))
    with runtime.sessions() as session:
        assert len(session.execute(select(PathFeedback)).all()) == before
    assert "Kerro omin sanoin" in messages[0]["text"]


def test_feedback_store_failure_is_told_honestly(runtime):
    engine = make_engine("sqlite://")
    PathFeedback.__table__.drop(engine)  # the store breaks under the running bot
    broken = dataclasses.replace(runtime, sessions=make_session_factory(engine))
    messages, _ = run(ActionStoreFeedback(broken), tracker(intent="affirm", slots={"last_path_id": "flunssa"}))
    assert "ei juuri nyt onnistunut" in messages[0]["text"]


def test_emergency_answer_carries_the_flag_and_stops_a_form(runtime):
    t = tracker(intent="emergency", extra={"emergency": {"category": "suicide"}}, active_loop="some_form")
    messages, events = run(ActionEmergency(runtime), t)
    assert messages[0]["custom"]["emergency"] is True
    assert "112" in messages[0]["text"] and "09 2525 0111" in messages[0]["text"]
    assert ActiveLoop(None) in events


def test_greeting_has_the_privacy_notice_and_example_region_warning(runtime):
    messages, _ = run(ActionGreet(runtime), tracker(intent="greet"))
    text = messages[0]["text"]
    assert "henkilötunnustasi" in text and "112" in text and "esimerkkialue" in text


def test_asking_for_a_human_gives_client_guidance_phone_and_hours(runtime):
    messages, _ = run(ActionContactDetails(runtime), tracker(intent="ask_human"))
    guidance = runtime.library.current().contact("client_guidance")
    assert guidance.phone in messages[0]["text"] and guidance.hours in messages[0]["text"]
    assert "116117" in messages[0]["text"]


def test_every_action_name_is_unique_and_listed_in_the_domain():
    domain = yaml.safe_load((PROJECT_DIR / "bot" / "domain.yml").read_text(encoding="utf-8"))
    classes = [cls for module in (actions.guidance, actions.emergency, actions.conversation, actions.assessment,
                                  actions.contact_request, actions.handoff, actions.programme)
               for _, cls in inspect.getmembers(module, inspect.isclass)
               if issubclass(cls, Action) and cls is not Action and cls.__module__ == module.__name__
               and not inspect.isabstract(cls)]
    names = [cls().name() for cls in classes]
    assert len(names) == len(set(names))
    assert set(names) == set(domain["actions"])


def test_an_unanswered_question_is_kept_for_editors_without_personal_data(runtime):
    text = "Olen Liisa Virtanen 131052-308T, puh 040 123 4567, missä on lähin kirjasto"
    run(ActionGuidance(runtime), tracker(intent="nlu_fallback", ranking=[{"id": "flunssa", "topic": "flunssa", "score": 0.01}],
                                         text=text))
    with runtime.sessions() as session:
        stored = [e for g in gap_groups(session) for e in g.examples if "kirjasto" in e]
    assert stored == ["Olen [NIMI] [NIMI] [HETU], puh [PUHELIN], missä on lähin kirjasto"]


def test_a_sibling_facet_that_matched_nearly_as_well_is_the_first_follow_up(runtime):
    ranking = [{"id": "ajanvaraus-terveysasema", "topic": "ajanvaraus-terveysasema", "score": 0.45},
               {"id": "ajanvaraus-terveysasema-kiireellinen", "topic": "ajanvaraus-terveysasema", "score": 0.43},
               {"id": "flunssa", "topic": "flunssa", "score": 0.2}]
    messages, _ = run(ActionGuidance(runtime), tracker(ranking=ranking))
    assert messages[0]["custom"]["path_id"] == "ajanvaraus-terveysasema"
    follow_ups = messages[2]["buttons"]
    assert json.loads("{" + follow_ups[0]["payload"].split("{", 1)[1]) == {"path_id": "ajanvaraus-terveysasema-kiireellinen"}
    assert len({b["payload"] for b in follow_ups}) == len(follow_ups)


# -- analytics events: what each action counts (no text, no identity) --------------------------------

def analytics_rows(runtime, kind):
    from actions.store.models import AnalyticsEvent
    with runtime.sessions() as session:
        return session.execute(select(AnalyticsEvent).where(AnalyticsEvent.kind == kind)
                               .order_by(AnalyticsEvent.id)).scalars().all()


def test_a_session_start_is_counted_and_starts_the_session_as_rasa_does():
    from actions.conversation import ActionSessionStart
    from actions.store.analytics import conversation_key

    fresh = build_runtime()
    messages, events = run(ActionSessionStart(fresh), tracker())
    assert messages == [] and [e["event"] for e in events] == ["session_started", "action"]
    assert events[-1]["name"] == "action_listen"
    (row,) = analytics_rows(fresh, "conversation_started")
    assert row.conversation == conversation_key("resident-1")
    carried = ActionSessionStart(fresh).run(CollectingDispatcher(), tracker(slots={"last_path_id": "flunssa"}),
                                            {"session_config": {"carry_over_slots_to_new_session": True}})
    assert SlotSet("last_path_id", "flunssa") in carried


def test_guidance_outcomes_feedback_and_emergencies_are_counted_without_text():
    fresh = build_runtime()
    ranking = [{"id": "flunssa", "topic": "flunssa", "score": 0.6}, {"id": "kuume-aikuinen", "topic": "kuume-aikuinen", "score": 0.2}]
    run(ActionGuidance(fresh), tracker(ranking=ranking, text="mulla on flunssa, numeroni 0401234567"))
    run(ActionGuidance(fresh), tracker(ranking=[], text="mitä kuuluu kuulle"))
    run(ActionStoreFeedback(fresh), tracker(intent="feedback", entities=[("helpful", "no"), ("path_id", "flunssa")]))
    run(ActionEmergency(fresh), tracker(intent="emergency", extra={"emergency": {"category": "suicide"}}))
    guidance = analytics_rows(fresh, "guidance")
    assert [(r.outcome, r.path_id, r.topic_id) for r in guidance] == [("answer", "flunssa", "flunssa"),
                                                                     ("no_match", None, None)]
    (feedback,) = analytics_rows(fresh, "feedback")
    assert (feedback.path_id, feedback.outcome) == ("flunssa", "not_helpful")
    assert [r.outcome for r in analytics_rows(fresh, "emergency")] == ["suicide"]
    from actions.store.models import AnalyticsEvent
    stored = " ".join(str(getattr(r, c.name)) for r in guidance for c in AnalyticsEvent.__table__.columns)
    assert "0401234567" not in stored and "flunssa, numeroni" not in stored


def test_the_emergency_answer_comes_even_when_analytics_cannot_be_written(runtime):
    from actions.store.models import AnalyticsEvent

    engine = make_engine("sqlite://")
    AnalyticsEvent.__table__.drop(engine)
    broken = dataclasses.replace(runtime, sessions=make_session_factory(engine))
    messages, _ = run(ActionEmergency(broken), tracker(intent="emergency", extra={"emergency": {"category": "suicide"}}))
    assert "112" in messages[0]["text"]
