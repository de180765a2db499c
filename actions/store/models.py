"""Mapped classes: data only."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Column, DateTime, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class PathFeedback(Base):
    """One "Oliko tästä apua?" answer for one guidance path."""

    __tablename__ = "path_feedback"

    id = Column(Integer, primary_key=True)
    path_id = Column(String(120), nullable=False, index=True)
    helpful = Column(Boolean, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False,
                        default=lambda: dt.datetime.now(dt.timezone.utc))


class UnansweredQuestion(Base):
    """A resident question that got no good answer (personal data removed before storing)."""

    __tablename__ = "unanswered_question"

    id = Column(Integer, primary_key=True)
    text = Column(String(2000), nullable=False)
    outcome = Column(String(40), nullable=False, index=True)  # no_match / clarify / out_of_scope / not_helpful
    best_path_id = Column(String(120), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False,
                        default=lambda: dt.datetime.now(dt.timezone.utc))
