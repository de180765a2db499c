"""Privacy operations: retention periods, redaction in logs and analytics, erasure of a conversation.

Transcripts live in a table made by Rasa's own `SQLTrackerStore` class (the schema the real tracker
store has); the assistant's database is SQLite and, in CI, PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import create_engine, insert, select

from actions.store.analytics import conversation_key, record_event
from actions.store.database import make_engine, make_session_factory
from actions.store.erasure import ERASED_SUMMARY, erase_conversation
from actions.store.handoffs import HandoffStore
from actions.store.identification import IdentificationStore
from actions.store.models import (AccessLogEntry, AnalyticsEvent, Handoff, PathFeedback, SamlAssertionSeen, SamlRequest,
                                  Ticket, UnansweredQuestion)
from actions.store.retention import REMOVED_SUMMARY, apply_retention
from actions.store.transcripts import TranscriptStore
from bot.log_redaction import install_log_redaction, redact_record
from bot.personal_data import redact_identifiers
from bot.settings import PrivacySettings

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.timezone.utc)
VALID_HETU = "131052-308T"  # the checksum is right
EVENTS_TABLE = SQLTrackerStore.SQLEvent.__table__


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.fixture
def tracker_url(database_url):
    """Rasa's table in the same database as ours (as the production set keeps them): SQLite and PostgreSQL."""
    url = database_url
    engine = create_engine(url, future=True)
    EVENTS_TABLE.create(engine)  # Rasa's own table definition
    engine.dispose()
    return url


def add_transcript(tracker_url: str, conversation: str, last_active: dt.datetime, messages: int = 3) -> None:
    engine = create_engine(tracker_url, future=True)
    with engine.begin() as connection:
        for index in range(messages):
            at = last_active - dt.timedelta(minutes=messages - 1 - index)
            connection.execute(insert(EVENTS_TABLE).values(
                sender_id=conversation, type_name="user", timestamp=at.timestamp(), intent_name="ask_guidance",
                data=json.dumps({"event": "user", "text": f"viesti {index}", "timestamp": at.timestamp()})))
    engine.dispose()


def transcript_senders(tracker_url: str) -> set[str]:
    engine = create_engine(tracker_url, future=True)
    with engine.connect() as connection:
        senders = set(connection.execute(select(EVENTS_TABLE.c.sender_id)).scalars())
    engine.dispose()
    return senders


@pytest.fixture
def stores(database_url, tracker_url):
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    transcripts = TranscriptStore.from_url(tracker_url)
    yield sessions, transcripts
    transcripts.dispose()
    engine.dispose()


def add_ticket(session, conversation: str) -> None:
    session.add(Ticket(reference=f"R{conversation[-7:]}", idempotency_key=f"{conversation}:form", conversation_id=conversation,
                       channel="identified_chat", contact_role="resident", reason="health", urgency="normal",
                       resident_words="Haluan soittopyynnön.", prefilled={}, contact_method="phone",
                       phone="+358401234567", consent_text="Suostun.", consent_at=days_ago(40),
                       created_at=days_ago(40), updated_at=days_ago(40), answer_by=days_ago(39)))


# -- retention -------------------------------------------------------------------------------------

def test_retention_deletes_what_is_past_its_period_and_keeps_the_rest(stores, tracker_url) -> None:
    sessions, transcripts = stores
    add_transcript(tracker_url, "old-anonymous", days_ago(31))
    add_transcript(tracker_url, "recent-anonymous", days_ago(29))
    add_transcript(tracker_url, "old-identified", days_ago(40))
    add_transcript(tracker_url, "older-identified", days_ago(100))
    IdentificationStore(sessions).open_session("old-identified", dt.timedelta(minutes=60))
    IdentificationStore(sessions).open_session("older-identified", dt.timedelta(minutes=60))
    with sessions() as session, session.begin():
        record_event(session, "conversation_started", "old-anonymous", at=days_ago(31))
        record_event(session, "guidance", "old-anonymous", at=days_ago(800), outcome="answer")
        session.add(PathFeedback(path_id="p", helpful=True, created_at=days_ago(800)))
        session.add(PathFeedback(path_id="p", helpful=False, created_at=days_ago(10)))
        session.add(UnansweredQuestion(text="vanha kysymys", outcome="no_match", created_at=days_ago(31)))
        session.add(UnansweredQuestion(text="uusi kysymys", outcome="no_match", created_at=days_ago(2)))
        session.add(Handoff(conversation_id="old-anonymous", summary={"recent_messages": ["apua"]}, status="closed",
                            requested_at=days_ago(32), queued_at=days_ago(32), ended_at=days_ago(31)))
        session.add(Handoff(conversation_id="recent-anonymous", summary={"recent_messages": ["hei"]},
                            status="returned", requested_at=days_ago(3), queued_at=days_ago(3), ended_at=days_ago(3)))
        add_ticket(session, "old-anonymous")
    privacy = PrivacySettings(tracker_url=tracker_url, transcript_days=30, identified_transcript_days=60,
                              analytics_days=730)

    result = apply_retention(sessions, transcripts, privacy, NOW)

    assert transcript_senders(tracker_url) == {"recent-anonymous", "old-identified"}
    assert (result.conversations, result.transcript_events) == (2, 6)
    assert (result.analytics_events, result.feedback, result.unanswered_questions, result.handoff_summaries) == (1, 1, 1, 1)
    with sessions() as session:
        assert [e.kind for e in session.execute(select(AnalyticsEvent)).scalars()] == ["conversation_started"]
        assert [q.text for q in session.execute(select(UnansweredQuestion)).scalars()] == ["uusi kysymys"]
        summaries = {h.conversation_id: h.summary for h in session.execute(select(Handoff)).scalars()}
        assert summaries == {"old-anonymous": REMOVED_SUMMARY, "recent-anonymous": {"recent_messages": ["hei"]}}
        assert session.execute(select(Ticket.conversation_id)).scalars().all() == ["old-anonymous"]  # client record
    again = apply_retention(sessions, transcripts, privacy, NOW)
    assert again.conversations == again.analytics_events == again.handoff_summaries == 0


