"""Load benchmark: N simulated residents at once through the REST and socket.io channels.

    .venv/bin/python -m bench.load [--residents 20] [--duration 60 | --conversations K]
        [--channels rest,socketio] [--targets ours-1,ours-2,stock] [--think 1.0] [--seed 7]

Targets, started one at a time, warmed up with a few uncounted conversations, measured, stopped:
  ours-1  this assistant as deployed (bench.cluster: nginx, PostgreSQL, Redis), 1 Rasa replica
          + 1 actions server
  ours-2  the same with 2 Rasa replicas + 2 actions servers
  stock   stock Rasa's demo bot from `rasa init` (English moodbot messages), trained once and
          cached under var/bench/stock
Each resident runs conversations one after another, each with its own conversation id, pausing a
think time after every reply. Reply time is from sending a message to the last bot message of
that turn. Afterwards every conversation's tracker is read from the Rasa HTTP API and checked:
the messages in the order sent, each answered before the next, nothing foreign; and each turn
received exactly its own bot messages (bench/load_report.py).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.load_report import Conversation, Figures, check_conversation, figures, ordering_summary, table
from bench.load_residents import (Pace, Phrases, finnish_conversation, moodbot_conversation, rest_conversation,
                                  socketio_conversation)
from bench.cluster import Cluster
from bench.stack import PROJECT_DIR, free_port, wait_until_up

RASA = str(Path(sys.executable).parent / "rasa")
BENCH_DIR = PROJECT_DIR / "var" / "bench"
STOCK_CREDENTIALS = """rest:
socketio:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  # Rasa 3.6 does not await enter_room() of python-socketio 5, so with session persistence the
  # session's room is never joined and no reply arrives: the socket's own id is the conversation.
  session_persistence: false
"""


@dataclass
class Target:
    """A running bot: where its channels are, where its HTTP API is, and how to stop it."""

    name: str
    url: str                      # the channels (REST webhook, /socket.io)
    api_url: str                  # Rasa HTTP API, for the trackers
    stop: Callable[[], None]
    english: bool = False         # stock demo bot: moodbot messages
    id_from_socket: bool = False  # stock socket.io: the conversation id is the socket id
    detail: str = ""
    api_token: str = ""           # Rasa's --auth-token, when the API has one


def stock_model(env: dict[str, str]) -> Path:
    """Stock Rasa's demo bot under var/bench/stock, created and trained on first use."""
    project = BENCH_DIR / "stock"
    models = sorted((project / "models").glob("*.tar.gz")) if project.exists() else []
    if not models:
        scratch = BENCH_DIR / f"stock-{os.getpid()}.tmp"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        print("[load] creating and training stock Rasa's demo bot (rasa init, once) ...", flush=True)
        subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(scratch)], env=env, check=True,
                       cwd=scratch, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(project, ignore_errors=True)
        scratch.rename(project)
        models = sorted((project / "models").glob("*.tar.gz"))
    (project / "credentials.yml").write_text(STOCK_CREDENTIALS, encoding="utf-8")
    return models[-1]


def start_stock(timeout: float) -> Target:
    """`rasa run` of the demo bot with the REST and socket.io channels (it has no custom actions)."""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    model = stock_model(env)
    project, port = model.parent.parent, free_port()
    log = open(BENCH_DIR / "stock.log", "w")  # noqa: SIM115 - closed in stop()
    process = subprocess.Popen([RASA, "run", "--enable-api", "--interface", "127.0.0.1", "--port", str(port),
                                "--model", str(model), "--credentials", str(project / "credentials.yml")],
                               cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()

    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/status", timeout, [process])
    except (RuntimeError, TimeoutError):
        stop()
        raise
    return Target("stock", url, url, stop, english=True, id_from_socket=True,
                  detail="rasa init demo bot, in-memory tracker store, no actions server")


def start_ours(replicas: int, timeout: float) -> Target:
    """Our assistant with `replicas` Rasa replicas and as many actions servers."""
    model = PROJECT_DIR / "models" / "assistant.tar.gz"
    if not model.exists():
        sys.exit("No trained model: run scripts/train first.")
    name = f"ours-{replicas}"
    cluster = Cluster(model, rasa_replicas=replicas, actions_replicas=replicas, with_web=False, client_limits=False, api=True,
                      workdir=BENCH_DIR / name).start(timeout)
    return Target(name, cluster.url, cluster.rasa_urls[0], cluster.stop, api_token=cluster.api_token,
                  detail=f"bench.cluster: {replicas} Rasa + {replicas} actions behind nginx, PostgreSQL, Redis locks")


async def run_residents(target: Target, channel: str, residents: int, stop_after: float | None,
                        conversations_each: int | None, pace: Pace, phrases: Phrases,
                        seed: int) -> tuple[list[Conversation], float]:
    """All residents at once until the time is up (or each has had its conversations); return them and the
    elapsed seconds from the first message to the last reply."""
    done: list[Conversation] = []
    start = time.perf_counter()
    stop_at = start + stop_after if stop_after else float("inf")

    async def resident(index: int, http: aiohttp.ClientSession) -> None:
        rng = random.Random(seed * 1000 + index)
        await asyncio.sleep(rng.uniform(0, pace.think))  # residents do not all arrive at once
        count = 0
        while time.perf_counter() < stop_at and (conversations_each is None or count < conversations_each):
            script = (moodbot_conversation(rng) if target.english else finnish_conversation(rng, phrases, channel))
            if channel == "rest":
                conversation = await rest_conversation(http, target.url, script, pace, rng, stop_at)
            else:
                conversation = await socketio_conversation(target.url, "/socket.io", script, pace, rng, stop_at,
                                                           target.id_from_socket)
            done.append(conversation)
            count += 1
            if conversation.error or any(turn.error for turn in conversation.turns):
                await asyncio.sleep(pace.think)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        await asyncio.gather(*(resident(index, http) for index in range(residents)))
    return done, time.perf_counter() - start


async def read_trackers(api_url: str, conversations: list[Conversation], api_token: str = "") -> tuple[list[str], int, int, int]:
    """Check every conversation against its tracker (late turns get their reply time corrected):
    (violations, conversations checked, trackers unreadable, late turns)."""
    problems: list[str] = []
    checked = unreadable = late = 0
    limit = asyncio.Semaphore(8)

    async def one(http: aiohttp.ClientSession, conversation: Conversation) -> None:
        nonlocal checked, unreadable, late
        async with limit:
            try:
                async with http.get(f"{api_url}/conversations/{conversation.conversation_id}/tracker",
                                    params={"include_events": "ALL",
                                            **({"token": api_token} if api_token else {})}) as response:
                    response.raise_for_status()
                    tracker = await response.json()
            except (aiohttp.ClientError, asyncio.TimeoutError):
                unreadable += 1
                return
        checked += 1
        found, late_turns = check_conversation(conversation, tracker.get("events") or [])
        problems.extend(found)
        late += late_turns

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        await asyncio.gather(*(one(http, c) for c in conversations if c.conversation_id and c.turns))
    return problems, checked, unreadable, late


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all cores from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def machine() -> str:
    """Cores, memory, load averages and versions: others may use the CPU at the same time."""
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0")
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"{os.cpu_count()} cores, {int(memory) / 1024 ** 2:.0f} GiB, {platform.machine()}, "
            f"Python {platform.python_version()}; load average {load}")


