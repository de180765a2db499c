"""Conversations as Rasa keeps them: the `events` table of its SQL tracker store.

Only the retention job and the erasure reach in here, to delete; nothing reads a transcript
through this module. The table belongs to Rasa (it is made by Rasa's first message), so a
missing table just means there is nothing to delete yet.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlalchemy import column, delete, func, inspect, select, table
from sqlalchemy.engine import Engine

from actions.store.database import make_engine

EVENTS = table("events", column("sender_id"), column("timestamp"))
BATCH = 500


class TranscriptStore:
    """Delete conversations from Rasa's SQL tracker store (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def from_url(cls, tracker_url: str) -> "TranscriptStore":
        """For the tracker store at this SQLAlchemy URL (never migrated: the schema is Rasa's)."""
        return cls(make_engine(tracker_url, migrate_schema=False))

    def _has_events(self) -> bool:
        with self._engine.connect() as connection:
            return inspect(connection).has_table("events")

    def last_activity(self, before: dt.datetime) -> dict[str, dt.datetime]:
        """Conversations silent since before this moment, with the time of their last event."""
        if not self._has_events():
            return {}
        last = func.max(EVENTS.c.timestamp)
        query = select(EVENTS.c.sender_id, last).group_by(EVENTS.c.sender_id).having(last < before.timestamp())
        with self._engine.connect() as connection:
            return {sender: dt.datetime.fromtimestamp(float(stamp), dt.timezone.utc)
                    for sender, stamp in connection.execute(query)}

    def delete(self, conversation_ids: Iterable[str]) -> int:
        """Delete every event of these conversations; returns the number of events deleted."""
        ids = list(dict.fromkeys(conversation_ids))
        if not ids or not self._has_events():
            return 0
        deleted = 0
        with self._engine.begin() as connection:
            for start in range(0, len(ids), BATCH):
                result = connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(ids[start:start + BATCH])))
                deleted += int(result.rowcount or 0)
        return deleted

    def dispose(self) -> None:
        self._engine.dispose()