def test_retention_forgets_saml_requests_and_seen_assertions_and_keeps_the_live_ones(stores) -> None:
    sessions, transcripts = stores
    minutes = dt.timedelta(minutes=1)
    with sessions() as session, session.begin():
        session.add_all([
            SamlRequest(id="id-expired-days-ago", created_at=days_ago(3), expires_at=days_ago(3) + 15 * minutes),
            SamlRequest(id="id-answered-days-ago", created_at=days_ago(2), expires_at=days_ago(2) + 15 * minutes,
                        answered_at=days_ago(2) + minutes),
            SamlRequest(id="id-answered-an-hour-ago", created_at=NOW - 60 * minutes, expires_at=NOW - 45 * minutes,
                        answered_at=NOW - 58 * minutes),  # kept a day: a late repeat is told "already used"
            SamlRequest(id="id-in-flight", created_at=NOW - 5 * minutes, expires_at=NOW + 10 * minutes),
            SamlAssertionSeen(assertion_id="a-past-its-time", seen_at=days_ago(1), keep_until=days_ago(1) + 10 * minutes),
            SamlAssertionSeen(assertion_id="a-still-kept", seen_at=NOW - 2 * minutes, keep_until=NOW + 8 * minutes),
        ])
    privacy = PrivacySettings()

    result = apply_retention(sessions, transcripts, privacy, NOW)

    with sessions() as session:
        assert set(session.execute(select(SamlRequest.id)).scalars()) == {"id-answered-an-hour-ago", "id-in-flight"}
        assert list(session.execute(select(SamlAssertionSeen.assertion_id)).scalars()) == ["a-still-kept"]
    assert (result.saml_requests, result.seen_assertions) == (2, 1)
    store = IdentificationStore(sessions, clock=lambda: NOW)
    assert store.outstanding("id-in-flight") is not None and store.was_answered("id-answered-an-hour-ago")
    again = apply_retention(sessions, transcripts, privacy, NOW)
    assert (again.saml_requests, again.seen_assertions) == (0, 0)


def test_retention_forgets_staff_sessions_a_day_after_they_ended_or_expired(stores) -> None:
    from actions.store.accounts import AccountStore
    from actions.store.models import AccountSession

    sessions, transcripts = stores
    accounts = AccountStore(sessions, clock=lambda: NOW - dt.timedelta(days=3))
    accounts.create("maija.m", "Maija", "professional", "salasana-joka-on-pitka")
    old = accounts.sign_in("maija.m", "salasana-joka-on-pitka")  # expired days ago
    ended = accounts.sign_in("maija.m", "salasana-joka-on-pitka")
    accounts.sign_out(ended.token)
    live = AccountStore(sessions, clock=lambda: NOW).sign_in("maija.m", "salasana-joka-on-pitka")
    assert old and live

    result = apply_retention(sessions, transcripts, PrivacySettings(), NOW)

    with sessions() as session:
        assert len(session.execute(select(AccountSession)).scalars().all()) == 1
    assert result.staff_sessions == 2
    assert AccountStore(sessions, clock=lambda: NOW).account_for(live.token) is not None


def test_retention_before_rasa_made_its_table_deletes_nothing(database_url, tmp_path) -> None:
    sessions = make_session_factory(make_engine(database_url))
    transcripts = TranscriptStore.from_url(f"sqlite:///{tmp_path / 'no-tracker.db'}")
    result = apply_retention(sessions, transcripts, PrivacySettings(), NOW)
    assert result.conversations == 0 and result.transcript_events == 0


