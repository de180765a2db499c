"""Asking for a human: the live queue in office hours, an honest contact-request offer outside them,
the waiting answers, and the handoff policy (silence while a professional holds the conversation,
emergencies still answered)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoffWaiting, ActionRequestHuman
from actions.store.handoffs import HandoffStore
from actions.store.identification import IdentificationStore
from bot.channels.relay import transcript_entries
from bot.constants import ACTION_EMERGENCY, ACTION_HANDOFF_WAITING, HANDOFF_SLOT, IDENTITY_SLOT
from bot.handoff import HandoffSettings, development_token, token_matches
from bot.policies.emergency_policy import EmergencyPolicy
from bot.policies.handoff_policy import HandoffPolicy
from tests import helpers
from tests.test_emergency_policy import best_action, make_policy, tracker_with

HELSINKI = ZoneInfo("Europe/Helsinki")
THURSDAY_EVENING = dt.datetime(2026, 12, 3, 19, 0, tzinfo=HELSINKI)
SETTINGS = HandoffSettings(internal_token="t", max_wait_seconds=300)


clock, runtime = helpers.clock, helpers.runtime  # the fixtures: Thursday 10.00, an empty store


def tracker(sender="conv-1", text="haluan puhua ihmisen kanssa", intent="ask_human", slots=None, events=(),
            entities=()) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9},
               "entities": [{"entity": k, "value": v} for k, v in entities]}
    return Tracker(sender, {"last_path_id": "flunssa", **(slots or {})}, message,
                   [*events, {"event": "user", "text": text}], False, None, {}, "action_listen")


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    return dispatcher.messages, events


def test_in_office_hours_the_resident_joins_the_queue_with_a_summary(runtime):
    earlier = [{"event": "user", "text": "olen ollut masentunut, numeroni on 040 123 4567"},
               {"event": "bot", "text": "tulos", "data": {"custom": {"assessment": {
                   "instrument": "phq9", "total": 14, "max_score": 27, "at_or_above": True}}}}]
    identified = tracker(events=earlier, slots={IDENTITY_SLOT: {"code": "010101-123N", "name": "Testi"}})
    IdentificationStore(runtime.sessions).open_session(identified.sender_id, dt.timedelta(hours=1))
    replies, events = run(ActionRequestHuman(runtime, SETTINGS), identified)
    assert "jonossa ensimmäisenä" in replies[0]["text"] and "5 minuuttia" in replies[0]["text"]
    assert "112" in replies[0]["text"]
    slot = next(e for e in events if e["name"] == HANDOFF_SLOT)["value"]
    assert slot["status"] == "waiting"
    handoff = HandoffStore(runtime.sessions).get(slot["id"])
    summary = handoff.summary
    assert summary["path_id"] == "flunssa" and summary["topic_title"]
    assert summary["assessment"]["total"] == 14 and summary["identity"]["code"] == "010101-123N"
    assert not any("040 123 4567" in m for m in summary["recent_messages"])  # redacted


def test_the_summary_shows_no_identity_the_web_app_did_not_bind(runtime):
    """An identity slot in a tracker without a live identified session (e.g. posted by someone
    else to the actions server) never reaches the professional as the resident's identity."""
    forged = tracker(sender="forged-conv", slots={IDENTITY_SLOT: {"code": "010101-123N", "name": "Joku Muu"}})
    replies, events = run(ActionRequestHuman(runtime, SETTINGS), forged)
    slot = next(e for e in events if e["name"] == HANDOFF_SLOT)["value"]
    assert "identity" not in HandoffStore(runtime.sessions).get(slot["id"]).summary


def test_outside_office_hours_the_bot_says_so_and_offers_a_contact_request(runtime, clock):
    clock["now"] = THURSDAY_EVENING
    replies, events = run(ActionRequestHuman(runtime, SETTINGS), tracker())
    assert "eivät ole juuri nyt chatissa" in replies[0]["text"] and "112" in replies[0]["text"]
    assert replies[0]["buttons"][0]["payload"].startswith("/request_contact")
    assert events == [] and HandoffStore(runtime.sessions).queue() == []
    replies, events = run(ActionRequestHuman(runtime, HandoffSettings(always_open=True)), tracker())
    assert events[0]["value"]["status"] == "waiting"  # a team that staffs the chat around the clock


def test_while_waiting_the_bot_tells_the_place_and_the_resident_can_leave(runtime):
    _, events = run(ActionRequestHuman(runtime, SETTINGS), tracker("first"))
    run(ActionRequestHuman(runtime, SETTINGS), tracker("second"))
    slot = {HANDOFF_SLOT: events[0]["value"]}
    replies, _ = run(ActionHandoffWaiting(runtime, SETTINGS), tracker("second", "onko ketään", "ask_guidance",
                                                                     slots=slot))
    assert "jonossa sijalla 2" in replies[0]["text"]
    replies, events = run(ActionHandoffWaiting(runtime, SETTINGS),
                          tracker("first", "/deny", "deny", slots=slot, entities=[("control", "leave_queue")]))
    assert "poistit pyyntösi jonosta" in replies[0]["text"] and events[0]["value"] is None
    assert [h.conversation_id for h in HandoffStore(runtime.sessions).queue()] == ["second"]


