"""The management view under /management: the region's figures from the analytics events, as charts
and tables, and the same figures as CSV.

    GET    /management                     the page (static/management)
    POST   /management/api/session         sign in (role manager or admin), sets the session cookie
    GET    /management/api/session         who is signed in
    DELETE /management/api/session         sign out (CSRF token)
    GET    /management/api/report?from=YYYY-MM-DD&to=YYYY-MM-DD        the figures as JSON
    GET    /management/api/report.csv?from=...&to=...                   the same as CSV

The figures include every recorded contact (issue 20: phone, chat, messages, walk-in): by channel,
contactor, reason and onward guidance with the service area, per day, per hour and per hour by channel,
with the team's open hours per hour (`contact_report.build_contact_report`), in the JSON under
`contacts` (with the codes' Finnish labels) and in the CSV as the `contacts_*` sections.

Nothing here identifies a resident: the events hold no text, identity or contact details.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any, Callable

from sanic import response
from sanic.request import Request

from actions.store.analytics_report import Period, PeriodError, Report, build_report
from actions.store.contact_report import build_contact_report, contact_report_csv_rows
from actions.store.contacts import contact_labels
from actions.store.tickets import StoreUnavailable
from bot.blocking import blocking
from bot.web.console import PAGE_HEADERS
from bot.web.routes import Door, Route, api_headers_middleware
from bot.web.runtime import runtime_of
from bot.web.staff_session import Staff, StaffDoor, page_session, page_sign_in, page_sign_out, staff_only
from bot.web.staff_tickets import service_areas_of
from bot.web.team_errors import API_HEADERS, Invalid

PREFIX = "/management"
COOKIE = "management_session"
ROLES = ("manager", "admin")
STATIC_DIR = Path(__file__).resolve().parent / "static" / "management"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DOOR = StaffDoor("management view", ROLES, cookie=COOKIE, path=PREFIX)


def _utc(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.timezone.utc).isoformat() if moment is not None else None


def report_json(report: Report, titles: Callable[[str], str]) -> dict[str, Any]:
    """The report as the page reads it; path ids come with their titles."""
    return {
        "period": {"from": report.period.start.isoformat(), "to": report.period.end.isoformat()},
        "conversations": report.conversations,
        "conversations_per_day": [{"day": day, "count": count} for day, count in report.conversations_per_day],
        "conversations_per_hour": report.conversations_per_hour,
        "guidance_outcomes": report.guidance_outcomes,
        "rates": {"fallback": report.fallback_rate, "handoff": report.handoff_rate,
                  "contact_request": report.contact_request_rate},
        "emergencies": report.emergencies,
        "handoffs": report.handoffs,
        "top_paths": [{"path_id": path, "title": titles(path), "count": count} for path, count in report.top_paths],
        "tickets": report.tickets,
        "ticket_outcomes": report.ticket_outcomes,
        "answer_by": report.answer_by,
        "feedback": [{"path_id": path, "title": titles(path), "helpful": helpful, "not_helpful": not_helpful}
                     for path, helpful, not_helpful in report.feedback],
        "assessments": report.assessments,
        "open_overdue_tickets": report.open_overdue_tickets,
        "report_time": _utc(report.report_time),
    }


LABEL_CATEGORIES = {"contacts_by_channel": "channel", "contacts_by_contactor": "contactor",
                    "contacts_by_reason": "reason", "contacts_by_onward": "onward"}


def contacts_json(figures: dict[str, Any]) -> dict[str, Any]:
    """The contact figures as the page reads them: the report and the codes' Finnish labels."""
    labels = contact_labels()
    return {**figures, "labels": {category: dict(labels[category])
                                  for category in ("channel", "contactor", "reason", "reason_group", "onward")}}


