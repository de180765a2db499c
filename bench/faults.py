"""Faults in the production set (issue 7): what residents see, and that nothing is lost or doubled.

    .venv/bin/python -m bench.faults [--residents 4] [--postgres-down 5]

Starts `bench.cluster.Cluster` (2 Rasa + 2 actions replicas behind nginx, PostgreSQL, Redis) and
runs three phases. In each, simulated residents talk through nginx's REST channel at the same
time (half of them file a contact request, 8 turns; the others ask guidance questions), and in
the middle of their conversations one fault is injected:

  actions   one actions server is killed (SIGKILL)
  postgres  PostgreSQL is stopped for a few seconds and started again (pg_ctlcluster)
  rasa      one Rasa replica is killed (SIGKILL)

A resident who gets the fault notice (or an HTTP error) writes the same message again a second
later, as the notice asks. Afterwards the benchmark checks, per conversation: every scripted
message got its expected answer in order (the form continued where it was), the tracker on a
surviving replica holds every message, and each contact conversation has exactly one ticket
(none lost, none doubled). Prints what the residents saw during each fault and a table of figures.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bench.cluster import Cluster
from bench.stack import PROJECT_DIR

MODEL = PROJECT_DIR / "models" / "assistant.tar.gz"
CONTACT_SCRIPT = [("voisiko joku soittaa minulle", "Mitä asiasi koskee?"), ("sosiaalipalveluista", "Kenen asiasta"),
                  ("mun oma asia", "omin sanoin"),
                  ("Tarvitsisin apua toimeentulotuen hakemisessa, kun rahat ei riitä vuokraan", "kiireellinen"),
                  ("ei kiirettä", ""), ("0401234567", "Milloin sinut tavoittaa"),
                  ("aamupäivällä", "040 ••• 4567"), ("kyllä", "")]
GUIDANCE_SCRIPT = [("miten varaan aikuisena ajan hammaslääkärille", ""), ("mikä on flunssan hoito", ""),
                   ("selkä on ollut kipeä viikon", ""), ("missä on lähin terveysasema", ""),
                   ("voinko saada apua toimeentulotukeen", ""), ("kiitos", "")]
RESEND_AFTER = 1.0
STEP_DEADLINE = 120.0


@dataclass
class Turn:
    """One message sent and what came back."""

    at: float
    message: str
    status: int            # HTTP status; 0 = no connection
    kind: str              # answer | notice | error | empty
    seconds: float
    text: str


@dataclass
class Resident:
    """One scripted conversation through the front; resends a message after a fault, as told."""

    url: str
    script: list[tuple[str, str]]
    contact: bool
    sender: str = field(default_factory=lambda: uuid.uuid4().hex)
    turns: list[Turn] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    reference: str | None = None

    def converse(self, pause: float) -> None:
        """Every step until it gets a normal answer (or the step's deadline passes)."""
        for message, expected in self.script:
            started = time.monotonic()
            while time.monotonic() - started < STEP_DEADLINE:
                turn, replies = self._send(message)
                self.turns.append(turn)
                if turn.kind == "answer":
                    if expected not in turn.text:
                        self.mismatches.append(f"{message!r}: expected {expected!r}, got {turn.text[:80]!r}")
                    for reply in replies:
                        request = (reply.get("custom") or {}).get("contact_request")
                        if request:
                            self.reference = request.get("reference")
                    break
                time.sleep(RESEND_AFTER)
            else:
                self.mismatches.append(f"{message!r}: no answer in {STEP_DEADLINE:.0f} s")
            time.sleep(pause)

    def _send(self, message: str) -> tuple[Turn, list[dict]]:
        body = json.dumps({"sender": self.sender, "message": message}).encode()
        request = urllib.request.Request(f"{self.url}/webhooks/rest/webhook", body,
                                         {"Content-Type": "application/json"})
        start = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=150) as answer:
                status, replies = answer.status, json.load(answer)
        except urllib.error.HTTPError as error:
            status = error.code
            try:
                replies = json.loads(error.read() or b"[]")
            except ValueError:
                replies = []
        except (urllib.error.URLError, OSError):
            status, replies = 0, []
        seconds = time.monotonic() - start
        replies = replies if isinstance(replies, list) else []
        text = "\n".join(r.get("text") or "" for r in replies)
        if any(isinstance(r.get("custom"), dict) and "service_fault" in r["custom"] for r in replies):
            kind = "notice"
        elif status != 200:
            kind = "error"
        else:
            kind = "answer" if replies else "empty"
        return Turn(start, message, status, kind, seconds, text), replies


def restart_postgres(down_seconds: float) -> None:
    """Stop the local PostgreSQL cluster, wait, start it again (always started again)."""
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout.split()
    version, name = clusters[0], clusters[1]
    subprocess.run(["pg_ctlcluster", version, name, "stop", "-m", "fast"], check=True)
    try:
        time.sleep(down_seconds)
    finally:
        subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)


