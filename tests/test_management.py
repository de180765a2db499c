"""The management view: figures counted from the analytics events that the real stores and actions
write (SQLite and PostgreSQL), the page's JSON and CSV over real HTTP, and who may see them."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest

from actions.store.office_hours import OfficeHours
from actions.store.accounts import AccountStore
from actions.store.analytics import record_event
from actions.store.analytics_report import Period, PeriodError, build_report
from actions.store.database import make_engine, make_session_factory
from actions.store.handoffs import HandoffStore
from actions.store.tickets import TicketStore
from bot.web.team_stores import TeamStores
from tests.test_console import PASSWORD, Browser, cheap_hashes, server  # noqa: F401 - fixtures
from tests.test_ticket_store import draft

HELSINKI = ZoneInfo("Europe/Helsinki")
MONDAY = dt.datetime(2026, 11, 23, 9, 30, tzinfo=HELSINKI)
PERIOD = "?from=2026-11-23&to=2026-11-29"
DENTAL = "hammashoito-ajanvaraus-ikaantynyt"  # real paths of the library: the page shows their titles
CLINIC = "lastenneuvola-ajan-peruminen"


def seed(sessions, clock: dict) -> None:
    """A week: 4 conversations (one at 23:30 local, which is the next day in UTC terms no longer),
    guidance answers and fallbacks, feedback, a handoff, two tickets (one closed in time, one late)."""
    tickets = TicketStore(sessions, OfficeHours(), clock=lambda: clock["now"])
    accounts = AccountStore(sessions)
    pro = accounts.create("pro", "Pro", "professional", PASSWORD)
    with sessions() as session, session.begin():
        for conversation, at in (("c1", MONDAY), ("c2", MONDAY + dt.timedelta(hours=1)),
                                 ("c3", MONDAY.replace(hour=23)), ("c4", MONDAY + dt.timedelta(days=2))):
            record_event(session, "conversation_started", conversation, at=at)
        for conversation, outcome, path in (("c1", "answer", DENTAL), ("c1", "answer", DENTAL),
                                            ("c2", "answer", CLINIC), ("c2", "no_match", None),
                                            ("c3", "out_of_scope", None), ("c4", "clarify", None)):
            record_event(session, "guidance", conversation, at=MONDAY, outcome=outcome, path_id=path)
        record_event(session, "feedback", "c1", at=MONDAY, path_id=DENTAL, outcome="helpful")
        record_event(session, "feedback", "c2", at=MONDAY, path_id=DENTAL, outcome="not_helpful")
        record_event(session, "feedback", "c2", at=MONDAY, path_id=CLINIC, outcome="helpful")
        record_event(session, "emergency", "c3", at=MONDAY, outcome="suicide")
        record_event(session, "assessment_completed", "c2", at=MONDAY, outcome="phq9:contact_offered")
        record_event(session, "guidance", "outside", at=MONDAY - dt.timedelta(days=1), outcome="answer", path_id="x")
    handoffs = HandoffStore(sessions, clock=lambda: clock["now"])
    clock["now"] = MONDAY
    handoff, _ = handoffs.enqueue("c2", {"topic_id": "suun_terveys", "path_id": DENTAL})
    handoffs.take(pro, handoff.id)
    fast, _ = tickets.create(draft(conversation_id="c2", urgency="urgent"), "c2:form")
    slow, _ = tickets.create(draft(conversation_id="c3", contact_role="relative", reason="social"), "c3:form")
    tickets.claim(pro, fast.id)
    clock["now"] = MONDAY + dt.timedelta(hours=1)
    tickets.close(pro, fast.id, "referred_within_region")
    tickets.claim(pro, slow.id)
    clock["now"] = MONDAY + dt.timedelta(days=6)
    tickets.close(pro, slow.id, "no_further_need")


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_the_figures_of_a_week(sessions) -> None:
    seed(sessions, {"now": MONDAY})
    with sessions() as session:
        report = build_report(session, Period.parse("2026-11-23", "2026-11-29", MONDAY.date()))
    assert report.conversations == 4
    assert report.conversations_per_day[:3] == [("2026-11-23", 3), ("2026-11-24", 0), ("2026-11-25", 1)]
    assert len(report.conversations_per_day) == 7
    assert [(hour, n) for hour, n in enumerate(report.conversations_per_hour) if n] == [(9, 2), (10, 1), (23, 1)]
    assert report.guidance_outcomes == {"answer": 3, "no_match": 1, "out_of_scope": 1, "clarify": 1}
    assert report.fallback_rate == pytest.approx(2 / 6)
    assert report.top_paths == [(DENTAL, 2), (CLINIC, 1)]  # the day before the period is not counted
    assert report.handoff_rate == pytest.approx(1 / 4) and report.handoffs == {"requested": 1, "taken": 1}
    assert report.contact_request_rate == pytest.approx(2 / 4)
    assert report.tickets["urgency"] == {"urgent": 1, "normal": 1}
    assert report.tickets["contact_role"] == {"resident": 1, "relative": 1}
    assert report.tickets["reason"] == {"health": 1, "social": 1}
    assert report.tickets["channel"] == {"anonymous_chat": 2}
    assert report.ticket_outcomes == {"referred_within_region": 1, "no_further_need": 1}
    assert report.answer_by == {"met": 1, "missed": 1}
    assert report.feedback == [(DENTAL, 1, 1), (CLINIC, 1, 0)]
    assert report.emergencies == 1 and report.assessments == {"phq9:contact_offered": 1}


def test_open_contact_requests_past_their_answer_by_time_are_counted_at_the_report_time(sessions) -> None:
    clock = {"now": MONDAY}
    tickets = TicketStore(sessions, OfficeHours(), clock=lambda: clock["now"])
    pro = AccountStore(sessions).create("pro", "Pro", "professional", PASSWORD)
    late, _ = tickets.create(draft(conversation_id="c1"), "c1:form")
    claimed_late, _ = tickets.create(draft(conversation_id="c2", urgency="urgent"), "c2:form")
    tickets.claim(pro, claimed_late.id)
    closed, _ = tickets.create(draft(conversation_id="c3"), "c3:form")
    tickets.claim(pro, closed.id)
    tickets.close(pro, closed.id, "no_further_need")
    clock["now"] = MONDAY + dt.timedelta(days=1)
    fresh, _ = tickets.create(draft(conversation_id="c4"), "c4:form")  # answer-by still ahead
    report_time = max(late.answer_by, claimed_late.answer_by) + dt.timedelta(minutes=1)
    assert fresh.answer_by > report_time
    period = Period.parse("2026-11-23", "2026-11-29", MONDAY.date())
    with sessions() as session:
        assert build_report(session, period, now=report_time).open_overdue_tickets == 2  # closed one not counted
        assert build_report(session, period, now=MONDAY).open_overdue_tickets == 0
        later = build_report(session, period, now=fresh.answer_by + dt.timedelta(seconds=1))
    assert later.open_overdue_tickets == 3 and later.report_time == fresh.answer_by + dt.timedelta(seconds=1)


def test_an_empty_period_has_zeros_and_no_rates(sessions) -> None:
    with sessions() as session:
        report = build_report(session, Period.parse("2026-01-01", "2026-01-03", MONDAY.date()))
    assert report.conversations_per_day == [("2026-01-01", 0), ("2026-01-02", 0), ("2026-01-03", 0)]
    assert report.fallback_rate is None and report.handoff_rate is None and report.top_paths == []


def test_periods_are_checked() -> None:
    today = dt.date(2026, 12, 3)
    assert Period.parse(None, None, today) == Period(dt.date(2026, 11, 4), today)
    for start, end in (("2026-12-03", "2026-12-01"), ("2025-01-01", "2026-12-01"), ("eilen", None)):
        with pytest.raises(PeriodError):
            Period.parse(start, end, today)


# -- over HTTP ------------------------------------------------------------------------------------------

@pytest.fixture
def management(server, database_url):  # noqa: F811 - the console's module server, reused
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    clock = {"now": MONDAY}
    accounts = AccountStore(sessions)
    stores = TeamStores(TicketStore(sessions, OfficeHours(), clock=lambda: clock["now"]), accounts, None,
                        HandoffStore(sessions), sessions)
    server.source["stores"] = lambda: stores
    seed(sessions, clock)
    accounts.create("johtaja", "Johtaja", "manager", PASSWORD)
    yield server.url.replace("/console/api", "/management")
    engine.dispose()


def test_a_manager_gets_the_figures_and_the_csv(management) -> None:
    page = Browser(management)
    assert page.call("GET", "/api/report" + PERIOD).status == 401
    assert page.call("POST", "/api/session", {"username": "johtaja", "password": PASSWORD}).status == 201
    page.csrf = None
    figures = page.call("GET", "/api/report" + PERIOD)
    assert figures.status == 200 and figures.headers["Cache-Control"] == "no-store"
    body = figures.json
    assert body["conversations"] == 4 and body["rates"]["contact_request"] == 0.5
    assert body["top_paths"][0]["path_id"] == DENTAL and body["top_paths"][0]["title"] != DENTAL
    exported = page.call("GET", "/api/report.csv" + PERIOD)
    assert exported.status == 200 and exported.headers["Content-Type"].startswith("text/csv")
    assert 'filename="tunnusluvut_2026-11-23_2026-11-29.csv"' in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0] == ["section", "key", "label", "value"]
    assert ["conversations_per_day", "2026-11-23", "", "3"] in rows
    assert ["tickets_by_contact_role", "relative", "", "1"] in rows
    assert ["answer_by", "missed", "", "1"] in rows
    assert [row[3] for row in rows if row[:2] == ["totals", "open_overdue_tickets"]] == ["0"]  # both were closed
    assert page.call("GET", "/api/report?from=2026-12-03&to=2026-12-01").status == 422


def test_the_open_overdue_figure_over_http(management, sessions) -> None:
    clock_now = MONDAY + dt.timedelta(days=6)  # where the seed left the stores' clock
    tickets = TicketStore(sessions, OfficeHours(), clock=lambda: MONDAY)
    open_late, _ = tickets.create(draft(conversation_id="c8"), "c8:form")
    assert open_late.answer_by < clock_now
    page = Browser(management)
    page.call("POST", "/api/session", {"username": "johtaja", "password": PASSWORD})
    figures = page.call("GET", "/api/report" + PERIOD).json
    assert figures["open_overdue_tickets"] == 1 and figures["report_time"].startswith("2026-11-29")
    rows = list(csv.reader(io.StringIO(page.call("GET", "/api/report.csv" + PERIOD).text.lstrip("\ufeff"))))
    [row] = [row for row in rows if row[:2] == ["totals", "open_overdue_tickets"]]
    assert row[3] == "1"


def test_csv_cells_never_start_a_formula(management, sessions) -> None:
    with sessions() as session, session.begin():
        record_event(session, "guidance", "c9", at=MONDAY, outcome="answer", path_id="=HYPERLINK(\"x\")")
    page = Browser(management)
    page.call("POST", "/api/session", {"username": "johtaja", "password": PASSWORD})
    exported = page.call("GET", "/api/report.csv" + PERIOD).text
    assert "'=HYPERLINK" in exported and ",=HYPERLINK" not in exported


def test_professionals_and_editors_do_not_see_the_management_view(management) -> None:
    page = Browser(management)
    assert page.call("POST", "/api/session", {"username": "pro", "password": PASSWORD}).status == 403
    assert page.call("GET", "/api/report" + PERIOD).status == 401  # the refused sign-in left no session
    served = Browser(management).call("GET", "")
    assert served.status == 200 and "script-src 'self'" in served.headers["Content-Security-Policy"]


# -- every recorded contact (issue 20) in the JSON and the CSV --------------------------------------------

def record_contacts(sessions) -> None:
    from actions.store.contacts import ContactDraft, ContactStore
    store = ContactStore(sessions, OfficeHours(), clock=lambda: MONDAY + dt.timedelta(hours=3))
    pro = AccountStore(sessions).by_username("pro")
    for key, channel, contactor, reasons, onward, area, at in (
            ("k1", "phone", "resident", ("health", "booking"), "referred_within_region", "primary_health_care", MONDAY),
            ("k2", "phone", "relative", ("social",), "no_further_need", None, MONDAY + dt.timedelta(hours=1)),
            ("k3", "chat", "resident", ("digital_help",), "referred_elsewhere", None, MONDAY.replace(hour=7))):
        store.record(pro, ContactDraft(channel=channel, contactor=contactor, reasons=reasons, onward=onward,
                                       service_area=area, contact_at=at), key, ["primary_health_care"])


def test_the_contact_figures_in_the_json_and_the_csv(management, sessions) -> None:
    record_contacts(sessions)
    page = Browser(management)
    page.call("POST", "/api/session", {"username": "johtaja", "password": PASSWORD})
    contacts = page.call("GET", "/api/report" + PERIOD).json["contacts"]
    assert contacts["contacts"] == 3
    channels = {row["code"]: (row["count"], row["share"]) for row in contacts["by_channel"]}
    assert channels["phone"] == (2, pytest.approx(2 / 3)) and channels["chat"] == (1, pytest.approx(1 / 3))
    assert contacts["labels"]["channel"]["phone"] == "Puhelin"
    [area] = [row for row in contacts["by_service_area"] if row["code"] == "primary_health_care"]
    assert area["count"] == 1 and area["share"] == 1 and area["name"]
    assert contacts["practical_reasons"]["count"] == 2  # booking and digital help: two contacts
    assert contacts["per_hour"][9] == 1 and contacts["per_hour"][10] == 1 and contacts["per_hour"][7] == 1
    assert contacts["per_hour_by_channel"]["chat"][7] == 1
    assert contacts["open_hours"][9] is True and contacts["open_hours"][3] is False
    staffing = contacts["staffing"]  # the example profile's staffing plan, beside the contacts by hour
    from guidance_library.loader import DEFAULT_NATIONAL, DEFAULT_PROFILE, load_profile
    from guidance_library.staffing import WEEKDAYS
    profile, _ = load_profile(DEFAULT_PROFILE, DEFAULT_NATIONAL)
    at_nine = sum(shift.staff for shift in profile.staffing[-1].shifts for day in WEEKDAYS[:5]
                  if day in shift.days and shift.start <= 9 * 60 and shift.end >= 10 * 60)
    assert staffing["staff_hours"][9] == at_nine > 0 and staffing["staff_hours"][3] == 0  # Mon-Fri of the week
    assert staffing["planned_days"] == 7
    assert staffing["contacts_per_staff_hour"][9] == pytest.approx(1 / staffing["staff_hours"][9])
    assert staffing["contacts_per_staff_hour"][3] is None
    rows = list(csv.reader(io.StringIO(page.call("GET", "/api/report.csv" + PERIOD).text.lstrip("\ufeff"))))
    assert ["contacts", "total", "", "3"] in rows
    assert ["contacts_by_channel", "phone", "Puhelin", "2"] in rows
    assert ["contacts_by_channel_share", "phone", "Puhelin", "0.667"] in rows
    assert ["contacts_by_onward", "referred_within_region", "Ohjattu alueen omiin palveluihin", "1"] in rows
    assert ["contacts_by_service_area", "primary_health_care", area["name"], "1"] in rows
    assert ["contacts_per_hour_chat", "07", "", "1"] in rows
    assert ["office_hours_open", "09", "", "1"] in rows and ["office_hours_open", "03", "", "0"] in rows
    assert ["staff_hours_per_hour", "09", "", f"{staffing['staff_hours'][9]:g}"] in rows
    assert ["contacts_by_service_area_of_all", "primary_health_care", area["name"], "1"] in rows
    assert ["contacts_by_service_area_of_all_share", "primary_health_care", area["name"], "0.333"] in rows
    assert ["conversations_per_day", "2026-11-23", "", "3"] in rows  # the chat figures are still there


def test_every_code_a_ticket_figure_can_hold_has_a_finnish_label_in_the_page() -> None:
    """The contact requests' figures name each code in Finnish (an unlabelled one would show as English code)."""
    from pathlib import Path

    from actions.store.models import CHANNELS, CONTACT_ROLES, OUTCOMES, REASONS, URGENCIES

    script = (Path(__file__).resolve().parents[1] / "bot/web/static/management/management.js").read_text("utf-8")
    labels = script[script.index("var LABELS = {"):script.index("};", script.index("var LABELS = {"))]
    missing = [code for code in (*CHANNELS, *CONTACT_ROLES, *OUTCOMES, *REASONS, *URGENCIES)
               if not re.search(rf"\b{code}: \"[^\"]+\"", labels)]
    assert not missing, f"no Finnish label in management.js for {missing}"