def measure(target: Target, channel: str, args: argparse.Namespace, phrases: Phrases) -> tuple[Figures, list[str]]:
    """Warm up (uncounted), measure, check the ordering; return the row and the violations."""
    pace = Pace(args.think, args.timeout, args.settle)
    asyncio.run(run_residents(target, channel, min(args.residents, 2), None, 1, pace, phrases, args.seed + 99))
    print(f"[load] {target.name} {channel}: measuring; {machine()}", flush=True)
    before = cpu_times()
    conversations, elapsed = asyncio.run(run_residents(target, channel, args.residents, args.duration,
                                                       args.conversations, pace, phrases, args.seed))
    after = cpu_times()
    problems, checked, unreadable, late = asyncio.run(read_trackers(target.api_url, conversations, target.api_token))
    row = figures(target.name, channel, args.residents, conversations, elapsed,
                  ordering_summary(problems, checked, unreadable, late))
    busy = 100 * (after[0] - before[0]) / max(after[1] - before[1], 1)
    print(f"[load] {target.name} {channel}: {row.replies} replies in {elapsed:.1f} s, CPU busy {busy:.0f}% "
          f"(whole machine), ordering {row.ordering}", flush=True)
    return row, problems


def main() -> None:
    """Parse the options, run every target and channel, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=20)
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument("--duration", type=float, help="seconds of measurement per target and channel (default 60)")
    amount.add_argument("--conversations", type=int, help="conversations per resident instead of a duration")
    parser.add_argument("--channels", default="rest,socketio")
    parser.add_argument("--targets", default="ours-1,ours-2,stock")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time after a reply, s")
    parser.add_argument("--settle", type=float, default=0.3, help="socket.io: quiet time that ends a turn, s")
    parser.add_argument("--timeout", type=float, default=30.0, help="reply timeout, s")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.conversations is None and args.duration is None:
        args.duration = 60.0
    channels = [c.strip() for c in args.channels.split(",") if c.strip()]
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if set(channels) - {"rest", "socketio"} or set(targets) - {"ours-1", "ours-2", "stock"}:
        parser.error("channels: rest, socketio; targets: ours-1, ours-2, stock")
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    phrases = Phrases.load(PROJECT_DIR / "bench" / "devset.yml")
    print(f"[load] {' '.join(sys.argv[1:]) or '(defaults)'}\n[load] machine: {machine()}", flush=True)
    rows: list[Figures] = []
    violations: list[str] = []
    details: list[str] = []
    for name in targets:
        print(f"[load] starting {name} ...", flush=True)
        try:
            target = start_stock(300) if name == "stock" else start_ours(int(name[-1]), 300)
        except (RuntimeError, TimeoutError, OSError, subprocess.CalledProcessError) as error:
            print(f"[load] {name} could not start: {error}", flush=True)
            details.append(f"{name}: not run ({error})")
            continue
        details.append(f"{name}: {target.detail}")
        try:
            for channel in channels:
                row, problems = measure(target, channel, args, phrases)
                rows.append(row)
                violations += [f"{name} {channel}: {problem}" for problem in problems]
        finally:
            target.stop()
    amount_text = f"{args.duration:.0f} s" if args.duration else f"{args.conversations} conversations each"
    print(f"\n{args.residents} residents, {amount_text} per target and channel, think time {args.think} s "
          f"(x0.5-1.5), reply timeout {args.timeout} s; machine now: {machine()}")
    print("\n".join(f"  {line}" for line in details))
    print("  messages: resident messages sent; replies: messages answered within the timeout; reply time: from\n"
          "  sending to the turn's last bot message; throughput: replies per second of the run")
    print()
    print(table(rows))
    for problem in violations[:20]:
        print(f"  ordering: {problem}")
    if len(violations) > 20:
        print(f"  ... and {len(violations) - 20} more")


if __name__ == "__main__":
    main()
