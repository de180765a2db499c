"""Benchmark of the resident's own space (issue 18): how long the summary's reads take for a resident with
a long history, and how many notifications a delivery round gets through (one row claimed, sent and
marked at a time), on SQLite or PostgreSQL.

    .venv/bin/python -m bench.own_space [--database-url URL] [--tickets 20] [--messages 10] [--days 90]

By default a fresh SQLite file under /tmp. With `--database-url` the tables are created there if missing
and this benchmark's rows are added (give it a database of its own, never a production one). The
delivery is timed with a sender that sends nothing, so the figure is the store's share of a round; a
real SMTP server adds its own time per message.
"""
from __future__ import annotations

import argparse
import datetime as dt
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.delivery import deliver_due
from actions.store.messages import MessageStore
from actions.store.office_hours import OfficeHours
from actions.store.outbox import OutboxStore
from actions.store.own_space import OwnSpaceStore
from actions.store.person_key import person_key
from actions.store.tickets import TicketDraft, TicketStore
from bot.settings import Secret
from bot.web.own_space import _summary_rows
from bot.web.runtime import OwnSpace
from bot.web.suomi_fi import identity_code

SECRET = Secret(secrets.token_urlsafe(40))


class NoSender:
    """Sends nothing (the store's share of a delivery round is what is timed)."""

    def send(self, address: str, template: str) -> None:
        return None


def fill(own: OwnSpace, accounts: AccountStore, code: str, tickets: int, messages: int, days: int) -> str:
    """A resident with `tickets` secure-message requests of `messages` messages each, a result a week and
    the alcohol programme's diary for `days` days; returns their person key."""
    key = person_key(code, SECRET)
    pro = accounts.create(f"bench{secrets.token_hex(4)}", "Hoitaja", "professional", "salasana-joka-on-pitka")
    now = dt.datetime.now(dt.timezone.utc)
    for t in range(tickets):
        draft = TicketDraft(conversation_id=secrets.token_hex(16), channel="identified_chat", contact_role="resident",
                            reason="health", urgency="normal", resident_words="Haluaisin kysyä hoidosta.",
                            contact_method="secure_message", consent_text="Saa välittää.", consent_at=now,
                            identity_code=code, identity_name="Testi Asukas", person_key=key)
        ticket, _ = own.tickets.create(draft, f"bench:{key[:8]}:{t}")
        own.tickets.claim(pro, ticket.id)
        for m in range(messages):
            if m % 2:
                own.messages.add_resident_message(key, ticket.id, "Kiitos vastauksesta.", f"r{t}-{m}")
            else:
                own.messages.add_staff_message(pro, ticket.id, "Tässä vastaus kysymykseesi.", f"s{t}-{m}")
    for week in range(max(1, days // 7)):
        own.space.record_result(key, "auditc", 4 + week % 3, "alle raja-arvon 5",
                                taken_at=now - dt.timedelta(days=7 * week), idempotency_key=f"w{week}")
    enrolment, _ = own.space.enrol(key, "alkoholi", "1", "assessment", goal="reduce")
    start = dt.date.today()
    for day in range(days):
        own.space.record_progress(key, enrolment.id, "diary", f"d{day}", module_id="tavoite-ja-paivakirja",
                                  value={"day": (start + dt.timedelta(days=day)).isoformat(), "amount": day % 5})
    return key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--tickets", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--reads", type=int, default=50)
    parser.add_argument("--notifications", type=int, default=500)
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench_own_')) / 'own.db'}"
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    own = OwnSpace(OwnSpaceStore(sessions, SECRET), MessageStore(sessions, SECRET), OutboxStore(sessions),
                   TicketStore(sessions, OfficeHours()))
    started = time.perf_counter()
    key = fill(own, AccountStore(sessions), identity_code("010180", f"{900 + secrets.randbelow(99):03d}"),
               args.tickets, args.messages, args.days)
    print(f"database {engine.dialect.name}: a resident with {args.tickets} requests x {args.messages} messages, "
          f"{max(1, args.days // 7)} results and {args.days} diary days (filled in {time.perf_counter() - started:.1f} s)")
    timings = []
    for _ in range(args.reads):
        begin = time.perf_counter()
        _summary_rows(own, key)
        timings.append((time.perf_counter() - begin) * 1000)
    timings.sort()
    print(f"  summary reads: median {statistics.median(timings):.1f} ms, p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms "
          f"over {args.reads} reads")
    for n in range(args.notifications):
        own.outbox.enqueue("email", f"asukas{n}@example.fi", "new_message")
    begin = time.perf_counter()
    sent = 0
    while True:
        report = deliver_due(own.outbox, {"email": NoSender()}, limit=100)
        if not report.sent:
            break
        sent += report.sent
    seconds = time.perf_counter() - begin
    print(f"  delivery: {sent} notifications claimed and marked in {seconds:.2f} s ({sent / seconds:.0f} a second, "
          f"the sending itself not counted)")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
