"""The client-guidance team's planned staffing (`contact_record.staffing` in the region profile).

A region compares its staffing with the contacts by hour (issue 20): the pilot cut its opening hours when
one professional left, and tried to keep one person on chat and another on the phone. The profile lists
rosters; each applies from its `from` day until the next roster starts, and holds shifts:

    staffing:
      - from: 2026-01-01
        shifts:
          - {days: [mon, tue, wed, thu, fri], hours: "09:00-15:00", staff: 2, channel: phone}
          - {days: [mon, tue, wed, thu, fri], hours: "09:00-15:00", staff: 1, channel: chat}

Days are mon..sun, and `holiday` for public holidays and the region's own closed days: on such a day only
the shifts that list `holiday` apply. Shifts add up (two shifts at the same time: their staff together).
A shift without `channel` serves every channel. Hours run within one day ("24:00" ends at midnight; a
night shift is two shifts). The plan is data only: `staff_hours` turns it into person-hours per hour of
the day over a period, which the management view puts beside the contacts by hour.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Sequence

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY = "holiday"
DAY_CODES = WEEKDAYS + (HOLIDAY,)
MINUTES_PER_DAY = 24 * 60
MAX_STAFF = 500        # a typo guard: no client-guidance team has more people on one shift
MIN_STAFF = 0.05       # a share smaller than this is a typo too (and would round away in the figures)
ALL_CHANNELS = "all"   # the key of the shifts that name no channel


@dataclass(frozen=True)
class Shift:
    """Professionals at work on the listed days between two times (minutes from midnight, local)."""

    days: frozenset[str]
    start: int
    end: int
    staff: float
    channel: str | None = None

    def minutes_in_hour(self, hour: int) -> int:
        return max(0, min(self.end, (hour + 1) * 60) - max(self.start, hour * 60))


@dataclass(frozen=True)
class Roster:
    """The shifts in force from `valid_from` until the next roster's day."""

    valid_from: dt.date
    shifts: tuple[Shift, ...]