def contact_csv_rows(figures: dict[str, Any]) -> list[tuple[object, ...]]:
    """The contact figures in the CSV's four columns: each count (label: the Finnish label or area name),
    and each share as its own `<section>_share` row (0..1, three decimals)."""
    labels = contact_labels()
    areas = {row["code"]: row.get("name") or "" for row in figures["by_service_area"]}
    rows: list[tuple[object, ...]] = []
    for section, code, count, share_text in contact_report_csv_rows(figures)[1:]:
        if section in ("contacts_by_service_area", "contacts_by_service_area_of_all"):
            label = areas.get(code, "")
        elif section == "contacts_by_reason" and code == "practical":
            label = labels["reason_group"]["practical"]
        elif section in LABEL_CATEGORIES:
            label = labels[LABEL_CATEGORIES[section]].get(code, "")
        else:
            label = ""
        rows.append((section, code, label, count))
        if share_text:
            rows.append((f"{section}_share", code, label, share_text))
    return rows


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def report_csv(report: Report, titles: Callable[[str], str], contacts: dict[str, Any] | None = None) -> str:
    """One row per figure: section, key, label, value (long format, for any spreadsheet); the contact
    figures (`contacts`) last."""
    rows: list[tuple[object, ...]] = [("section", "key", "label", "value")]
    rows += [("conversations_per_day", day, "", count) for day, count in report.conversations_per_day]
    rows += [("conversations_per_hour", f"{hour:02d}", "", count)
             for hour, count in enumerate(report.conversations_per_hour)]
    rows.append(("totals", "conversations", "", report.conversations))
    rows.append(("totals", "emergencies", "", report.emergencies))
    rows.append(("totals", "open_overdue_tickets", f"report time {_utc(report.report_time) or ''}",
                 report.open_overdue_tickets))
    rows += [("handoffs", key, "", count) for key, count in report.handoffs.items()]
    rows += [("rates", name, "", "" if value is None else f"{value:.4f}")
             for name, value in (("fallback", report.fallback_rate), ("handoff", report.handoff_rate),
                                 ("contact_request", report.contact_request_rate))]
    rows += [("guidance_outcomes", key, "", count) for key, count in sorted(report.guidance_outcomes.items())]
    rows += [("top_paths", path, titles(path), count) for path, count in report.top_paths]
    for dimension, counts in report.tickets.items():
        rows += [(f"tickets_by_{dimension}", key, "", count) for key, count in sorted(counts.items())]
    rows += [("ticket_outcomes", key, "", count) for key, count in sorted(report.ticket_outcomes.items())]
    rows += [("answer_by", key, "", count) for key, count in report.answer_by.items()]
    for path, helpful, not_helpful in report.feedback:
        rows += [("feedback_helpful", path, titles(path), helpful), ("feedback_not_helpful", path, titles(path),
                                                                      not_helpful)]
    rows += [("assessments", key, "", count) for key, count in sorted(report.assessments.items())]
    if contacts is not None:
        rows += contact_csv_rows(contacts)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([tuple(_cell(v) for v in row) for row in rows])
    return out.getvalue()


async def page(_: Request) -> response.HTTPResponse:
    return await response.file(STATIC_DIR / "management.html", headers=PAGE_HEADERS)


async def sign_in(request: Request) -> response.HTTPResponse:
    return await page_sign_in(request, DOOR)


async def _report(request: Request, staff: Staff) -> tuple[Report, dict[str, Any]]:
    """The period's figures and its contact figures, read in one transaction."""
    sessions = staff.team.sessions
    if sessions is None:
        raise StoreUnavailable("no database configured for the analytics")
    try:
        period = Period.parse(request.args.get("from"), request.args.get("to"), runtime_of(request).today())
    except PeriodError as error:
        raise Invalid("period", str(error)) from error

    now = staff.team.tickets.now()  # the report time of the open overdue contact requests (the store's clock)
    library = await blocking(runtime_of(request).library)
    areas = service_areas_of(library)
    office_hours = staff.team.tickets.office_hours

    def read() -> tuple[Report, dict[str, Any]]:
        with sessions() as session:
            return (build_report(session, period, now=now),
                    build_contact_report(session, period, service_areas=areas, office_hours=office_hours,
                                         staffing=library.profile.staffing, now=now))
    return await blocking(read)


async def _titles(request: Request) -> Callable[[str], str]:
    """Path id -> title in the current library (the id itself for a path that is gone)."""
    library = await blocking(runtime_of(request).library)

    def title(path_id: str) -> str:
        path = library.get(path_id)
        return path.title if path is not None else path_id
    return title


@staff_only(DOOR)
async def report(request: Request, staff: Staff) -> response.HTTPResponse:
    figures, contacts = await _report(request, staff)
    return response.json({**report_json(figures, await _titles(request)), "contacts": contacts_json(contacts)})


@staff_only(DOOR)
async def report_as_csv(request: Request, staff: Staff) -> response.HTTPResponse:
    figures, contacts = await _report(request, staff)
    name = f"tunnusluvut_{figures.period.start.isoformat()}_{figures.period.end.isoformat()}.csv"
    return response.text("\ufeff" + report_csv(figures, await _titles(request), contacts),
                         content_type="text/csv; charset=utf-8",
                         headers={"Content-Disposition": f'attachment; filename="{name}"'})


MANAGEMENT = Door("management", PREFIX, routes=(
    Route("GET", "", page),
    Route("POST", "/api/session", sign_in),
    Route("GET", "/api/session", staff_only(DOOR)(page_session), name="session"),
    Route("DELETE", "/api/session", staff_only(DOOR, change=True)(page_sign_out), name="sign_out"),
    Route("GET", "/api/report", report),
    Route("GET", "/api/report.csv", report_as_csv),
), response_middleware=(api_headers_middleware(PREFIX + "/api", API_HEADERS),))
