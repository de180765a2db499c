"""Benchmark of the contact records (issue 20): a region's month of contacts recorded through the store, and
the time of the contact report (the management figures) for a month and for a year, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.contacts [--contacts 5000] [--reads 5] [--sqlite-only] [--postgres-url URL]

5,000 contacts (about a month of a region's central client guidance: the pilot had some 4,700 a year in
one service, a whole county several times that) are recorded one form at a time through `ContactStore`
(each its own transaction with its analytics events and access-log line; 5 % with a follow-up ticket),
spread over the working days of 30 days and the office hours, in the pilot's mix of channels, contactors,
reasons and onward guidance. The year adds eleven more months of the same events by bulk insert (the
report reads only the events). SQLite is a fresh file under /tmp; PostgreSQL a schema of its own in the
local `test` database (dropped afterwards), skipped with a message when the server does not answer.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert, text

from actions.store.accounts import AccountStore
from actions.store.analytics import local_day_and_hour
from actions.store.analytics_report import Period
from actions.store.contacts import ContactDraft, ContactStore, record_key
from actions.store.database import make_engine, make_session_factory
from actions.store.models import AnalyticsEvent
from actions.store.office_hours import OfficeHours
from bot.personal_data import conversation_key
from guidance_library.loader import DEFAULT_NATIONAL, DEFAULT_PROFILE, load_profile

POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
HELSINKI = ZoneInfo("Europe/Helsinki")
LAST_DAY = dt.date(2026, 11, 30)
AREAS = ("primary_health_care", "older_people", "family_services", "adult_social_services",
         "mental_health_substance_abuse", "oral_health_care", "rehabilitation", "disability_services")
CHANNELS = (("phone", 54), ("chat", 42), ("secure_message", 3), ("email", 1))
CONTACTORS = (("resident", 66), ("relative", 19), ("professional", 5), ("unknown", 10))
ONWARD = (("no_further_need", 73), ("referred_within_region", 25), ("referred_elsewhere", 2))
AREA_WEIGHTS = (40, 25, 15, 8, 6, 3, 2, 1)
HOUR_WEIGHTS = {8: 14, 9: 16, 10: 15, 11: 13, 12: 12, 13: 12, 14: 10, 15: 8}  # the pilot's line: 8-16


def pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def contact(rng: random.Random, at: dt.datetime, n: int) -> ContactDraft:
    """One contact in the pilot's mix; reasons: health 65 %, social 14 %, a practical reason 36 %."""
    reasons = [r for r, p in (("health", 0.65), ("social", 0.14)) if rng.random() < p]
    if rng.random() < 0.36 or not reasons:
        reasons.append(rng.choice(("booking", "contact_details", "digital_help", "documents", "on_behalf")))
    onward = pick(rng, ONWARD)
    area = rng.choices(AREAS, AREA_WEIGHTS)[0] if onward == "referred_within_region" else None
    follow_up = n % 20 == 0
    return ContactDraft(channel=pick(rng, CHANNELS), contactor=pick(rng, CONTACTORS), reasons=tuple(reasons),
                        onward=onward, service_area=area, contact_at=at, note="Kysyi palvelusta.",
                        follow_up=follow_up, callback_phone="040 123 4567" if follow_up else None,
                        follow_up_consent=follow_up)


def moments(rng: random.Random, count: int, last_day: dt.date, days: int = 30) -> list[dt.datetime]:
    """`count` contact times on the working days of the `days` days up to `last_day`, in office hours."""
    working = [last_day - dt.timedelta(days=d) for d in range(days)]
    working = [d for d in working if d.weekday() < 5]
    hours = list(HOUR_WEIGHTS)
    times = []
    for _ in range(count):
        day = rng.choice(working)
        hour = rng.choices(hours, list(HOUR_WEIGHTS.values()))[0]
        times.append(dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), tzinfo=HELSINKI))
    return sorted(times)


