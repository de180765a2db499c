"""Repository functions for path feedback; the caller owns the session and transaction."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from actions.store.models import PathFeedback


@dataclass(frozen=True)
class FeedbackCounts:
    """Helpful / not helpful counts of one path."""

    path_id: str
    helpful: int
    not_helpful: int


def record_feedback(session: Session, path_id: str, helpful: bool) -> None:
    """Store one answer."""
    session.add(PathFeedback(path_id=path_id, helpful=helpful))


def feedback_counts(session: Session) -> list[FeedbackCounts]:
    """Counts per path, most answered first."""
    helpful = func.sum(case((PathFeedback.helpful.is_(True), 1), else_=0))
    total = func.count(PathFeedback.id)
    rows = session.execute(select(PathFeedback.path_id, helpful, total)
                           .group_by(PathFeedback.path_id).order_by(total.desc(), PathFeedback.path_id))
    return [FeedbackCounts(path_id, int(h or 0), int(t) - int(h or 0)) for path_id, h, t in rows]
