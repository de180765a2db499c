"""The management figures, counted from the analytics events of a period (local calendar days).

Plain GROUP BY queries on columns fixed when the events were written (`day`, `hour`, `kind` and the
enumerated dimensions), so SQLite and PostgreSQL give the same figures. One figure is a snapshot rather
than a count over the period: the contact requests still open whose answer-by time has passed at the
report time (read from the tickets themselves, not from the events).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import Session

from actions.store.models import AnalyticsEvent as E
from actions.store.models import Ticket

TICKET_DIMENSIONS = ("urgency", "channel", "contact_role", "reason")
FALLBACK_OUTCOMES = ("no_match", "out_of_scope")
MAX_DAYS = 400


class PeriodError(ValueError):
    """A period that cannot be reported (end before start, too long, not a date)."""


@dataclass(frozen=True)
class Period:
    """Local calendar days, both ends included."""

    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, start: str | None, end: str | None, today: dt.date) -> "Period":
        """From YYYY-MM-DD strings; by default the 30 days up to today."""
        try:
            last = dt.date.fromisoformat(end) if end else today
            first = dt.date.fromisoformat(start) if start else last - dt.timedelta(days=29)
        except ValueError as error:
            raise PeriodError("dates are YYYY-MM-DD") from error
        if first > last:
            raise PeriodError("the period ends before it starts")
        if (last - first).days + 1 > MAX_DAYS:
            raise PeriodError(f"at most {MAX_DAYS} days at a time")
        return cls(first, last)

    def days(self) -> list[str]:
        return [(self.start + dt.timedelta(days=n)).isoformat() for n in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class Report:
    """Everything the management page shows; counts are plain ints, rates 0..1 (None: nothing to divide)."""

    period: Period
    conversations_per_day: list[tuple[str, int]]
    conversations_per_hour: list[int]
    conversations: int
    guidance_outcomes: dict[str, int]
    fallback_rate: float | None
    handoff_rate: float | None
    contact_request_rate: float | None
    emergencies: int
    top_paths: list[tuple[str, int]]
    tickets: dict[str, dict[str, int]] = field(default_factory=dict)   # dimension -> value -> count
    ticket_outcomes: dict[str, int] = field(default_factory=dict)
    answer_by: dict[str, int] = field(default_factory=dict)            # met / missed
    feedback: list[tuple[str, int, int]] = field(default_factory=list)  # path, helpful, not helpful
    assessments: dict[str, int] = field(default_factory=dict)
    handoffs: dict[str, int] = field(default_factory=dict)              # requested / taken
    open_overdue_tickets: int = 0                 # open at `report_time` with the answer-by time passed
    report_time: dt.datetime | None = None


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class ReportBuilder:
    """Counts for one period from one session."""

    def __init__(self, session: Session, period: Period, top: int = 15, now: dt.datetime | None = None) -> None:
        self._session = session
        self._period = period
        self._top = top
        self._now = now or dt.datetime.now(dt.timezone.utc)

    def _open_overdue(self) -> int:
        """Contact requests not closed whose answer-by time is before the report time (any period)."""
        return int(self._session.execute(select(func.count(Ticket.id)).where(
            Ticket.status != "closed", Ticket.answer_by < self._now)).scalar_one())

    def _in_period(self, kind: str, *conditions):
        return and_(E.kind == kind, E.day >= self._period.start.isoformat(), E.day <= self._period.end.isoformat(),
                    *conditions)

    def _grouped(self, kind: str, column, *conditions) -> dict[str, int]:
        rows = self._session.execute(select(column, func.count()).where(self._in_period(kind, *conditions))
                                     .group_by(column))
        return {("" if value is None else str(value)): int(count) for value, count in rows}

    def _conversations(self, kind: str) -> int:
        return int(self._session.execute(select(func.count(distinct(E.conversation)))
                                         .where(self._in_period(kind))).scalar_one())

    def build(self) -> Report:
        per_day = self._grouped("conversation_started", E.day)
        per_hour = self._grouped("conversation_started", E.hour)
        conversations = sum(per_day.values())
        outcomes = self._grouped("guidance", E.outcome)
        guided = sum(outcomes.values())
        fallbacks = sum(outcomes.get(o, 0) for o in FALLBACK_OUTCOMES)
        top = self._session.execute(
            select(E.path_id, func.count()).where(self._in_period("guidance", E.outcome == "answer"))
            .group_by(E.path_id).order_by(func.count().desc(), E.path_id).limit(self._top)).all()
        helpful = self._session.execute(
            select(E.path_id, E.outcome, func.count()).where(self._in_period("feedback"))
            .group_by(E.path_id, E.outcome)).all()
        feedback: dict[str, list[int]] = {}
        for path_id, outcome, count in helpful:
            feedback.setdefault(path_id, [0, 0])[0 if outcome == "helpful" else 1] += int(count)
        met = self._grouped("ticket_closed", E.answer_by_met)
        return Report(
            period=self._period,
            conversations_per_day=[(day, per_day.get(day, 0)) for day in self._period.days()],
            conversations_per_hour=[per_hour.get(str(hour), 0) for hour in range(24)],
            conversations=conversations,
            guidance_outcomes=outcomes,
            fallback_rate=_rate(fallbacks, guided),
            handoff_rate=_rate(self._conversations("handoff_requested"), conversations),
            contact_request_rate=_rate(self._conversations("ticket_created"), conversations),
            emergencies=sum(self._grouped("emergency", E.kind).values()),
            top_paths=[(str(path), int(count)) for path, count in top],
            tickets={dimension: self._grouped("ticket_created", getattr(E, dimension))
                     for dimension in TICKET_DIMENSIONS},
            ticket_outcomes=self._grouped("ticket_closed", E.outcome),
            answer_by={"met": met.get("True", 0) + met.get("1", 0), "missed": met.get("False", 0) + met.get("0", 0)},
            feedback=sorted(((p, h, n) for p, (h, n) in feedback.items()), key=lambda row: (-(row[1] + row[2]), row[0])),
            assessments=self._grouped("assessment_completed", E.outcome),
            handoffs={"requested": sum(self._grouped("handoff_requested", E.kind).values()),
                      "taken": sum(self._grouped("handoff_taken", E.kind).values())},
            open_overdue_tickets=self._open_overdue(),
            report_time=self._now,
        )


def build_report(session: Session, period: Period, now: dt.datetime | None = None) -> Report:
    """The management figures of the period; `now` (default: the current time) is the report time of the
    open overdue contact requests."""
    return ReportBuilder(session, period, now=now).build()
