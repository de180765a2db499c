"""The management view under /management: the region's figures from the analytics events, as charts
and tables, and the same figures as CSV.

    GET    /management                     the page (static/management)
    POST   /management/api/session         sign in (role manager or admin), sets the session cookie
    GET    /management/api/session         who is signed in
    DELETE /management/api/session         sign out (CSRF token)
    GET    /management/api/report?from=YYYY-MM-DD&to=YYYY-MM-DD        the figures as JSON
    GET    /management/api/report.csv?from=...&to=...                   the same as CSV

Nothing here identifies a resident: the events hold no text, identity or contact details.
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from pathlib import Path
from typing import Any, Awaitable, Callable

from sanic import Blueprint, response
from sanic.request import Request

from actions.store.analytics import LOCAL_ZONE
from actions.store.analytics_report import Period, PeriodError, Report, build_report
from actions.store.models import Account
from actions.store.tickets import StoreUnavailable
from bot.settings import library_sources
from bot.web.console import PAGE_HEADERS
from bot.web.staff_session import csrf_token, set_session_cookie, signed_in_account
from bot.web.staff_session import sign_in as staff_sign_in
from bot.web.team_api import blocking
from bot.web.team_errors import API_HEADERS, Invalid
from bot.web.team_stores import TeamStores
from guidance_library.live import LiveLibrary

PREFIX = "/management"
COOKIE = "management_session"
ROLES = ("manager", "admin")
STATIC_DIR = Path(__file__).resolve().parent / "static" / "management"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Handler = Callable[..., Awaitable[response.HTTPResponse]]


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
    }


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def report_csv(report: Report, titles: Callable[[str], str]) -> str:
    """One row per figure: section, key, label, value (long format, for any spreadsheet)."""
    rows: list[tuple[object, ...]] = [("section", "key", "label", "value")]
    rows += [("conversations_per_day", day, "", count) for day, count in report.conversations_per_day]
    rows += [("conversations_per_hour", f"{hour:02d}", "", count)
             for hour, count in enumerate(report.conversations_per_hour)]
    rows.append(("totals", "conversations", "", report.conversations))
    rows.append(("totals", "emergencies", "", report.emergencies))
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
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([tuple(_cell(v) for v in row) for row in rows])
    return out.getvalue()


def management_blueprint(stores: Callable[[], TeamStores], library: LiveLibrary | None = None,
                         today: Callable[[], dt.date] | None = None) -> Blueprint:
    """The page and its JSON/CSV API; `today` (tests) fixes the default period's end."""
    blueprint = Blueprint("management", url_prefix=PREFIX)
    state: dict[str, Any] = {"library": library}

    def titles(path_id: str) -> str:
        if state["library"] is None:
            state["library"] = LiveLibrary(library_sources(), lambda lib: lib)
        path = state["library"].current().get(path_id)
        return path.title if path is not None else path_id

    def signed_in(*, change: bool) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            @functools.wraps(handler)
            async def checked(request: Request, *args: Any, **kwargs: Any) -> response.HTTPResponse:
                team = await blocking(stores)
                account = await signed_in_account(request, COOKIE, team, ROLES, change=change,
                                                  page="management view", blocking=blocking)
                return await handler(request, team, account, *args, **kwargs)
            return checked
        return decorate

    @blueprint.middleware("response")
    async def headers(request: Request, answer: response.HTTPResponse) -> None:
        if request.path.startswith(PREFIX + "/api"):
            for name, value in API_HEADERS.items():
                answer.headers.setdefault(name, value)

    @blueprint.get("")
    async def page(_: Request) -> response.HTTPResponse:
        return await response.file(STATIC_DIR / "management.html", headers=PAGE_HEADERS)

    def _me(account: Account, token: str) -> dict[str, Any]:
        return {"csrf_token": csrf_token(token),
                "account": {"username": account.username, "display_name": account.display_name}}

    @blueprint.post("/api/session")
    async def sign_in(request: Request) -> response.HTTPResponse:
        team = await blocking(stores)
        token, account = await staff_sign_in(request, team, ROLES, blocking)
        answer = response.json(_me(account, token), status=201)
        set_session_cookie(request, answer, COOKIE, token, PREFIX)
        return answer

    @blueprint.get("/api/session")
    @signed_in(change=False)
    async def me(request: Request, _team: TeamStores, account: Account) -> response.HTTPResponse:
        return response.json(_me(account, request.cookies.get(COOKIE) or ""))

    @blueprint.delete("/api/session")
    @signed_in(change=True)
    async def sign_out(request: Request, team: TeamStores, _account: Account) -> response.HTTPResponse:
        await blocking(team.accounts.sign_out, request.cookies.get(COOKIE) or "")
        answer = response.empty()
        set_session_cookie(request, answer, COOKIE, "", PREFIX)
        return answer

    async def _report(request: Request, team: TeamStores) -> Report:
        if team.sessions is None:
            raise StoreUnavailable("no database configured for the analytics")
        local_today = today() if today else dt.datetime.now(LOCAL_ZONE).date()
        try:
            period = Period.parse(request.args.get("from"), request.args.get("to"), local_today)
        except PeriodError as error:
            raise Invalid("period", str(error)) from error

        def read() -> Report:
            with team.sessions() as session:
                return build_report(session, period)
        return await blocking(read)

    @blueprint.get("/api/report")
    @signed_in(change=False)
    async def report(request: Request, team: TeamStores, _account: Account) -> response.HTTPResponse:
        return response.json(report_json(await _report(request, team), titles))

    @blueprint.get("/api/report.csv")
    @signed_in(change=False)
    async def report_as_csv(request: Request, team: TeamStores, _account: Account) -> response.HTTPResponse:
        figures = await _report(request, team)
        name = f"tunnusluvut_{figures.period.start.isoformat()}_{figures.period.end.isoformat()}.csv"
        return response.text("\ufeff" + report_csv(figures, titles), content_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return blueprint
