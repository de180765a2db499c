"""Answer-by times: office hours, weekends, Finnish public holidays and the edges of the day."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from actions.store.office_hours import OfficeHours, OfficeHoursError, finnish_time

HELSINKI = ZoneInfo("Europe/Helsinki")
HOURS = OfficeHours.from_profile({"region": {"office_hours": {"weekdays": "09:00-15:00", "timezone": "Europe/Helsinki"}}})


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=HELSINKI)


@pytest.mark.parametrize("filed, urgency, due", [
    # an ordinary Wednesday
    ("2026-11-25 10:00", "urgent", "2026-11-25 15:00"),
    ("2026-11-25 10:00", "normal", "2026-11-26 15:00"),
    # edges of the office day: 09:00 is open, 15:00 is already closed
    ("2026-11-25 08:59", "urgent", "2026-11-25 12:00"),
    ("2026-11-25 09:00", "urgent", "2026-11-25 15:00"),
    ("2026-11-25 14:59", "urgent", "2026-11-25 15:00"),
    ("2026-11-25 15:00", "urgent", "2026-11-26 12:00"),
    ("2026-11-25 23:30", "urgent", "2026-11-26 12:00"),
    # Friday evening and the weekend roll over to Monday
    ("2026-11-27 16:00", "urgent", "2026-11-30 12:00"),
    ("2026-11-27 11:00", "normal", "2026-11-30 15:00"),
    ("2026-11-28 12:00", "normal", "2026-11-30 15:00"),
    ("2026-11-29 12:00", "urgent", "2026-11-30 12:00"),
    # itsenäisyyspäivä 6.12.2027 is a Monday: Friday's normal request is due Tuesday
    ("2027-12-03 10:00", "normal", "2027-12-07 15:00"),
    ("2027-12-05 20:00", "urgent", "2027-12-07 12:00"),
    # juhannus 2026: aatto Friday 19.6., päivä Saturday 20.6.
    ("2026-06-18 10:00", "normal", "2026-06-22 15:00"),
    ("2026-06-18 15:30", "urgent", "2026-06-22 12:00"),
    ("2026-06-19 10:00", "urgent", "2026-06-22 12:00"),
    # Christmas: 24.-26.12.2025 closed, Thursday 23.12. normal -> Monday 29.12.
    ("2025-12-23 10:00", "normal", "2025-12-29 15:00"),
    # Easter 2027: Good Friday 26.3. to Easter Monday 29.3.
    ("2027-03-25 14:00", "normal", "2027-03-30 15:00"),
    # daylight saving time starts on Sunday 29.3.2026; the promised clock time stays local
    ("2026-03-27 16:00", "urgent", "2026-03-30 12:00"),
])
def test_answer_by(filed: str, urgency: str, due: str) -> None:
    assert HOURS.answer_by(at(filed), urgency) == at(due)


def test_answer_by_accepts_any_time_zone_and_answers_in_helsinki_time() -> None:
    utc = dt.datetime(2026, 11, 25, 12, 30, tzinfo=dt.timezone.utc)  # 14:30 in Helsinki
    assert HOURS.answer_by(utc, "urgent") == at("2026-11-25 15:00")
    with pytest.raises(ValueError):
        HOURS.answer_by(dt.datetime(2026, 11, 25, 12, 30), "urgent")


def test_holidays_come_from_the_maintained_library() -> None:
    assert HOURS.holiday_name(dt.date(2026, 12, 6)) == "Itsenäisyyspäivä"
    assert HOURS.holiday_name(dt.date(2026, 6, 19)) == "Juhannusaatto"
    assert HOURS.holiday_name(dt.date(2031, 5, 22)) == "Helatorstai"  # Easter 13.4.2031 + 39 days: in a year nobody typed in
    assert HOURS.is_working_day(dt.date(2026, 12, 7))


def test_region_closed_days_and_bad_profile_values() -> None:
    hours = OfficeHours.from_profile({"region": {"office_hours": {"weekdays": "08:00-16:00",
                                                                  "closed_days": ["2026-11-26"]}}})
    assert hours.answer_by(at("2026-11-25 10:00"), "normal") == at("2026-11-27 16:00")
    with pytest.raises(OfficeHoursError, match="09:00"):
        OfficeHours.from_profile({"region": {"office_hours": {"weekdays": "9-15"}}})
    with pytest.raises(OfficeHoursError, match="open before"):
        OfficeHours.from_profile({"region": {"office_hours": {"weekdays": "15:00-09:00"}}})
    with pytest.raises(OfficeHoursError, match="closed_days"):
        OfficeHours.from_profile({"region": {"office_hours": {"closed_days": ["huomenna"]}}})


def test_finnish_time() -> None:
    now = at("2026-12-03 10:00")  # a Thursday
    assert finnish_time(at("2026-12-03 15:00"), now, HOURS) == "tänään torstaina 3.12. klo 15.00"
    assert finnish_time(at("2026-12-04 12:00"), now, HOURS) == "huomenna perjantaina 4.12. klo 12.00"
    assert finnish_time(at("2026-12-08 15:00"), now, HOURS) == "tiistaina 8.12. klo 15.00"
    assert finnish_time(at("2027-01-04 15:00"), now, HOURS) == "maanantaina 4.1.2027 klo 15.00"