def ticket_counts(database_url: str, senders: list[str]) -> dict[str, int]:
    """Tickets per conversation id."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(database_url, future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sqlalchemy.text("SELECT conversation_id, count(*) FROM ticket "
                                                      "WHERE conversation_id = ANY(:ids) GROUP BY conversation_id"),
                                      {"ids": senders}).all()
    finally:
        engine.dispose()
    counts = {sender: 0 for sender in senders}
    counts.update({row[0]: int(row[1]) for row in rows})
    return counts


def tracker_keeps_script(cluster: Cluster, replica: int, resident: Resident) -> bool:
    """The conversation's tracker (read from a replica directly) holds the script's messages in order."""
    with urllib.request.urlopen(cluster.api_url(replica, f"/conversations/{resident.sender}/tracker"), timeout=30) as answer:
        events = json.load(answer)["events"]
    said = iter(e.get("text") for e in events if e.get("event") == "user")
    return all(any(text == message for text in said) for message, _ in resident.script)


@dataclass
class PhaseResult:
    """Figures of one fault phase."""

    name: str
    residents: list[Resident]
    fault_at: float
    fault_seconds: float
    tickets: dict[str, int]
    trackers_intact: int

    def row(self) -> dict[str, str]:
        turns = [t for r in self.residents for t in r.turns]
        bad = [t for t in turns if t.kind != "answer"]
        contacts = [r for r in self.residents if r.contact]
        disturbed = max((t.at + t.seconds for t in bad), default=self.fault_at) - self.fault_at
        return {"fault": self.name, "messages": str(len(turns)), "answers": str(len(turns) - len(bad)),
                "notices": str(sum(t.kind == "notice" for t in turns)),
                "errors": str(sum(t.kind in ("error", "empty") for t in turns)),
                "slowest reply s": f"{max((t.seconds for t in turns), default=0):.1f}",
                "disturbed s": f"{max(0.0, disturbed):.1f}",
                "steps ok": f"{sum(not r.mismatches for r in self.residents)}/{len(self.residents)}",
                "trackers intact": f"{self.trackers_intact}/{len(self.residents)}",
                "tickets": f"{sum(self.tickets.values())}/{len(contacts)}"
                           f"{'' if all(n == 1 for n in self.tickets.values()) else ' (!)'}"}

    def seen(self) -> list[str]:
        """What residents saw instead of an answer, counted."""
        counts: dict[str, int] = {}
        for turn in (t for r in self.residents for t in r.turns if t.kind != "answer"):
            key = f"HTTP {turn.status}: {turn.text[:110] or '(nothing)'}"
            counts[key] = counts.get(key, 0) + 1
        return [f"{n:3d} × {key}" for key, n in sorted(counts.items(), key=lambda item: -item[1])]


def run_phase(cluster: Cluster, name: str, residents: int, inject: Callable[[], None], delay: float,
              pause: float, read_from: int) -> PhaseResult:
    """Residents talk; after `delay` seconds the fault is injected; then the invariants are checked."""
    people = [Resident(cluster.url, CONTACT_SCRIPT if i % 2 == 0 else GUIDANCE_SCRIPT, i % 2 == 0)
              for i in range(residents)]
    threads = [threading.Thread(target=p.converse, args=(pause,)) for p in people]
    for thread in threads:
        thread.start()
        time.sleep(0.2)
    time.sleep(delay)
    fault_at = time.monotonic()
    inject()
    fault_seconds = time.monotonic() - fault_at
    for thread in threads:
        thread.join()
    contacts = [p.sender for p in people if p.contact]
    tickets = ticket_counts(cluster.tracker_database_url, contacts)
    intact = sum(tracker_keeps_script(cluster, read_from, p) for p in people)
    return PhaseResult(name, people, fault_at, fault_seconds, tickets, intact)


def print_table(rows: list[dict[str, str]]) -> None:
    """A plain text table."""
    columns = list(rows[0])
    widths = [max(len(c), *(len(r[c]) for r in rows)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in rows:
        print("  ".join(row[c].ljust(w) for c, w in zip(columns, widths)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=4, help="conversations at a time in each phase")
    parser.add_argument("--postgres-down", type=float, default=5.0, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--pause", type=float, default=0.5, help="a resident's pause between messages (s)")
    args = parser.parse_args()
    if not MODEL.exists():
        raise SystemExit("no trained model: run scripts/train")
    if shutil.which("pg_ctlcluster") is None:
        raise SystemExit("pg_ctlcluster not found: this benchmark restarts the local PostgreSQL (Debian)")
    started = time.monotonic()
    cluster = Cluster(Path(MODEL), rasa_replicas=2, actions_replicas=2, with_web=False, client_limits=False, api=True).start()
    print(f"cluster up in {time.monotonic() - started:.0f} s at {cluster.url} (logs: {cluster.workdir})", flush=True)
    results = []
    try:
        results.append(run_phase(cluster, "actions server killed", args.residents,
                                 lambda: cluster.stop_actions(0, kill=True), 2.0, args.pause, 0))
        cluster.start_actions(0)
        results.append(run_phase(cluster, f"PostgreSQL down {args.postgres_down:.0f} s", args.residents,
                                 lambda: restart_postgres(args.postgres_down), 2.0, args.pause, 0))
        results.append(run_phase(cluster, "Rasa replica killed", args.residents,
                                 lambda: cluster.stop_rasa(0, kill=True), 2.0, args.pause, 1))
    finally:
        cluster.stop()
    for result in results:
        print(f"\n{result.name}: fault injected in {result.fault_seconds:.1f} s; residents saw instead of an answer:")
        print("\n".join(result.seen()) or "    nothing: every message was answered")
        for resident in result.residents:
            for mismatch in resident.mismatches:
                print(f"    conversation {resident.sender[:8]}: {mismatch}")
    print()
    print_table([r.row() for r in results])


if __name__ == "__main__":
    main()
