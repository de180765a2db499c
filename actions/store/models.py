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
