"""Writing analytics events: what happened in the service, never who or what was written.

The callers are the actions (conversations, guidance, feedback, emergencies, assessments) and the
ticket and handoff stores (in the same transaction as the change they count). Only enumerated
values and library ids are kept; the conversation is a one-way hash, the same as in the logs.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from actions.store.models import ANALYTICS_KINDS, AnalyticsEvent
from bot.personal_data import conversation_key, redact_identifiers

logger = logging.getLogger(__name__)
LOCAL_ZONE = ZoneInfo("Europe/Helsinki")
DIMENSIONS = ("outcome", "path_id", "topic_id", "channel", "urgency", "contact_role", "reason", "answer_by_met",
              "service_area")
MAX_VALUE = {name: AnalyticsEvent.__table__.c[name].type.length for name in DIMENSIONS
             if getattr(AnalyticsEvent.__table__.c[name].type, "length", None)}  # the string columns' sizes


def local_day_and_hour(at: dt.datetime) -> tuple[str, int]:
    """The region's calendar day (YYYY-MM-DD) and hour of an aware moment."""
    local = at.astimezone(LOCAL_ZONE)
    return local.date().isoformat(), local.hour


def record_event(session: Session, kind: str, conversation_id: Optional[str] = None,
                 at: Optional[dt.datetime] = None, **dimensions: object) -> AnalyticsEvent:
    """Add one event to the caller's transaction. Unknown kinds or dimensions are programming errors."""
    if kind not in ANALYTICS_KINDS:
        raise ValueError(f"unknown analytics kind {kind!r}")
    unknown = set(dimensions) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"unknown analytics dimensions {sorted(unknown)}")
    at = at or dt.datetime.now(dt.timezone.utc)
    day, hour = local_day_and_hour(at)
    values = {name: (redact_identifiers(str(value))[:MAX_VALUE[name]] if name in MAX_VALUE and value is not None
                     else value) for name, value in dimensions.items()}  # ids only; a stray phone number never stays
    event = AnalyticsEvent(at=at, day=day, hour=hour, kind=kind,
                           conversation=conversation_key(conversation_id) if conversation_id else None, **values)
    session.add(event)
    return event


def record_quietly(sessions: sessionmaker, kind: str, conversation_id: Optional[str] = None,
                   **dimensions: object) -> bool:
    """Record one event in its own transaction; a database failure is logged, never shown to the
    resident (a count missing from the figures must not cost anyone their answer)."""
    try:
        with sessions() as session, session.begin():
            record_event(session, kind, conversation_id, **dimensions)
        return True
    except SQLAlchemyError:
        logger.warning("analytics: could not record a %s event", kind, exc_info=True)
        return False
