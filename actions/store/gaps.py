"""Repository functions for questions that got no good answer; the caller owns the session."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.store.models import UnansweredQuestion


@dataclass(frozen=True)
class GapGroup:
    """Questions with the same outcome and nearest path, counted."""

    outcome: str
    best_path_id: str | None
    count: int
    examples: tuple[str, ...]


def record_gap(session: Session, redacted_text: str, outcome: str, best_path_id: str | None) -> None:
    """Store one question (already redacted)."""
    session.add(UnansweredQuestion(text=redacted_text[:2000], outcome=outcome, best_path_id=best_path_id))


def gap_groups(session: Session, examples_per_group: int = 5) -> list[GapGroup]:
    """Groups by outcome and nearest path, largest first, with the most frequent questions."""
    rows = session.execute(select(UnansweredQuestion.outcome, UnansweredQuestion.best_path_id,
                                  UnansweredQuestion.text, func.count())
                           .group_by(UnansweredQuestion.outcome, UnansweredQuestion.best_path_id,
                                     UnansweredQuestion.text)).all()
    groups: dict[tuple[str, str | None], list[tuple[int, str]]] = {}
    for outcome, path_id, text, count in rows:
        groups.setdefault((outcome, path_id), []).append((int(count), text))
    result = []
    for (outcome, path_id), texts in groups.items():
        texts.sort(key=lambda item: (-item[0], item[1]))
        result.append(GapGroup(outcome, path_id, sum(c for c, _ in texts),
                               tuple(f"{t} ({c})" if c > 1 else t for c, t in texts[:examples_per_group])))
    return sorted(result, key=lambda g: (-g.count, g.outcome, g.best_path_id or ""))
