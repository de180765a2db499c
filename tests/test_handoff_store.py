"""The live-handoff queue on SQLite and PostgreSQL: one active handoff per conversation, single-winner
take-over, heartbeats, expiry, access log."""
from __future__ import annotations

import datetime as dt

import pytest

from actions.store.office_hours import OfficeHours
from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.handoffs import HandoffConflict, HandoffNotFound, HandoffStore
from actions.store.tickets import TicketStore, conversation_key
from tests.helpers import all_at_once

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone.utc)
PASSWORD = "salasana-joka-on-pitka"


@pytest.fixture
def queue(database_url):
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    clock = {"now": NOW}
    handoffs = HandoffStore(sessions, clock=lambda: clock["now"])
    accounts = AccountStore(sessions, clock=lambda: clock["now"])
    tickets = TicketStore(sessions, OfficeHours(), clock=lambda: clock["now"])
    yield handoffs, accounts, tickets, clock
    engine.dispose()


def later(clock, seconds: float) -> None:
    clock["now"] += dt.timedelta(seconds=seconds)


def test_a_conversation_has_one_active_handoff_and_a_place_in_the_queue(queue) -> None:
    handoffs, _, _, clock = queue
    first, created = handoffs.enqueue("conv-a", {"topic_title": "Mielenterveys"})
    assert created and first.status == "waiting" and first.summary == {"topic_title": "Mielenterveys"}
    again, created = handoffs.enqueue("conv-a", {})
    assert not created and again.id == first.id
    later(clock, 1)
    second, _ = handoffs.enqueue("conv-b", {})
    assert handoffs.position(first.id) == 1 and handoffs.position(second.id) == 2
    assert [h.id for h in handoffs.queue()] == [first.id, second.id]
    assert handoffs.cancel("conv-a").status == "closed"
    assert handoffs.active_for("conv-a") is None and handoffs.position(second.id) == 1


def test_two_professionals_taking_at_once_exactly_one_wins(queue) -> None:
    handoffs, accounts, *_ = queue
    handoff, _ = handoffs.enqueue("conv-a", {})
    pros = [accounts.create(f"hoitaja{i}", f"Hoitaja {i}", "professional", PASSWORD) for i in range(5)]
    outcomes = all_at_once(lambda pro: handoffs.take(pro, handoff.id).taken_by, pros)
    wins = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(wins) == 1 and sum(isinstance(o, HandoffConflict) for o in outcomes) == len(pros) - 1
    winner = next(p for p in pros if p.id == wins[0])
    loser = next(p for p in pros if p.id != wins[0])
    assert handoffs.held(winner, handoff.id).status == "taken"
    with pytest.raises(HandoffConflict):
        handoffs.held(loser, handoff.id)
    with pytest.raises(HandoffConflict):
        handoffs.hand_back(loser, handoff.id)
    with pytest.raises(HandoffNotFound):
        handoffs.take(winner, 999_999)


def test_a_stale_heartbeat_returns_the_conversation_to_the_queue(queue) -> None:
    handoffs, accounts, _, clock = queue
    pro = accounts.create("hoitaja", "Hoitaja", "professional", PASSWORD)
    handoff, _ = handoffs.enqueue("conv-a", {})
    handoffs.take(pro, handoff.id)
    later(clock, 20)
    handoffs.heartbeat(pro, handoff.id)
    later(clock, 20)
    assert handoffs.release_stale(dt.timedelta(seconds=30)) == []  # heartbeat 20 s ago
    later(clock, 15)
    released = handoffs.release_stale(dt.timedelta(seconds=30))
    assert [h.id for h in released] == [handoff.id] and released[0].status == "waiting"
    assert released[0].queued_at == clock["now"] and released[0].taken_by is None
    with pytest.raises(HandoffConflict):
        handoffs.heartbeat(pro, handoff.id)
    assert handoffs.release_stale(dt.timedelta(seconds=30)) == []  # once only


def test_a_long_wait_expires_counted_from_entering_the_queue(queue) -> None:
    handoffs, _, _, clock = queue
    old, _ = handoffs.enqueue("conv-a", {})
    later(clock, 200)
    new, _ = handoffs.enqueue("conv-b", {})
    later(clock, 150)
    expired = handoffs.expire_waiting(dt.timedelta(seconds=300))
    assert [h.id for h in expired] == [old.id] and expired[0].status == "expired"
    assert handoffs.active_for("conv-a") is None and handoffs.active_for("conv-b").id == new.id
    assert handoffs.expire_waiting(dt.timedelta(seconds=300)) == []


def test_hand_back_release_and_the_access_log(queue) -> None:
    handoffs, accounts, tickets, _ = queue
    pro = accounts.create("hoitaja", "Hoitaja", "professional", PASSWORD)
    handoff, _ = handoffs.enqueue("conv-a", {})
    handoffs.take(pro, handoff.id)
    assert handoffs.release(pro, handoff.id).status == "waiting"
    assert handoffs.release(pro, handoff.id) is None
    handoffs.take(pro, handoff.id)
    handoffs.log_read(pro, handoffs.held(pro, handoff.id), "events 0-3")
    assert handoffs.hand_back(pro, handoff.id).status == "returned"
    assert handoffs.active_for("conv-a") is None
    entries = tickets.access_log(account_id=pro.id)
    assert [e.action for e in entries] == ["handoff-return", "handoff-read", "handoff-take", "handoff-release",
                                           "handoff-take"]
    assert all(e.ticket_id is None and conversation_key("conv-a") in e.detail and "conv-a" not in e.detail
               for e in entries)
