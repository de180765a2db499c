"""Retention: conversations and analytics are kept only for their configured periods.

Run by the web app once a day (`ASSISTANT_RETENTION_INTERVAL_HOURS`), or from cron / a Kubernetes
CronJob with `python -m actions.store.retention`. Each run deletes what is past its period:

- transcripts in Rasa's tracker store of conversations silent for longer than
  `transcript_days` (anonymous) or `identified_transcript_days` (bound to a strongly identified
  session);
- the live-handoff summaries (recent messages, identity) of handoffs that ended that long ago;
- the unanswered questions kept for the editors (redacted resident text) of that age;
- analytics events and path feedback older than `analytics_days`;
- the identity provider's session references (NameID) of identified sessions that ended that long ago;
- strong identification's SAML requests a day after they expired, and the replay cache's assertion
  IDs past their keeping time (`IdentificationStore.purge`);
- notifications of the outbox (an address and a template key) a week after they were sent or given
  up (`OutboxStore.purge`; given-up ones stay that long for the operators to see).

Not touched, as the region's client records that follow its records rules: contact-request tickets,
the contact records (issue 20: a recorded call, chat, message or visit; their short notes are redacted
but still client data, so they are kept like the tickets they may become; their analytics events, which
hold no text, go with the other events after `analytics_days`, and the address a guidance path was sent
to only lives in its outbox row, deleted a week after sending), and the identified residents' own space (issue 18): secure messages (a ticket's thread), assessment
results, self-care programme enrolments with their progress and plan notes. Nor are the acceptances
of the service terms (the record of what each person accepted, and when) and the residents' own
notification addresses (kept while they use the service; the erasure removes them).
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
from dataclasses import asdict, dataclass

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import sessionmaker

from actions.store.database import make_engine, make_session_factory
from actions.store.identification import IdentificationStore
from actions.store.models import (HANDOFF_ACTIVE, AccountSession, AnalyticsEvent, Handoff, IdentifiedSession, PathFeedback,
                                  UnansweredQuestion)
from actions.store.outbox import OutboxStore
from actions.store.transactions import transaction
from actions.store.transcripts import TranscriptStore
from bot.settings import PrivacySettings, Settings

logger = logging.getLogger(__name__)
REMOVED_SUMMARY = {"removed": "retention"}
BATCH = 500


@dataclass(frozen=True)
class RetentionResult:
    """What one run deleted."""

    conversations: int = 0
    transcript_events: int = 0
    handoff_summaries: int = 0
    unanswered_questions: int = 0
    analytics_events: int = 0
    feedback: int = 0
    saml_requests: int = 0
    seen_assertions: int = 0
    staff_sessions: int = 0   # staff sign-in sessions a day past their end or expiry
    notifications: int = 0    # outbox rows a week after they were sent or given up


def _identified(sessions: sessionmaker, conversation_ids: list[str]) -> set[str]:
    found: set[str] = set()
    with transaction(sessions) as session:
        for start in range(0, len(conversation_ids), BATCH):
            chunk = conversation_ids[start:start + BATCH]
            found.update(session.execute(select(IdentifiedSession.conversation_id)
                                         .where(IdentifiedSession.conversation_id.in_(chunk))).scalars())
    return found


def apply_retention(sessions: sessionmaker, transcripts: TranscriptStore, privacy: PrivacySettings,
                    now: dt.datetime | None = None) -> RetentionResult:
    """Delete what is past its period; safe to run on several replicas at once (deletes are idempotent)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    anonymous_cutoff = now - dt.timedelta(days=privacy.transcript_days)
    identified_cutoff = now - dt.timedelta(days=privacy.identified_transcript_days)
    analytics_cutoff = now - dt.timedelta(days=privacy.analytics_days)

    silent = transcripts.last_activity(max(anonymous_cutoff, identified_cutoff))
    identified = _identified(sessions, list(silent))
    doomed = [conversation for conversation, last in silent.items()
              if last < (identified_cutoff if conversation in identified else anonymous_cutoff)]
    events = transcripts.delete(doomed)

    with transaction(sessions) as session:
        ended = session.execute(select(Handoff).where(Handoff.status.not_in(HANDOFF_ACTIVE),
                                                      Handoff.ended_at < max(anonymous_cutoff, identified_cutoff))
                                ).scalars().all()
        summaries = 0
        for handoff in ended:
            summary = handoff.summary or {}
            cutoff = identified_cutoff if summary.get("identity") else anonymous_cutoff
            if summary != REMOVED_SUMMARY and handoff.ended_at < cutoff:
                handoff.summary = dict(REMOVED_SUMMARY)
                summaries += 1
        unanswered = session.execute(delete(UnansweredQuestion)
                                     .where(UnansweredQuestion.created_at < anonymous_cutoff)).rowcount
        analytics = session.execute(delete(AnalyticsEvent).where(AnalyticsEvent.at < analytics_cutoff)).rowcount
        feedback = session.execute(delete(PathFeedback).where(PathFeedback.created_at < analytics_cutoff)).rowcount
        staff_cutoff = now - dt.timedelta(days=1)
        staff_sessions = session.execute(delete(AccountSession).where(
            or_(AccountSession.expires_at < staff_cutoff, AccountSession.ended_at < staff_cutoff))).rowcount
        # an identified session over (ended, or expired without a logout) longer than its conversation is
        # kept: its single-logout handles and its link to the person (the own space's key) go
        over = or_(IdentifiedSession.ended_at < identified_cutoff,
                   and_(IdentifiedSession.ended_at.is_(None), IdentifiedSession.expires_at < identified_cutoff))
        session.execute(update(IdentifiedSession)
                        .where(over, or_(IdentifiedSession.name_id.is_not(None), IdentifiedSession.person_key.is_not(None)))
                        .values(name_id=None, session_index=None, person_key=None))
    saml_requests, seen_assertions = IdentificationStore(sessions, clock=lambda: now).purge()
    notifications = OutboxStore(sessions, clock=lambda: now).purge()
    result = RetentionResult(len(doomed), events, summaries, int(unanswered or 0), int(analytics or 0),
                             int(feedback or 0), saml_requests, seen_assertions, int(staff_sessions or 0),
                             notifications)
    logger.info("retention: %s", asdict(result))
    return result


def run_from_settings(settings: Settings, now: dt.datetime | None = None) -> RetentionResult:
    """One run against the configured databases."""
    sessions = make_session_factory(make_engine(settings.database_url))
    transcripts = TranscriptStore.from_url(settings.privacy.tracker_url)
    try:
        return apply_retention(sessions, transcripts, settings.privacy, now)
    finally:
        transcripts.dispose()
        sessions.kw["bind"].dispose()


def main(argv: list[str] | None = None) -> int:
    """`python -m actions.store.retention`: one run, printing what was deleted."""
    argparse.ArgumentParser(description="Delete conversations and analytics past their retention periods "
                                        "(periods and databases from the ASSISTANT_* environment).").parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.from_env()
    result = run_from_settings(settings)
    privacy = settings.privacy
    print(f"Retention (anonymous {privacy.transcript_days} d, identified {privacy.identified_transcript_days} d, "
          f"analytics {privacy.analytics_days} d):")
    for name, value in asdict(result).items():
        print(f"  {name.replace('_', ' ')}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
