"""The console queue's emergency marker: which conversations in the queue got an emergency answer.

Read from the transcript through the relay (category and time only; no message text leaves it, so this
is not logged as a read); the console's queue shows the mark and the conversation view a banner.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any, Callable

from actions.store.models import Handoff
from bot.web.relay_client import Relay, RelayUnavailable

logger = logging.getLogger(__name__)
EMERGENCY_RECHECK_SECONDS = 5.0  # how often a conversation is read again
EMERGENCY_WAIT_SECONDS = 2.0    # and how long the queue waits for those reads


class EmergencyMarks:
    """Which conversations in the queue got an emergency answer (the queue's marker): read from the
    transcript through the relay, only the entries not read yet, at most every `recheck` seconds per
    conversation, one read at a time, shared by all professionals. The queue waits for the reads at
    most `wait` seconds (a slow read finishes for the next refresh); a relay failure keeps what was
    known."""

    def __init__(self, recheck: float = EMERGENCY_RECHECK_SECONDS, wait: float = EMERGENCY_WAIT_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.recheck = recheck
        self.wait = wait
        self.clock = clock
        self._known: dict[int, dict[str, Any]] = {}  # handoff id -> conversation, next index, mark, checked at
        self._reading: dict[int, asyncio.Task] = {}

    async def marks(self, relay: Relay, rows: list[Handoff]) -> dict[int, dict[str, Any] | None]:
        live = {h.id for h in rows}
        for gone in [i for i in self._known if i not in live]:
            del self._known[gone]
        for handoff in rows:
            if handoff.id not in self._reading and self._due(handoff):
                task = asyncio.ensure_future(self._read(relay, handoff))
                self._reading[handoff.id] = task
                task.add_done_callback(functools.partial(self._done, handoff.id))
        pending = [self._reading[h.id] for h in rows if h.id in self._reading]
        if pending:
            await asyncio.wait(pending, timeout=self.wait)
        return {h.id: (self._known.get(h.id) or {}).get("mark") for h in rows}

    def _done(self, handoff_id: int, _task: asyncio.Task) -> None:
        self._reading.pop(handoff_id, None)

    def _due(self, handoff: Handoff) -> bool:
        known = self._known.get(handoff.id)
        return (known is None or known["conversation"] != handoff.conversation_id
                or self.clock() - known["checked"] >= self.recheck)

    async def _read(self, relay: Relay, handoff: Handoff) -> None:
        known = self._known.get(handoff.id)
        if known is None or known["conversation"] != handoff.conversation_id:
            known = {"conversation": handoff.conversation_id, "next": 0, "mark": None, "checked": 0.0}
        try:
            entries = await relay.transcript(handoff.conversation_id, known["next"])
        except RelayUnavailable as error:
            logger.warning("emergency marks: handoff %s not read: %s", handoff.id, error)
            entries = []
        for entry in entries:
            known["next"] = max(known["next"], int(entry.get("index", 0)) + 1)
            if entry.get("emergency"):
                known["mark"] = {"category": entry.get("category"), "at": entry.get("at")}
        known["checked"] = self.clock()
        self._known[handoff.id] = known