def test_a_contact_request_instead_of_waiting_starts_the_form(runtime):
    _, events = run(ActionRequestHuman(runtime, SETTINGS), tracker())
    replies, events = run(ActionHandoffWaiting(runtime, SETTINGS),
                          tracker(slots={HANDOFF_SLOT: events[0]["value"]},
                                  entities=[("control", "contact_request")]))
    assert events[0] == {"event": "slot", "timestamp": None, "name": HANDOFF_SLOT, "value": None}
    assert any(e.get("name") == "contact_form" and e.get("value") for e in events)
    assert HandoffStore(runtime.sessions).queue() == []


def handoff_policy(tmp_path):
    return make_policy(tmp_path, HandoffPolicy)


def test_the_bot_is_silent_while_a_professional_holds_the_conversation(tmp_path):
    policy, domain = handoff_policy(tmp_path)
    taken = SlotSet(HANDOFF_SLOT, {"id": 1, "status": "taken", "name": "Maija"})
    tracker = tracker_with(taken, ActionExecuted(ACTION_LISTEN_NAME),
                           UserUttered("kiitos vastauksesta", {"name": "thank", "confidence": 1.0}))
    assert best_action(policy, domain, tracker) == ACTION_LISTEN_NAME
    assert policy.priority == 7


def test_while_queued_messages_go_to_the_waiting_answer_then_the_bot_listens(tmp_path):
    policy, domain = handoff_policy(tmp_path)
    waiting = SlotSet(HANDOFF_SLOT, {"id": 1, "status": "waiting"})
    message = UserUttered("onko ketään", {"name": "ask_guidance", "confidence": 1.0})
    assert best_action(policy, domain, tracker_with(waiting, ActionExecuted(ACTION_LISTEN_NAME), message)) \
        == ACTION_HANDOFF_WAITING
    assert best_action(policy, domain, tracker_with(waiting, message, ActionExecuted(ACTION_HANDOFF_WAITING))) \
        == ACTION_LISTEN_NAME
    assert best_action(policy, domain, tracker_with(ActionExecuted(ACTION_LISTEN_NAME), message)) is None


def test_an_emergency_is_still_answered_while_a_professional_holds_the_conversation(tmp_path):
    policy, domain = handoff_policy(tmp_path)
    emergency, _ = make_policy(tmp_path, EmergencyPolicy)
    taken = SlotSet(HANDOFF_SLOT, {"id": 1, "status": "taken", "name": "Maija"})
    tracker = tracker_with(taken, ActionExecuted(ACTION_LISTEN_NAME),
                           UserUttered("en jaksa elää", {"name": "emergency", "confidence": 1.0}))
    assert best_action(policy, domain, tracker) is None
    assert best_action(emergency, domain, tracker) == ACTION_EMERGENCY and emergency.priority > policy.priority


def test_transcript_entries_name_who_wrote_and_hide_payloads():
    events = [{"event": "user", "text": "<script>alert(1)</script>", "timestamp": 1},
              {"event": "bot", "text": "Hei", "data": {"custom": {"handoff": {"from": "professional", "name": "Maija"}}}},
              {"event": "user", "text": '/deny{"control": "leave_queue"}'},
              {"event": "bot", "text": "Soita 112", "data": {"custom": {"emergency": True}}}]
    entries = transcript_entries(events)
    assert [e["who"] for e in entries] == ["resident", "professional", "resident", "bot"]
    assert entries[0]["text"] == "<script>alert(1)</script>" and entries[1]["name"] == "Maija"
    assert entries[2]["text"] == "(valitsi painikkeen)" and entries[3]["emergency"]
    assert [e["index"] for e in transcript_entries(events, after=2)] == [2, 3]


def test_the_internal_token_is_made_once_and_compared_in_constant_time(tmp_path):
    first = development_token(tmp_path)
    assert development_token(tmp_path) == first and len(first) >= 40
    assert (tmp_path / "internal_token").stat().st_mode & 0o777 == 0o600
    assert token_matches(first, first) and not token_matches("", "") and not token_matches(first[:-1], first)
    assert "t'" not in repr(HandoffSettings(internal_token="t"))


def test_the_handoff_policy_wins_ties_with_the_other_task_policies():
    import yaml

    from tests.conftest import PROJECT_DIR

    names = [p["name"].rsplit(".", 1)[-1] for p in
             yaml.safe_load((PROJECT_DIR / "bot" / "config.yml").read_text(encoding="utf-8"))["policies"]]
    assert names.index("EmergencyPolicy") < names.index("HandoffPolicy") < names.index("AssessmentPolicy")
    assert names.index("HandoffPolicy") < names.index("ContactPolicy")


def test_a_contact_request_intent_while_queued_leaves_the_queue_first(runtime):
    _, events = run(ActionRequestHuman(runtime, SETTINGS), tracker())
    _, events = run(ActionHandoffWaiting(runtime, SETTINGS),
                    tracker(text="/request_contact", intent="request_contact",
                            slots={HANDOFF_SLOT: events[0]["value"]}))
    assert events[0]["value"] is None and any(e.get("name") == "contact_form" for e in events)
    assert HandoffStore(runtime.sessions).queue() == []
