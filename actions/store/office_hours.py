"""The client-guidance team's working time: office hours, Finnish public holidays, answer-by times.

Holidays come from the maintained `holidays` library (Finland, including juhannusaatto and
jouluaatto, on which the offices are closed); the region profile may add its own closed days.
Rules (the regions' promise to residents):
- urgent: filed during office hours on a working day -> by the end of that day's office hours;
  filed outside them -> by the next working morning (`urgent_next_morning_by`, 12:00 unless set);
- normal: by the end of office hours of the next working day after the day of filing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping
from zoneinfo import ZoneInfo

import holidays

Urgency = Literal["urgent", "normal"]

WEEKDAY_NAMES = ("maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai", "sunnuntai")
WEEKDAY_ESSIVE = ("maanantaina", "tiistaina", "keskiviikkona", "torstaina", "perjantaina", "lauantaina",
                  "sunnuntaina")
MAX_SEARCH_DAYS = 60


class OfficeHoursError(ValueError):
    """The region profile's office hours cannot be read (message says what to fix)."""


def _clock(text: str, what: str) -> dt.time:
    try:
        hours, minutes = str(text).strip().split(":")
        return dt.time(int(hours), int(minutes))
    except (ValueError, TypeError) as error:
        raise OfficeHoursError(f"{what}: expected a time like 09:00, got {text!r}") from error


@dataclass(frozen=True)
class OfficeHours:
    """Working days and hours of one region's client-guidance team."""

    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(15, 0)
    timezone: str = "Europe/Helsinki"
    urgent_next_morning_by: dt.time = dt.time(12, 0)
    working_weekdays: frozenset[int] = frozenset(range(5))
    extra_closed_days: frozenset[dt.date] = frozenset()
    _holidays: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise OfficeHoursError(f"office hours must open before they close ({self.opens}-{self.closes})")
        try:
            ZoneInfo(self.timezone)
        except Exception as error:  # ZoneInfoNotFoundError, ValueError
            raise OfficeHoursError(f"unknown time zone {self.timezone!r}") from error
        object.__setattr__(self, "_holidays", holidays.country_holidays("FI", language="fi"))

    @classmethod
    def from_profile(cls, profile: Mapping[str, Any]) -> "OfficeHours":
        """From the region profile's `region.office_hours` (weekdays "09:00-15:00", timezone, extras)."""
        config = ((profile.get("region") or {}).get("office_hours")) or {}
        span = str(config.get("weekdays", "09:00-15:00"))
        if "-" not in span:
            raise OfficeHoursError(f"region.office_hours.weekdays: expected 09:00-15:00, got {span!r}")
        opens, closes = span.split("-", 1)
        closed = []
        for value in config.get("closed_days") or []:
            try:
                closed.append(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
            except ValueError as error:
                raise OfficeHoursError(f"region.office_hours.closed_days: {value!r} is not a date (2026-12-31)") \
                    from error
        return cls(opens=_clock(opens, "region.office_hours.weekdays"),
                   closes=_clock(closes, "region.office_hours.weekdays"),
                   timezone=str(config.get("timezone", "Europe/Helsinki")),
                   urgent_next_morning_by=_clock(config.get("urgent_next_morning_by", "12:00"),
                                                 "region.office_hours.urgent_next_morning_by"),
                   extra_closed_days=frozenset(closed))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def holiday_name(self, day: dt.date) -> str | None:
        """The Finnish name of a public holiday (or the region's own closed day), else None."""
        if day in self.extra_closed_days:
            return "alueen erikseen ilmoittama poikkeuspäivä"
        return self._holidays.get(day)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.working_weekdays and self.holiday_name(day) is None

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        for offset in range(1, MAX_SEARCH_DAYS):
            candidate = day + dt.timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise OfficeHoursError(f"no working day within {MAX_SEARCH_DAYS} days after {day}")

    def is_open(self, moment: dt.datetime) -> bool:
        local = self.local(moment)
        return self.is_working_day(local.date()) and self.opens <= local.time() < self.closes

    def local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            raise ValueError("times must carry their time zone")
        return moment.astimezone(self.zone)

    def _at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.zone)

    def answer_by(self, filed_at: dt.datetime, urgency: Urgency) -> dt.datetime:
        """When the team promises to have answered a request filed at `filed_at` (aware datetime)."""
        local = self.local(filed_at)
        today = local.date()
        if urgency == "urgent":
            if self.is_working_day(today) and local.time() < self.closes:
                if local.time() >= self.opens:
                    return self._at(today, self.closes)
                return self._at(today, self.urgent_next_morning_by)  # before opening: this morning
            return self._at(self.next_working_day(today), self.urgent_next_morning_by)
        if urgency == "normal":
            return self._at(self.next_working_day(today), self.closes)
        raise ValueError(f"urgency must be urgent or normal, not {urgency!r}")


def finnish_time(moment: dt.datetime, now: dt.datetime, hours: OfficeHours) -> str:
    """"tänään torstaina 3.12. klo 15.00", "huomenna ...", "maanantaina 7.12. klo 12.00"."""
    local = hours.local(moment)
    today = hours.local(now).date()
    day = local.date()
    when = f"{WEEKDAY_ESSIVE[day.weekday()]} {day.day}.{day.month}."
    if day.year != today.year:
        when += f"{day.year}"
    if day == today:
        when = "tänään " + when
    elif day == today + dt.timedelta(days=1):
        when = "huomenna " + when
    return f"{when} klo {local.hour}.{local.minute:02d}"
