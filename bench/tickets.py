"""Ticket store figures on SQLite and PostgreSQL: filing, contended claims, the team's queue.

    .venv/bin/python -m bench.tickets [--tickets 500] [--workers 8] [--postgres URL]

For each store: time to file N tickets one by one (each its own transaction, with the access-log
row), the same N again as retries (idempotency: must add none), W professionals claiming every
ticket at the same time (each ticket must get exactly one winner), and the queue of open tickets
as a professional reads it (every listed ticket logged). Prints figures; asserts only the
invariants (no ticket lost or doubled, one winner per claim).
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import threading
import time
import uuid

import sqlalchemy

from actions.store.office_hours import OfficeHours
from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.tickets import ClaimConflict, QueueFilter, TicketDraft, TicketStore

POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def draft(i: int) -> TicketDraft:
    return TicketDraft(conversation_id=f"bench-{i}", channel="anonymous_chat", contact_role="resident",
                       reason="health", urgency="urgent" if i % 4 == 0 else "normal",
                       resident_words="Selkä on ollut kipeä kaksi viikkoa, särkylääke ei auta.", contact_method="phone",
                       phone="040 123 4567", reach_time="aamupäivisin", consent_text="bench",
                       consent_at=dt.datetime.now(dt.timezone.utc), topic_id="selkakipu",
                       prefilled={"recent_messages": ["selkä kipeä"]},
                       assessment={"instrument": "phq9", "total": 12, "answers": {"interest": 2}})


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def file_tickets(tickets: TicketStore, n: int) -> tuple[list[int], list[float], float]:
    """File n tickets one by one: their ids, each filing's seconds, and the seconds of all."""
    times, ids = [], []
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        ticket, _ = tickets.create(draft(i), f"bench:{i}")
        times.append(time.perf_counter() - t0)
        ids.append(ticket.id)
    return ids, times, time.perf_counter() - start


def file_again(tickets: TicketStore, n: int) -> tuple[int, float]:
    """File the same n tickets again with their idempotency keys: how many new ones that made
    (must be none), and the seconds it took."""
    start = time.perf_counter()
    doubled = sum(tickets.create(draft(i), f"bench:{i}")[1] for i in range(n))
    return doubled, time.perf_counter() - start


def claim_at_once(tickets: TicketStore, pros: list, ids: list[int]) -> tuple[list[int], int, float]:
    """Every professional claims every ticket, all starting together: the tickets won (one entry
    per win), the claims refused, and the seconds it took."""
    wins: list[int] = []
    conflicts = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(len(pros))

    def claimer(account) -> None:
        barrier.wait()
        for ticket_id in ids:
            try:
                tickets.claim(account, ticket_id)
                with lock:
                    wins.append(ticket_id)
            except ClaimConflict:
                with lock:
                    conflicts[0] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=claimer, args=(p,)) for p in pros]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return wins, conflicts[0], time.perf_counter() - start


def read_queue(tickets: TicketStore, pro, rounds: int = 20) -> tuple[list[float], int]:
    """Read the queue of 100 open tickets `rounds` times: each read's seconds, and how many were listed."""
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        listed = tickets.queue(pro, QueueFilter(limit=100))
        times.append(time.perf_counter() - t0)
    return times, len(listed)


def run(name: str, url: str, n: int, workers: int) -> None:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    tickets = TicketStore(sessions, OfficeHours())
    accounts = AccountStore(sessions)
    pros = [accounts.create(f"bench{uuid.uuid4().hex[:8]}", "Bench", "professional", "bench-password-123")
            for _ in range(workers)]
    ids, times, filing = file_tickets(tickets, n)
    doubled, retries = file_again(tickets, n)
    assert doubled == 0 and tickets.count() == n, "a retry made a second ticket"
    wins, conflicts, claiming = claim_at_once(tickets, pros, ids)
    assert sorted(wins) == sorted(ids), "a ticket had no winner or two winners"
    queue_times, listed = read_queue(tickets, pros[0])
    print(f"\n{name}: {n} tickets")
    print(f"  file one by one      {n / filing:7.0f} tickets/s   p50 {statistics.median(times) * 1000:6.1f} ms  "
          f"p95 {percentile(times, 0.95) * 1000:6.1f} ms")
    print(f"  retries (same keys)  {n / retries:7.0f} /s, new tickets made: {doubled}")
    print(f"  {workers} professionals claim every ticket at once: {n} winners, {conflicts} refused, "
          f"{claiming:.1f} s ({n * workers / claiming:.0f} claim attempts/s)")
    print(f"  queue of 100 (each listed ticket logged): p50 {statistics.median(queue_times) * 1000:.1f} ms, "
          f"p95 {percentile(queue_times, 0.95) * 1000:.1f} ms ({listed} listed)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--postgres", default=POSTGRES_URL)
    args = parser.parse_args()
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite (embedded default)", f"sqlite:///{folder}/bench.db", args.tickets, args.workers)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(args.postgres, future=True)
    try:
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    except sqlalchemy.exc.OperationalError as error:
        print(f"\nPostgreSQL skipped: {str(error).splitlines()[0]}")
        return
    try:
        run("PostgreSQL", f"{args.postgres}?options=-csearch_path%3D{schema}", args.tickets, args.workers)
    finally:
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