class StaffingProblem(ValueError):
    """One thing wrong in the staffing plan; `field` names it (`contact_record.staffing[0].shifts[1].hours`)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


CLOCK = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", re.ASCII)


def _clock(text: str, where: str) -> int:
    text = str(text).strip()
    if not CLOCK.fullmatch(text):
        raise StaffingProblem(where, f"kellonaika '{text}' ei kelpaa: kirjoita esimerkiksi 09:00 tai 24:00.")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _shift(raw: Any, where: str, channels: Sequence[str]) -> Shift:
    if not isinstance(raw, dict) or set(raw) - {"days", "hours", "staff", "channel"}:
        raise StaffingProblem(where, "vuorossa on days, hours, staff ja valinnainen channel, ei muita kenttiä.")
    days = raw.get("days")
    if not isinstance(days, list) or not days or any(day not in DAY_CODES for day in days):
        raise StaffingProblem(f"{where}.days", "luettele päivät koodeina: " + ", ".join(DAY_CODES) + ".")
    hours = raw.get("hours")
    if not isinstance(hours, str) or hours.count("-") != 1:
        raise StaffingProblem(f"{where}.hours", "kirjoita kellonajat muodossa 09:00-15:00.")
    start, end = (_clock(part, f"{where}.hours") for part in hours.split("-"))
    if start >= end:
        raise StaffingProblem(f"{where}.hours", f"'{hours}' päättyy ennen kuin alkaa: yövuoro kirjoitetaan "
                                                "kahtena vuorona (esim. 22:00-24:00 ja 00:00-06:00).")
    staff = raw.get("staff")
    if isinstance(staff, bool) or not isinstance(staff, (int, float)) or not MIN_STAFF <= staff <= MAX_STAFF:
        raise StaffingProblem(f"{where}.staff", f"henkilömäärä on luku väliltä {MIN_STAFF}-{MAX_STAFF} "
                                                "(osa-aikainen esim. 0.5).")
    channel = raw.get("channel")
    if channel is not None and channel not in channels:
        raise StaffingProblem(f"{where}.channel", f"'{channel}' ei ole kanava; kanavat: " + ", ".join(channels)
                              + " (jätä pois, jos vuoro palvelee kaikkia).")
    return Shift(frozenset(days), start, end, float(staff), channel)


def _roster(raw: Any, where: str, channels: Sequence[str]) -> Roster:
    if not isinstance(raw, dict) or set(raw) - {"from", "shifts"}:
        raise StaffingProblem(where, "suunnitelmassa on from (päivä, josta se on voimassa) ja shifts.")
    valid_from = raw.get("from")
    if isinstance(valid_from, dt.datetime):  # YAML reads "2026-01-01 08:00" as a time: a plan starts on a day
        raise StaffingProblem(f"{where}.from", f"'{valid_from}' sisältää kellonajan: kirjoita pelkkä päivä "
                                               "(2026-01-01).")
    if not isinstance(valid_from, dt.date):
        try:
            valid_from = dt.date.fromisoformat(str(valid_from))
        except ValueError as error:
            raise StaffingProblem(f"{where}.from", f"'{valid_from}' ei ole päivä (2026-01-01).") from error
    shifts = raw.get("shifts")
    if not isinstance(shifts, list) or not shifts:
        raise StaffingProblem(f"{where}.shifts", "luettele vähintään yksi vuoro.")
    return Roster(valid_from, tuple(_shift(s, f"{where}.shifts[{n}]", channels) for n, s in enumerate(shifts)))


def read_staffing(raw: Any, channels: Sequence[str]) -> tuple[list[Roster], list[StaffingProblem]]:
    """The rosters of `contact_record.staffing` (ordered by day) and every problem found, each naming its
    field; an absent plan is no rosters. `channels`: the contact channels a shift may name."""
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [StaffingProblem("contact_record.staffing", "pitää olla luettelo suunnitelmia (from ja shifts).")]
    rosters: list[Roster] = []
    problems: list[StaffingProblem] = []
    for number, entry in enumerate(raw):
        try:
            rosters.append(_roster(entry, f"contact_record.staffing[{number}]", channels))
        except StaffingProblem as problem:
            problems.append(problem)
    days = [roster.valid_from for roster in rosters]
    for day in sorted({d for d in days if days.count(d) > 1}):
        problems.append(StaffingProblem("contact_record.staffing", f"kaksi suunnitelmaa alkaa samana päivänä {day}."))
    return sorted(rosters, key=lambda roster: roster.valid_from), problems


def roster_on(rosters: Sequence[Roster], day: dt.date) -> Roster | None:
    """The roster in force on `day` (the latest that has started), None before the first."""
    current = None
    for roster in rosters:  # ordered by valid_from
        if roster.valid_from <= day:
            current = roster
    return current


def staff_hours(rosters: Sequence[Roster], days: Iterable[dt.date], is_holiday: Callable[[dt.date], bool],
                until: dt.datetime | None = None) -> dict[str, list[float]]:
    """Planned person-hours in each local hour 0-23, summed over `days`: per channel named by a shift and
    under ALL_CHANNELS for the shifts that serve every channel. Only channels some shift names appear.
    With `until` (a local time: now), only the time before it counts: the rest of today's shifts and the
    days to come are not yet worked."""
    totals: dict[str, list[float]] = {}
    for day in days:
        roster = roster_on(rosters, day)
        if roster is None or until is not None and day > until.date():
            continue
        stop = until.hour * 60 + until.minute if until is not None and day == until.date() else MINUTES_PER_DAY
        code = HOLIDAY if is_holiday(day) else WEEKDAYS[day.weekday()]
        for shift in roster.shifts:
            if code not in shift.days:
                continue
            row = totals.setdefault(shift.channel or ALL_CHANNELS, [0.0] * 24)
            worked = replace(shift, end=min(shift.end, stop))
            for hour in range(worked.start // 60, min(24, (worked.end + 59) // 60)):
                row[hour] += worked.staff * worked.minutes_in_hour(hour) / 60
    return totals


__all__ = ["ALL_CHANNELS", "DAY_CODES", "HOLIDAY", "Roster", "Shift", "StaffingProblem", "WEEKDAYS", "read_staffing",
           "roster_on", "staff_hours"]
