"""Erasure: a strongly identified resident has their conversation data deleted.

Asked for by the resident from the chat (`POST /auth/erase` with the identified session) or
carried out by an operator for a written request (`python -m actions.store.erasure <conversation id>`).
Deleted: the conversation in Rasa's tracker store, its analytics events and the live-handoff
summaries (a handoff still in the queue ends). Kept: contact-request tickets, which are the
region's client records (the resident is told so and where to ask about them); the access-log
line that says an erasure happened, without the conversation id.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
from dataclasses import asdict, dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from actions.store.analytics import conversation_key
from actions.store.database import make_engine, make_session_factory
from actions.store.models import (HANDOFF_ACTIVE, AccessLogEntry, AnalyticsEvent, AssessmentResult, Handoff,
                                  IdentifiedSession, NotificationAddress, OutboxNotification, ProgrammeEnrolment,
                                  SecureMessage, Ticket)
from actions.store.person_key import checked_key
from actions.store.retention import REMOVED_SUMMARY
from actions.store.transactions import transaction
from actions.store.transcripts import TranscriptStore
from bot.settings import Settings

logger = logging.getLogger(__name__)
ERASED_SUMMARY = {"removed": "erasure"}


@dataclass(frozen=True)
class ErasureResult:
    """What was deleted, and how many client records were kept (tickets; with a person key, also the
    own space's messages, results and programmes)."""

    transcript_events: int
    analytics_events: int
    handoffs: int
    tickets_kept: int
    notifications_removed: int = 0   # the notification address and outbox rows of the person
    messages_kept: int = 0
    results_kept: int = 0
    programmes_kept: int = 0


def erase_conversation(sessions: sessionmaker, transcripts: TranscriptStore, conversation_id: str,
                       actor: str = "resident-chat", now: dt.datetime | None = None,
                       person_key: str | None = None) -> ErasureResult:
    """Erase one conversation's data, and the person's notification address and outbox rows (the person
    of `person_key`, or of the conversation's identified sessions: an operator's erasure names only the
    conversation); the sessions' person links go too. Running it again finds nothing more to delete."""
    if not conversation_id:
        raise ValueError("a conversation id is needed")
    person = None if person_key is None else checked_key(person_key)
    now = now or dt.datetime.now(dt.timezone.utc)
    key = conversation_key(conversation_id)
    with transaction(sessions) as session:
        linked = session.execute(select(IdentifiedSession.person_key).where(
            IdentifiedSession.conversation_id == conversation_id, IdentifiedSession.person_key.is_not(None))
            .order_by(IdentifiedSession.id.desc())).scalars().first()
        person = person or linked
        session.execute(update(IdentifiedSession).where(IdentifiedSession.conversation_id == conversation_id)
                        .values(person_key=None).execution_options(synchronize_session=False))
        analytics = session.execute(delete(AnalyticsEvent).where(AnalyticsEvent.conversation == key)).rowcount
        handoffs = session.execute(select(Handoff).where(Handoff.conversation_id == conversation_id)).scalars().all()
        changed = 0
        for handoff in handoffs:
            if handoff.summary in (ERASED_SUMMARY, REMOVED_SUMMARY) and handoff.status not in HANDOFF_ACTIVE:
                continue
            handoff.summary = dict(ERASED_SUMMARY)
            if handoff.status in HANDOFF_ACTIVE:
                handoff.status, handoff.ended_at = "closed", now
            changed += 1
        tickets = session.execute(select(func.count(Ticket.id)).where(Ticket.conversation_id == conversation_id)
                                  ).scalar_one()
        own_space = _own_space(session, conversation_id, person)
        session.add(AccessLogEntry(at=now, actor=actor, action="erase", ticket_id=None,
                                   detail=f"conversation {key}: transcript, analytics and handoff summaries"
                                          + ("; notification address and outbox" if person else "")))
    events = transcripts.delete([conversation_id])
    result = ErasureResult(events, int(analytics or 0), changed, int(tickets), *own_space)
    logger.info("erasure of conversation %s: %s", key, asdict(result))
    return result


def _own_space(session: Session, conversation_id: str, person: str | None) -> tuple[int, int, int, int]:
    """Delete the person's notification address and outbox rows; count the own space's client records
    that stay: (notifications removed, messages, results, programmes kept). Without a person key: the
    messages of the conversation's tickets only."""
    if person is None:
        messages = session.execute(select(func.count(SecureMessage.id)).join(Ticket, SecureMessage.ticket_id == Ticket.id)
                                   .where(Ticket.conversation_id == conversation_id)).scalar_one()
        return 0, int(messages), 0, 0
    removed = (session.execute(delete(NotificationAddress).where(NotificationAddress.person_key == person)).rowcount
               or 0) + (session.execute(delete(OutboxNotification).where(OutboxNotification.person_key == person))
                        .rowcount or 0)
    messages, results, programmes = (
        int(session.execute(select(func.count(model.id)).where(model.person_key == person)).scalar_one())
        for model in (SecureMessage, AssessmentResult, ProgrammeEnrolment))
    return int(removed), messages, results, programmes


def main(argv: list[str] | None = None) -> int:
    """`python -m actions.store.erasure <conversation id>`: an operator carries out a written request."""
    parser = argparse.ArgumentParser(description="Erase one conversation's data (transcript, analytics, "
                                                 "handoff summaries); tickets are kept as client records.")
    parser.add_argument("conversation_id")
    parser.add_argument("--operator", required=True, help="who carries out the request (written to the access log)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    sessions = make_session_factory(make_engine(settings.database_url))
    transcripts = TranscriptStore.from_url(settings.privacy.tracker_url)
    try:
        result = erase_conversation(sessions, transcripts, args.conversation_id, actor=f"operator:{args.operator}")
    finally:
        transcripts.dispose()
    for name, value in asdict(result).items():
        print(f"{name.replace('_', ' ')}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
