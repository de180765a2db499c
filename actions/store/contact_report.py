"""The contact figures as the regions report them (issue 20), counted from the analytics events of a period.

Every recorded contact wrote one `contact_recorded` event (channel, contactor in `contact_role`, onward
guidance in `outcome`, `service_area`) and one `contact_reason` event per reason, at the time the contact
happened, all carrying the same one-way record key in `conversation`. The figures are plain GROUP BY
queries on those columns (local `day` and `hour` fixed when written), so SQLite and PostgreSQL give the
same numbers, and no free text is ever read. Shares are floats 0..1 (None when there is nothing to
divide); a contact may have several reasons, so the reasons' shares add up to more than 100 %, as in the
pilot's published figures.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from actions.store.analytics_report import Period
from actions.store.models import CONTACT_CHANNELS, CONTACTORS, OUTCOMES, REASONS, WITHIN_REGION
from actions.store.models import AnalyticsEvent as E
from actions.store.office_hours import OfficeHours
from guidance_library.staffing import ALL_CHANNELS, Roster, roster_on, staff_hours

PRACTICAL_REASONS = ("booking", "contact_details", "digital_help", "documents", "on_behalf")  # the pilot's "muut"
HOURS = 24


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _in_period(period: Period, kind: str, *columns: Any) -> Any:
    return (select(*columns).where(E.kind == kind, E.day >= period.start.isoformat(),
                                   E.day <= period.end.isoformat()))


def _counts(session: Session, period: Period, kind: str, column: Any) -> dict[Any, int]:
    query = _in_period(period, kind, column, func.count(E.id)).group_by(column)
    return {value: int(count) for value, count in session.execute(query)}


def _rows(codes: Iterable[str], counts: Mapping[Any, int], whole: int) -> list[dict[str, Any]]:
    """Every known code in order (zeros too), then any stored value no longer known (kept, never lost)."""
    ordered = list(codes) + sorted(str(c) for c in counts if c is not None and c not in codes)
    return [{"code": code, "count": counts.get(code, 0), "share": share(counts.get(code, 0), whole)}
            for code in ordered]


def open_hours(office_hours: OfficeHours) -> list[bool]:
    """For each local hour 0-23 of a working day: is the team open during any part of it."""
    opens = office_hours.opens.hour
    closes = office_hours.closes.hour + (1 if office_hours.closes.minute else 0)
    return [opens <= hour < closes for hour in range(HOURS)]


def _per_staff_hour(contacts: Sequence[int], hours: Sequence[float]) -> list[float | None]:
    return [count / staffed if staffed else None for count, staffed in zip(contacts, hours)]


def staffing_figures(rosters: Sequence[Roster], period: Period, office_hours: OfficeHours | None,
                     timed: Sequence[tuple[str, int, str, int]], now: dt.datetime | None = None) -> dict[str, Any]:
    """The planned person-hours in each hour of the day over the period (public holidays and the region's
    closed days from `office_hours`), all shifts together and per channel a shift names ("all": the shifts
    serving every channel), and the contacts per person-hour beside them (None where nobody was planned).
    Only the days with a plan in force count on either side (`planned_days`), and with `now` only the time
    worked so far (the rest of today's shifts and days to come are not yet staffed). `timed`: the
    period's (day, hour, channel, count) rows. For a channel with shifts of its own, its contacts are
    compared with its own person-hours (the shifts serving every channel cannot be shared out)."""
    def is_holiday(day: dt.date) -> bool:
        return office_hours is not None and office_hours.holiday_name(day) is not None
    local_now = None
    if now is not None:
        local_now = office_hours.local(now) if office_hours is not None else now
    days = [dt.date.fromisoformat(day) for day in period.days()]
    planned = {day.isoformat() for day in days if roster_on(rosters, day) is not None
               and (local_now is None or day <= local_now.date())}
    by_channel = staff_hours(rosters, days, is_holiday, local_now)
    total = [sum(row[hour] for row in by_channel.values()) for hour in range(HOURS)]
    contacts = [0] * HOURS
    contacts_by_channel: dict[str, list[int]] = {}
    for day, hour, channel, count in timed:
        if day in planned:
            contacts[int(hour)] += int(count)
            contacts_by_channel.setdefault(str(channel), [0] * HOURS)[int(hour)] += int(count)
    return {
        "planned_days": len(planned),
        "staff_hours": [round(value, 3) for value in total],
        "staff_hours_by_channel": {code: [round(value, 3) for value in row] for code, row in by_channel.items()},
        "contacts_per_staff_hour": _per_staff_hour(contacts, total),
        "contacts_per_staff_hour_by_channel": {
            code: _per_staff_hour(contacts_by_channel.get(code, [0] * HOURS), row)
            for code, row in by_channel.items() if code != ALL_CHANNELS},
    }


def build_contact_report(session: Session, period: Period, *, service_areas: Sequence[tuple[str, str]] = (),
                         office_hours: OfficeHours | None = None, staffing: Sequence[Roster] = (),
                         now: dt.datetime | None = None) -> dict[str, Any]:
    """The period's contacts: total; by channel, contactor, reason (with the practical reasons together),
    onward guidance and, within the region, by service area; per day, per hour and per hour by channel.
    `service_areas` ((id, name) of the region profile) orders and names the areas; `office_hours` adds the
    open hours (a flag per hour) and `staffing` (the profile's rosters) the planned person-hours per hour,
    to compare with the contacts by hour (None without a plan; `now` ends the staffed time, see
    `staffing_figures`)."""
    # four scans of the period's events: (day, hour, channel); (contactor, onward, area); reasons; practical
    by_channel: Counter[str] = Counter()
    per_day: Counter[str] = Counter()
    per_hour: Counter[int] = Counter()
    by_hour_channel: dict[str, list[int]] = {code: [0] * HOURS for code in CONTACT_CHANNELS}
    timed = [(str(day), int(hour), str(channel), int(count)) for day, hour, channel, count in session.execute(
        _in_period(period, "contact_recorded", E.day, E.hour, E.channel, func.count(E.id))
        .group_by(E.day, E.hour, E.channel))]
    for day, hour, channel, count in timed:
        by_channel[channel] += count
        per_day[day] += count
        per_hour[int(hour)] += count
        by_hour_channel.setdefault(str(channel), [0] * HOURS)[int(hour)] += int(count)
    by_contactor: Counter[str] = Counter()
    by_onward: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    guided = session.execute(_in_period(period, "contact_recorded", E.contact_role, E.outcome, E.service_area,
                                        func.count(E.id)).group_by(E.contact_role, E.outcome, E.service_area))
    for contactor, onward, area, count in guided:
        by_contactor[contactor] += count
        by_onward[onward] += count
        if area is not None:
            areas[area] += count
    total = sum(by_channel.values())
    by_reason = _counts(session, period, "contact_reason", E.reason)
    practical = int(session.execute(_in_period(period, "contact_reason", func.count(distinct(E.conversation)))
                                    .where(E.reason.in_(PRACTICAL_REASONS))).scalar_one())
    within = by_onward.get(WITHIN_REGION, 0)
    names = dict(service_areas)
    area_rows = [{**row, "name": names.get(row["code"]), "share_of_contacts": share(row["count"], total)}
                 for row in _rows([a for a, _ in service_areas], areas, within)]
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "contacts": total,
        "by_channel": _rows(CONTACT_CHANNELS, by_channel, total),
        "by_contactor": _rows(CONTACTORS, by_contactor, total),
        "by_reason": _rows(REASONS, by_reason, total),
        "practical_reasons": {"codes": list(PRACTICAL_REASONS), "count": practical, "share": share(practical, total)},
        "by_onward": _rows(OUTCOMES, by_onward, total),
        "by_service_area": area_rows,  # shares of the contacts guided to the region's own services
        "per_day": [{"day": day, "count": per_day.get(day, 0)} for day in period.days()],
        "per_hour": [per_hour.get(hour, 0) for hour in range(HOURS)],
        "per_hour_by_channel": by_hour_channel,
        "open_hours": open_hours(office_hours) if office_hours is not None else None,
        "staffing": staffing_figures(staffing, period, office_hours, timed, now) if staffing else None,
    }


def _share_text(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _decimal_text(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}".rstrip("0").rstrip(".")


def _hour_rows(section: str, values: Sequence[float | None]) -> list[list[str]]:
    return [[section, f"{hour:02d}", _decimal_text(value), ""] for hour, value in enumerate(values)]


def contact_report_csv_rows(report: Mapping[str, Any]) -> list[list[str]]:
    """The report as CSV rows (section, code, count, share) for the management CSV: one header row, then the
    total, each breakdown, the days and the hours (with the open-hours flag, each channel's count and, with a
    staffing plan, the planned person-hours and the contacts per person-hour)."""
    rows = [["section", "code", "count", "share"], ["contacts", "total", str(report["contacts"]), ""]]
    for section in ("by_channel", "by_contactor", "by_reason", "by_onward", "by_service_area"):
        rows += [[f"contacts_{section}", row["code"], str(row["count"]), _share_text(row["share"])]
                 for row in report[section]]
    # the areas again, as shares of all the period's contacts (the rows above: of those guided within the region)
    rows += [["contacts_by_service_area_of_all", row["code"], str(row["count"]), _share_text(row["share_of_contacts"])]
             for row in report["by_service_area"]]
    practical = report["practical_reasons"]
    rows.append(["contacts_by_reason", "practical", str(practical["count"]), _share_text(practical["share"])])
    rows += [["contacts_per_day", row["day"], str(row["count"]), ""] for row in report["per_day"]]
    rows += [["contacts_per_hour", f"{hour:02d}", str(count), ""] for hour, count in enumerate(report["per_hour"])]
    if report.get("open_hours") is not None:  # 1: the team is open during that hour of a working day
        rows += [["office_hours_open", f"{hour:02d}", str(int(flag)), ""]
                 for hour, flag in enumerate(report["open_hours"])]
    for channel, counts in report["per_hour_by_channel"].items():
        rows += [[f"contacts_per_hour_{channel}", f"{hour:02d}", str(count), ""] for hour, count in enumerate(counts)]
    staffing = report.get("staffing")
    if staffing is not None:  # planned person-hours over the period, and contacts per person-hour (3 decimals)
        rows += _hour_rows("staff_hours_per_hour", staffing["staff_hours"])
        for channel, values in staffing["staff_hours_by_channel"].items():
            rows += _hour_rows(f"staff_hours_per_hour_{channel}", values)
        rows += _hour_rows("contacts_per_staff_hour", staffing["contacts_per_staff_hour"])
        for channel, values in staffing["contacts_per_staff_hour_by_channel"].items():
            rows += _hour_rows(f"contacts_per_staff_hour_{channel}", values)
        rows.append(["staff_planned_days", "total", str(staffing["planned_days"]), ""])
    return rows


__all__ = ["Period", "build_contact_report", "contact_report_csv_rows", "open_hours", "share", "staffing_figures"]
