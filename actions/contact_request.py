"""The contact request a resident asks for after a self-assessment (or otherwise): a complete, typed
record handed to whatever stores and delivers it (the ticket store; until it exists, kept in memory).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from guidance_library.instruments import AssessmentResult

logger = logging.getLogger(__name__)

Urgency = Literal["urgent", "normal"]


@dataclass(frozen=True)
class ContactRequest:
    """What the client-guidance team needs to call the resident back, prefilled from the chat."""

    conversation_id: str
    urgency: Urgency
    reason: str
    resident_messages: tuple[str, ...]      # what the resident already told (personal data redacted)
    consent: bool                           # the resident agreed that these details are passed on
    assessment: AssessmentResult | None = None  # instrument, every item's answer, score
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    reference: str = field(default_factory=lambda: uuid.uuid4().hex[:8].upper())

    def __post_init__(self) -> None:
        if self.urgency not in ("urgent", "normal"):
            raise ValueError(f"urgency must be urgent or normal, not {self.urgency!r}")
        if not self.consent:
            raise ValueError("a contact request is only made with the resident's consent")

    def as_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "conversation_id": self.conversation_id, "urgency": self.urgency,
                "reason": self.reason, "resident_messages": list(self.resident_messages), "consent": self.consent,
                "assessment": self.assessment.as_dict() if self.assessment else None,
                "created_at": self.created_at.isoformat()}


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