def record_month(url: str, count: int, rng: random.Random) -> tuple[Any, float]:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    clock = {"now": dt.datetime.now(dt.timezone.utc)}
    store = ContactStore(sessions, OfficeHours(), clock=lambda: clock["now"])
    pro = AccountStore(sessions).create(f"bench-{uuid.uuid4().hex[:6]}", "Hoitaja", "professional",
                                        "salasana-joka-on-pitka")
    began = time.perf_counter()
    for n, at in enumerate(moments(rng, count, LAST_DAY)):
        clock["now"] = at + dt.timedelta(minutes=1)
        store.record(pro, contact(rng, at, n), f"bench-{n}", AREAS)
    return engine, time.perf_counter() - began


def bulk_year(engine: Any, per_month: int, rng: random.Random) -> int:
    """Eleven more months of contact events before the recorded month (bulk insert); returns the events."""
    rows: list[dict[str, Any]] = []
    first_month_end = LAST_DAY - dt.timedelta(days=30)
    for month in range(11):
        end = first_month_end - dt.timedelta(days=30 * month)
        for n, at in enumerate(moments(rng, per_month, end)):
            draft = contact(rng, at, n)
            day, hour = local_day_and_hour(at)
            key = conversation_key(record_key(10_000_000 + month * per_month + n))
            common = {"at": at, "day": day, "hour": hour, "conversation": key, "channel": draft.channel}
            rows.append({**common, "kind": "contact_recorded", "contact_role": draft.contactor,
                         "outcome": draft.onward, "service_area": draft.service_area, "reason": None})
            rows += [{**common, "kind": "contact_reason", "reason": r, "contact_role": None, "outcome": None,
                      "service_area": None} for r in draft.reasons]
    with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(insert(AnalyticsEvent), rows[start:start + 5000])
    return len(rows)


def timed(work: Callable[[], Any], reads: int) -> tuple[float, Any]:
    timings, result = [], None
    for _ in range(reads):
        began = time.perf_counter()
        result = work()
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings), result


def run(url: str, label: str, count: int, reads: int) -> None:
    rng = random.Random(20)
    engine, seconds = record_month(url, count, rng)
    print(f"{label}: {count} contacts recorded through the store in {seconds:.1f} s "
          f"({seconds / count * 1000:.1f} ms each: record, events, access log; every 20th with its ticket)")
    store = ContactStore(make_session_factory(engine), OfficeHours())
    staffing = load_profile(DEFAULT_PROFILE, DEFAULT_NATIONAL)[0].staffing  # the example plan, compared per hour
    month = Period(LAST_DAY - dt.timedelta(days=29), LAST_DAY)
    ms, report = timed(lambda: store.report(month, [(a, a) for a in AREAS], OfficeHours(), staffing), reads)
    print(f"  contact report with the staffing comparison, a month ({report['contacts']} contacts): "
          f"median {ms:.1f} ms over {reads} reads")
    events = bulk_year(engine, count, rng)
    year = Period(LAST_DAY - dt.timedelta(days=364), LAST_DAY)
    ms, report = timed(lambda: store.report(year, [(a, a) for a in AREAS], OfficeHours(), staffing), reads)
    print(f"  contact report, a year ({report['contacts']} contacts, +{events} events bulk-inserted): "
          f"median {ms:.1f} ms over {reads} reads")
    engine.dispose()


def postgres_schema() -> tuple[str, Callable[[], None]] | None:
    """A fresh schema in the local PostgreSQL and its clean-up; None (with a message) if it does not answer."""
    try:
        admin = create_engine(POSTGRES_URL, future=True, connect_args={"connect_timeout": 3})
        schema = f"bench_contacts_{uuid.uuid4().hex[:8]}"
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as error:  # noqa: BLE001 - any failure to connect is a reason to skip, stated
        print(f"PostgreSQL: skipped, not reachable at 127.0.0.1:5432 (database test): {str(error).splitlines()[0]}")
        return None

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", drop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--reads", type=int, default=5)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args(argv)
    run(f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench_contacts_')) / 'contacts.db'}", "SQLite", args.contacts,
        args.reads)
    if not args.sqlite_only:
        made = postgres_schema()
        if made is not None:
            url, drop = made
            try:
                run(url, "PostgreSQL", args.contacts, args.reads)
            finally:
                drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