def test_retention_periods_are_read_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("ASSISTANT_TRANSCRIPT_RETENTION_DAYS", "14")
    monkeypatch.setenv("ASSISTANT_ANALYTICS_RETENTION_DAYS", "365")
    monkeypatch.setenv("TRACKER_DB", "/data/tracker.db")
    privacy = PrivacySettings.from_env()
    assert (privacy.transcript_days, privacy.analytics_days, privacy.tracker_url) == (14, 365, "sqlite:////data/tracker.db")
    for name, value in (("TRACKER_DB_HOST", "db.internal"), ("TRACKER_DB_NAME", "rasa"), ("TRACKER_DB_USER", "rasa"),
                        ("TRACKER_DB_PASSWORD", "p@ss:word")):
        monkeypatch.setenv(name, value)  # the production endpoints' variables
    assert PrivacySettings.from_env().tracker_url == "postgresql+psycopg2://rasa:p%40ss%3Aword@db.internal:5432/rasa"
    monkeypatch.setenv("ASSISTANT_TRACKER_URL", "postgresql+psycopg2://other/tracker")
    assert PrivacySettings.from_env().tracker_url == "postgresql+psycopg2://other/tracker"
    monkeypatch.setenv("ASSISTANT_TRANSCRIPT_RETENTION_DAYS", "kuukausi")
    with pytest.raises(ValueError, match="ASSISTANT_TRANSCRIPT_RETENTION_DAYS"):
        PrivacySettings.from_env()
    monkeypatch.setenv("ASSISTANT_TRANSCRIPT_RETENTION_DAYS", "0")
    with pytest.raises(ValueError, match="at least 1"):
        PrivacySettings.from_env()


# -- erasure ---------------------------------------------------------------------------------------

def test_erasure_deletes_the_conversation_and_keeps_tickets_and_others(stores, tracker_url) -> None:
    sessions, transcripts = stores
    add_transcript(tracker_url, "mine", days_ago(0), messages=4)
    add_transcript(tracker_url, "someone-else", days_ago(0))
    handoff, _ = HandoffStore(sessions, clock=lambda: NOW).enqueue("mine", {"identity": {"code": VALID_HETU}})
    with sessions() as session, session.begin():
        record_event(session, "conversation_started", "mine", at=NOW)
        record_event(session, "conversation_started", "someone-else", at=NOW)
        add_ticket(session, "mine")

    result = erase_conversation(sessions, transcripts, "mine", now=NOW)

    assert (result.transcript_events, result.analytics_events, result.handoffs, result.tickets_kept) == (4, 2, 1, 1)
    assert transcript_senders(tracker_url) == {"someone-else"}
    with sessions() as session:
        assert session.execute(select(AnalyticsEvent.conversation)).scalars().all() == [conversation_key("someone-else")]
        erased = session.get(Handoff, handoff.id)
        assert erased.summary == ERASED_SUMMARY and erased.status == "closed"  # no longer in the live queue
        assert session.execute(select(Ticket.conversation_id)).scalars().all() == ["mine"]
        log = session.execute(select(AccessLogEntry).where(AccessLogEntry.action == "erase")).scalar_one()
        assert conversation_key("mine") in log.detail and "mine" not in log.detail.replace(conversation_key("mine"), "")
    again = erase_conversation(sessions, transcripts, "mine", now=NOW)
    assert (again.transcript_events, again.analytics_events, again.handoffs) == (0, 0, 0)


# -- redaction -------------------------------------------------------------------------------------

def test_identifiers_are_redacted_but_look_alikes_are_kept() -> None:
    text = f"Hetu {VALID_HETU}, puh. 040 123 4567, +358 40 7654321, posti maija.m@example.fi, 131052-308X ei ole."
    assert redact_identifiers(text) == ("Hetu [HETU], puh. [PUHELIN], [PUHELIN], posti [SÄHKÖPOSTI], "
                                        "131052-308X ei ole.")


def test_log_records_are_redacted_whoever_logs_them(caplog) -> None:
    install_log_redaction()
    install_log_redaction()  # twice changes nothing
    with caplog.at_level(logging.INFO, logger="rasa.core.processor"):
        logging.getLogger("rasa.core.processor").info("Received user message '%s'", f"hetuni on {VALID_HETU}")
        try:
            raise ValueError("bad phone 0401234567")
        except ValueError:
            logging.getLogger("some.library").exception("failed for %s", "maija@example.fi")
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["Received user message 'hetuni on [HETU]'", "failed for [SÄHKÖPOSTI]"]
    assert "0401234567" not in caplog.text and "[PUHELIN]" in caplog.text and VALID_HETU not in caplog.text


def test_a_broken_format_string_is_left_to_logging() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d apples", ("many",), None)
    assert redact_record(record).args == ("many",)


def test_analytics_keep_no_identifiers_even_when_a_caller_slips(database_url) -> None:
    sessions = make_session_factory(make_engine(database_url))
    with sessions() as session, session.begin():
        record_event(session, "guidance", "conversation-1", at=NOW, outcome="answer", path_id="soita 0401234567")
    with sessions() as session:
        event = session.execute(select(AnalyticsEvent)).scalar_one()
    assert event.path_id == "soita [PUHELIN]"
    assert event.conversation == conversation_key("conversation-1") and "conversation-1" not in event.conversation
    assert (event.day, event.hour) == ("2026-12-03", 14)  # Helsinki time
    with pytest.raises(ValueError, match="unknown analytics dimensions"), sessions() as session, session.begin():
        record_event(session, "guidance", "c", text="vapaata tekstiä")
