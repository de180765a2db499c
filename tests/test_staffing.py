"""The team's planned staffing (issue 20): the region profile's `contact_record.staffing` is read and refused
field by field, turned into person-hours per hour of the day over a period (rosters changing mid-period,
public holidays, half hours, dedicated channels), and put beside the contacts by hour in the contact report
on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from actions.store.analytics_report import Period
from actions.store.contact_report import build_contact_report, contact_report_csv_rows
from actions.store.contacts import ContactDraft, ContactStore
from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.office_hours import OfficeHours
from guidance_library.loader import DEFAULT_NATIONAL, DEFAULT_PROFILE, LibraryInvalid, load_profile
from guidance_library.models import CONTACT_CHANNELS
from guidance_library.staffing import ALL_CHANNELS, read_staffing, staff_hours
from tests.helpers import cheap_hashes  # noqa: F401 - a fixture

HELSINKI = ZoneInfo("Europe/Helsinki")
NO_HOLIDAYS = lambda day: False  # noqa: E731


def plan(*rosters: dict) -> list:
    read, problems = read_staffing(list(rosters), CONTACT_CHANNELS)
    assert problems == []
    return read


def days(first: str, last: str) -> list[dt.date]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def test_person_hours_follow_the_roster_in_force_each_day() -> None:
    rosters = plan({"from": "2026-11-01", "shifts": [{"days": WEEKDAYS, "hours": "09:00-15:00", "staff": 3}]},
                   # the pilot's cut: one person fewer and shorter hours from the 25th (a Wednesday)
                   {"from": "2026-11-25", "shifts": [{"days": WEEKDAYS, "hours": "10:00-14:00", "staff": 2}]})
    hours = staff_hours(rosters, days("2026-11-23", "2026-11-29"), NO_HOLIDAYS)  # Mon-Sun
    assert list(hours) == [ALL_CHANNELS]
    row = hours[ALL_CHANNELS]
    assert row[9] == 6 and row[14] == 6      # Mon and Tue with three people, nobody from Wed
    assert row[10] == 6 + 3 * 2              # Mon, Tue three; Wed, Thu, Fri two
    assert row[8] == 0 and row[15] == 0 and sum(row) == 2 * 3 * 6 + 3 * 2 * 4
    assert staff_hours(rosters, days("2026-10-01", "2026-10-31"), NO_HOLIDAYS) == {}  # before the first plan


def test_holidays_keep_only_the_holiday_shifts_and_part_hours_count_in_part() -> None:
    rosters = plan({"from": "2026-01-01", "shifts": [
        {"days": WEEKDAYS, "hours": "09:30-15:00", "staff": 2, "channel": "phone"},
        {"days": WEEKDAYS + ["sat", "sun", "holiday"], "hours": "08:00-22:00", "staff": 0.5, "channel": "chat"}]})
    hours = OfficeHours()
    christmas_week = days("2026-12-21", "2026-12-27")  # Thu 24th, Fri 25th and Sat 26th are holidays
    result = staff_hours(rosters, christmas_week, lambda day: hours.holiday_name(day) is not None)
    assert result["phone"][9] == 3 * 2 * 0.5    # Mon-Wed, two people for the half hour 9.30-10
    assert result["phone"][10] == 3 * 2
    assert result["chat"][8] == 7 * 0.5         # every day, the holidays too
    assert result["chat"][22] == 0


@pytest.mark.parametrize(("roster", "field"), [
    ({"from": "2026-01-01", "shifts": [{"days": ["ma"], "hours": "09:00-15:00", "staff": 1}]},
     "contact_record.staffing[0].shifts[0].days"),
    ({"from": "2026-01-01", "shifts": [{"days": ["mon"], "hours": "15:00-09:00", "staff": 1}]},
     "contact_record.staffing[0].shifts[0].hours"),
    ({"from": "2026-01-01", "shifts": [{"days": ["mon"], "hours": "9-15", "staff": 1}]},
     "contact_record.staffing[0].shifts[0].hours"),
    ({"from": "2026-01-01", "shifts": [{"days": ["mon"], "hours": "09:00-24:30", "staff": 1}]},
     "contact_record.staffing[0].shifts[0].hours"),
    ({"from": "2026-01-01", "shifts": [{"days": ["mon"], "hours": "09:00-15:00", "staff": 0}]},
     "contact_record.staffing[0].shifts[0].staff"),
    ({"from": "2026-01-01", "shifts": [{"days": ["mon"], "hours": "09:00-15:00", "staff": True}]},
     "contact_record.staffing[0].shifts[0].staff"),
    ({"from": "2026-01-01", "shifts": [{"days": ["mon"], "hours": "09:00-15:00", "staff": 1, "channel": "puhelin"}]},
     "contact_record.staffing[0].shifts[0].channel"),
    ({"from": "2026-01-01", "shifts": [{"days": ["mon"], "hours": "09:00-15:00", "staff": 1, "people": 2}]},
     "contact_record.staffing[0].shifts[0]"),
    ({"from": "ensi viikolla", "shifts": [{"days": ["mon"], "hours": "09:00-15:00", "staff": 1}]},
     "contact_record.staffing[0].from"),
    ({"from": dt.datetime(2026, 1, 1, 8, 0), "shifts": [{"days": ["mon"], "hours": "09:00-15:00", "staff": 1}]},
     "contact_record.staffing[0].from"),  # YAML's "2026-01-01 08:00"
    ({"from": "2026-01-01", "shifts": [{"days": ["mon"], "hours": "9:5-15:00", "staff": 1}]},
     "contact_record.staffing[0].shifts[0].hours"),
    ({"from": "2026-01-01", "shifts": [{"days": ["mon"], "hours": "09:00-15:00", "staff": 0.0001}]},
     "contact_record.staffing[0].shifts[0].staff"),
    ({"from": "2026-01-01", "shifts": []}, "contact_record.staffing[0].shifts"),
])
def test_a_malformed_shift_is_refused_naming_its_field(roster: dict, field: str) -> None:
    rosters, problems = read_staffing([roster], CONTACT_CHANNELS)
    assert rosters == [] and [problem.field for problem in problems] == [field]
    assert problems[0].message and "Traceback" not in problems[0].message


def test_a_datetime_next_to_a_date_is_refused_not_a_crash() -> None:
    shift = {"days": ["mon"], "hours": "09:00-15:00", "staff": 1}
    rosters, problems = read_staffing([{"from": dt.date(2026, 1, 1), "shifts": [shift]},
                                       {"from": dt.datetime(2026, 3, 1, 8, 0), "shifts": [shift]}], CONTACT_CHANNELS)
    assert [r.valid_from for r in rosters] == [dt.date(2026, 1, 1)]
    assert [p.field for p in problems] == ["contact_record.staffing[1].from"]


def test_only_the_time_worked_so_far_counts() -> None:
    rosters = plan({"from": "2026-01-01", "shifts": [{"days": WEEKDAYS, "hours": "09:00-15:00", "staff": 2}]})
    wednesday_noon_30 = dt.datetime(2026, 11, 25, 12, 30, tzinfo=HELSINKI)
    row = staff_hours(rosters, days("2026-11-23", "2026-11-29"), NO_HOLIDAYS, wednesday_noon_30)[ALL_CHANNELS]
    assert row[9] == 3 * 2 and row[11] == 3 * 2   # Monday, Tuesday and Wednesday morning
    assert row[12] == 2 * 2 + 2 * 0.5             # half of Wednesday's 12-13
    assert row[13] == 2 * 2 and row[14] == 2 * 2  # Thursday and Friday not yet worked


def test_two_plans_starting_on_one_day_and_a_plan_that_is_no_list_are_refused() -> None:
    shift = {"days": ["mon"], "hours": "09:00-15:00", "staff": 1}
    _, problems = read_staffing([{"from": "2026-01-01", "shifts": [shift]}, {"from": "2026-01-01", "shifts": [shift]}],
                                CONTACT_CHANNELS)
    assert [p.field for p in problems] == ["contact_record.staffing"] and "2026-01-01" in problems[0].message
    assert [p.field for p in read_staffing({"shifts": []}, CONTACT_CHANNELS)[1]] == ["contact_record.staffing"]
    assert read_staffing(None, CONTACT_CHANNELS) == ([], [])


def test_the_example_profile_has_a_plan_and_a_broken_one_is_refused_by_field(tmp_path: Path) -> None:
    profile, _ = load_profile(DEFAULT_PROFILE, DEFAULT_NATIONAL)
    assert profile.staffing and all(roster.shifts for roster in profile.staffing)
    broken = tmp_path / "profile.yml"
    text = DEFAULT_PROFILE.read_text(encoding="utf-8")
    assert "          channel: chat\n" in text
    broken.write_text(text.replace("          channel: chat\n", "          channel: chät\n"), encoding="utf-8")
    with pytest.raises(LibraryInvalid) as caught:
        load_profile(broken, DEFAULT_NATIONAL)
    assert "contact_record.staffing[0].shifts[1].channel" in caught.value.report()


@pytest.fixture
def sessions(database_url, cheap_hashes):  # noqa: F811 - the fixture imported above
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_the_report_puts_contacts_per_person_hour_beside_the_staffing(sessions) -> None:
    monday_10 = dt.datetime(2026, 11, 23, 10, 15, tzinfo=HELSINKI)
    store = ContactStore(sessions, OfficeHours(), clock=lambda: monday_10 + dt.timedelta(days=5))
    pro = AccountStore(sessions).create("pro", "Pro", "professional", "salasana-joka-on-pitka")
    for n, channel in enumerate(["phone"] * 6 + ["chat"] * 3):  # Monday to Wednesday, all at 10-11
        at = monday_10 + dt.timedelta(days=n % 3)
        store.record(pro, ContactDraft(channel=channel, contactor="resident", reasons=("health",),
                                       onward="no_further_need", contact_at=at), f"k{n}", ())
    rosters = plan({"from": "2026-01-01", "shifts": [
        {"days": WEEKDAYS, "hours": "09:00-15:00", "staff": 2, "channel": "phone"},
        {"days": WEEKDAYS, "hours": "09:00-15:00", "staff": 1}]})
    period = Period(dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    with sessions() as session:
        report = build_contact_report(session, period, office_hours=OfficeHours(), staffing=rosters)
        without = build_contact_report(session, period, office_hours=OfficeHours())
    staffing = report["staffing"]
    assert staffing["staff_hours"][10] == 5 * 3 and staffing["staff_hours"][16] == 0
    assert staffing["staff_hours_by_channel"]["phone"][10] == 10
    assert staffing["contacts_per_staff_hour"][10] == pytest.approx(9 / 15)
    assert staffing["contacts_per_staff_hour"][16] is None  # nobody planned: no ratio, not zero
    assert staffing["contacts_per_staff_hour_by_channel"]["phone"][10] == pytest.approx(6 / 10)
    assert ALL_CHANNELS not in staffing["contacts_per_staff_hour_by_channel"]
    assert without["staffing"] is None and staffing["planned_days"] == 7
    rows = contact_report_csv_rows(report)
    assert ["staff_hours_per_hour", "10", "15", ""] in rows
    assert ["staff_hours_per_hour_phone", "10", "10", ""] in rows
    assert ["contacts_per_staff_hour", "10", "0.6", ""] in rows and ["contacts_per_staff_hour", "16", "", ""] in rows
    assert ["staff_planned_days", "total", "7", ""] in rows
    assert not any(row[0].startswith("staff_hours") for row in contact_report_csv_rows(without))

    # a plan starting on Tuesday: Monday's contacts are left out of the ratio (nobody was planned then)
    from_tuesday = plan({"from": "2026-11-24", "shifts": [{"days": WEEKDAYS, "hours": "09:00-15:00", "staff": 3}]})
    with sessions() as session:
        part = build_contact_report(session, period, office_hours=OfficeHours(), staffing=from_tuesday)["staffing"]
    assert part["planned_days"] == 6 and part["staff_hours"][10] == 4 * 3
    assert part["contacts_per_staff_hour"][10] == pytest.approx(6 / 12)  # Tuesday and Wednesday: 3 + 3 contacts
    # asked on Wednesday at 10.30: Thursday and Friday, and Wednesday from 10.30 on, are not yet staffed
    with sessions() as session:
        so_far = build_contact_report(session, period, office_hours=OfficeHours(), staffing=rosters,
                                      now=dt.datetime(2026, 11, 25, 8, 30, tzinfo=dt.timezone.utc))["staffing"]
    assert so_far["planned_days"] == 3 and so_far["staff_hours"][9] == 3 * 3 and so_far["staff_hours"][10] == 2 * 3 + 1.5
    assert so_far["staff_hours"][11] == 2 * 3
    assert so_far["contacts_per_staff_hour"][10] == pytest.approx(9 / 7.5)
