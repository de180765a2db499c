"""The contact request a resident asks for after a self-assessment (or otherwise): a complete, typed
record handed to whatever stores and delivers it (the ticket store; until it exists, kept in memory).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Mapping, Protocol

logger = logging.getLogger(__name__)

Urgency = Literal["urgent", "normal"]


@dataclass(frozen=True)
class AssessmentRecord:
    """An assessment result as the professional sees it: instrument, every item's answer, score."""

    instrument: str
    name: str
    total: int
    max_score: int
    threshold: int
    at_or_above: bool
    band: str | None
    crisis: bool
    answers: Mapping[str, int | None]  # item id -> points (None = skipped)
    background: Mapping[str, str]
    skipped: tuple[str, ...] = ()

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> "AssessmentRecord":
        return cls(instrument=str(result["instrument"]), name=str(result["name"]), total=int(result["total"]),
                   max_score=int(result["max_score"]), threshold=int(result["threshold"]),
                   at_or_above=bool(result["at_or_above"]), band=result.get("band"), crisis=bool(result["crisis"]),
                   answers=dict(result["answers"]), background=dict(result.get("background") or {}),
                   skipped=tuple(result.get("skipped") or ()))


@dataclass(frozen=True)
class ContactRequest:
    """What the client-guidance team needs to call the resident back, prefilled from the chat."""

    conversation_id: str
    urgency: Urgency
    reason: str
    resident_messages: tuple[str, ...]      # what the resident already told (personal data redacted)
    consent: bool                           # the resident agreed that these details are passed on
    assessment: AssessmentRecord | None = None
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    reference: str = field(default_factory=lambda: uuid.uuid4().hex[:8].upper())

    def __post_init__(self) -> None:
        if self.urgency not in ("urgent", "normal"):
            raise ValueError(f"urgency must be urgent or normal, not {self.urgency!r}")
        if not self.consent:
            raise ValueError("a contact request is only made with the resident's consent")

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data


class ContactRequestSink(Protocol):
    """Where finished contact requests go."""

    def submit(self, request: ContactRequest) -> str:
        """Take the request; return the reference shown to the resident."""


class PendingContactRequests:
    """Keeps requests in memory (the ticket store replaces this); logs without personal data."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[ContactRequest] = []

    def submit(self, request: ContactRequest) -> str:
        with self._lock:
            self.requests.append(request)
        logger.info("contact request %s (%s, %s)", request.reference, request.urgency,
                    request.assessment.instrument if request.assessment else "no assessment")
        return request.reference
