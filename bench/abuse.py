"""Abuse benchmark: huge messages and many sockets against a running assistant, on loopback only.

    .venv/bin/python -m bench.abuse [--sizes 2000,10000,100000,1000000] [--repeat 3]
                                    [--sockets 200] [--time-limit 900]

Starts the assistant (`bench.stack.Stack`: actions server + Rasa on 127.0.0.1, free ports), then:

1. **Message size.** For each size, `--repeat` messages of that many characters through the REST
   channel and as many through `/model/parse`, one after another, while an ordinary resident sends
   an ordinary question every half second. Printed per size: the abusive request's time, the Rasa
   process's peak resident memory during the phase, the ordinary resident's reply time (median and
   worst) during the phase, and errors (an abusive request may be refused, which is not an error;
   an ordinary message that fails is).
2. **Many sockets.** `--sockets` socket.io clients connect at once (long-polling, as the pinned
   aiohttp allows) and each sends a message of 1,000,000 characters (refused by the socket's packet
   limit: the socket is closed); one in twenty then writes 10,000 characters (cut to 2,000) and
   must be answered. The same figures.

The benchmark stops itself: every request has a timeout, each phase a deadline, and the whole run
`--time-limit` seconds, after which the servers are stopped and what was measured is printed.
Nothing leaves the machine. Flat means: memory and the ordinary resident's reply time at 1,000,000
characters about what they are at 2,000.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench.stack import PROJECT_DIR, Stack

ORDINARY = ["miten varaan ajan hammaslääkärille", "mistä saan omaishoidon tukea", "flunssa ja kuumetta, mitä teen",
            "paljonko terveyskeskusmaksu on", "tarvitsen kuljetuspalvelun"]
FILLER = "kipu "  # a Finnish word the analyser knows: the worst case is real words, not one long token


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemoryWatch:
    """Samples a process's resident memory every 50 ms; `peak()` since the last `reset()`."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self._peak = max(self._peak, rss_mb(self.pid))

    def reset(self) -> None:
        self._peak = rss_mb(self.pid)

    def peak(self) -> float:
        return max(self._peak, rss_mb(self.pid))

    def stop(self) -> None:
        self._stop.set()


def post(url: str, payload: dict, timeout: float) -> tuple[int, float]:
    """POST JSON; (HTTP status or 0 for no answer, seconds)."""
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
            return answer.status, time.perf_counter() - start
    except urllib.error.HTTPError as error:
        return error.code, time.perf_counter() - start
    except OSError:
        return 0, time.perf_counter() - start


@dataclass
class Ordinary:
    """An ordinary resident writing every half second while a phase runs."""

    stack: Stack
    times: list[float] = field(default_factory=list)
    errors: int = 0

    def run(self, stop: threading.Event) -> None:
        sender, index = uuid.uuid4().hex, 0
        while not stop.is_set():
            status, seconds = post(f"{self.stack.url}/webhooks/rest/webhook",
                                   {"sender": sender, "message": ORDINARY[index % len(ORDINARY)]}, timeout=60)
            index += 1
            if status == 200:
                self.times.append(seconds)
            else:
                self.errors += 1
            stop.wait(0.5)


@dataclass
class Row:
    phase: str
    abusive_seconds: float
    refused: int
    peak_mb: float
    ordinary: list[float]
    errors: int            # abusive requests that failed otherwise than by a refusal
    ordinary_errors: int   # ordinary messages that failed

    def line(self) -> str:
        median = statistics.median(self.ordinary) * 1000 if self.ordinary else float("nan")
        worst = max(self.ordinary) * 1000 if self.ordinary else float("nan")
        return (f"| {self.phase} | {self.abusive_seconds:.2f} | {self.refused} | {self.errors} | {self.peak_mb:.0f} | "
                f"{median:.0f} | {worst:.0f} | {len(self.ordinary)} | {self.ordinary_errors} |")


def with_ordinary_resident(stack: Stack, watch: MemoryWatch, phase: str, abuse) -> Row:
    """Run `abuse()` (-> (seconds per abusive request, refused, errors)) beside an ordinary resident."""
    watch.reset()
    resident, stop = Ordinary(stack), threading.Event()
    thread = threading.Thread(target=resident.run, args=(stop,), daemon=True)
    thread.start()
    time.sleep(1.0)  # the resident's first message before the abuse
    seconds, refused, errors = abuse()
    time.sleep(1.0)
    stop.set()
    thread.join(timeout=70)
    return Row(phase, seconds, refused, watch.peak(), resident.times, errors, resident.errors)


def size_phase(stack: Stack, size: int, repeat: int, deadline: float):
    def abuse() -> tuple[float, int, int]:
        times, refused, errors = [], 0, 0
        text = (FILLER * (size // len(FILLER) + 1))[:size]
        for _ in range(repeat):
            if time.monotonic() > deadline:
                break
            for url, payload in ((f"{stack.url}/webhooks/rest/webhook", {"sender": uuid.uuid4().hex, "message": text}),
                                 (stack.api("/model/parse"), {"text": text})):
                status, seconds = post(url, payload, timeout=120)
                times.append(seconds)
                if status in (400, 413):
                    refused += 1
                elif status != 200:
                    errors += 1
        return (statistics.mean(times) if times else float("nan")), refused, errors
    return abuse


def sockets_phase(stack: Stack, sockets: int, deadline: float):
    def abuse() -> tuple[float, int, int]:
        return asyncio.run(_many_sockets(stack, sockets, deadline))
    return abuse


async def _many_sockets(stack: Stack, count: int, deadline: float) -> tuple[float, int, int]:
    """Each client sends a 1,000,000-character message (the server drops a socket whose packet is
    too big), then, on the same socket if it survived or on a new one, a 2,000-character message
    that must be answered. (seconds per client, huge messages refused, errors)"""
    import socketio

    huge, cut = "a" * 1_000_000, (FILLER * 2000)[:10_000]  # 10,000 chars fit a packet: cut to 2,000, answered
    refused = errors = 0
    times: list[float] = []

    async def connected_client() -> tuple["socketio.AsyncClient", asyncio.Event, str]:
        client = socketio.AsyncClient(reconnection=False)
        answered = asyncio.Event()
        confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
        client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
        client.on("bot_uttered", lambda data: answered.set())
        await asyncio.wait_for(client.connect(stack.url, socketio_path="/socket.io", transports=["polling"]), 60)
        await client.emit("session_request", {"session_id": None})
        return client, answered, await asyncio.wait_for(confirmed, 60)

    async def one(index: int) -> None:
        nonlocal refused, errors
        await asyncio.sleep(index * 0.01)  # all open together, but not in one instant's SYN burst
        start = time.perf_counter()
        clients = []
        try:
            client, answered, session_id = await connected_client()
            clients.append(client)
            answered.clear()
            with contextlib.suppress(Exception):  # the server closing the socket is the expected answer
                await client.emit("user_uttered", {"message": huge, "session_id": session_id})
            for _ in range(50):  # the server drops the socket within moments; an answer would also do
                if not client.connected or answered.is_set():
                    break
                await asyncio.sleep(0.1)
            if not client.connected:
                refused += 1
            if index % 20 == 0:  # one socket in twenty then writes a long (not huge) message and is answered
                if not client.connected:
                    client, answered, session_id = await connected_client()
                    clients.append(client)
                answered.clear()
                await client.emit("user_uttered", {"message": cut, "session_id": session_id})
                await asyncio.wait_for(answered.wait(), max(1.0, min(60.0, deadline - time.monotonic())))
            times.append(time.perf_counter() - start)
        except (asyncio.TimeoutError, socketio.exceptions.ConnectionError) as error:
            print(f"[abuse] socket {index}: {error.__class__.__name__} {error}", flush=True)
            errors += 1
        finally:
            for client in clients:
                with contextlib.suppress(Exception):  # already gone
                    await client.disconnect()

    await asyncio.gather(*(one(index) for index in range(count)))
    return (statistics.mean(times) if times else float("nan")), refused, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=900.0)
    parser.add_argument("--model", type=Path, default=PROJECT_DIR / "models" / "assistant.tar.gz")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="[abuse] %(name)s: %(message)s")  # why a socket failed
    if not args.model.exists():
        raise SystemExit("No trained model: run scripts/train first.")
    started = time.monotonic()
    end = started + args.time_limit
    stack = Stack(args.model, workdir=PROJECT_DIR / "var" / "bench-abuse").start()
    rasa = stack.processes[-1]
    watch = MemoryWatch(rasa.pid)
    rows: list[Row] = []
    try:
        for text in ORDINARY:  # warm-up: the first replies load lazy parts
            post(f"{stack.url}/webhooks/rest/webhook", {"sender": "warm-up", "message": text}, timeout=120)
        print(f"[abuse] Rasa pid {rasa.pid}, {rss_mb(rasa.pid):.0f} MB after start and warm-up")
        rows.append(with_ordinary_resident(stack, watch, "no abuse", lambda: (0.0, 0, 0)))
        for size in (int(s) for s in args.sizes.split(",")):
            if time.monotonic() > end:
                print("[abuse] time limit reached; stopping")
                break
            rows.append(with_ordinary_resident(stack, watch, f"{size:,} chars",
                                               size_phase(stack, size, args.repeat, end)))
            print("[abuse]", rows[-1].line(), flush=True)
        if args.sockets and time.monotonic() < end:
            rows.append(with_ordinary_resident(stack, watch, f"{args.sockets} sockets x 1,000,000 chars",
                                               sockets_phase(stack, args.sockets, min(end, time.monotonic() + 300))))
        alive = rasa.poll() is None
    finally:
        watch.stop()
        stack.stop()
    print()
    print("| phase | abusive request s | refused | abusive errors | Rasa peak MB | ordinary p50 ms | ordinary max ms "
          "| ordinary n | ordinary errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row.line())
    print(f"\nRasa still running at the end: {'yes' if alive else 'NO'}; {time.monotonic() - started:.0f} s in all")
    return 0 if alive else 1


if __name__ == "__main__":
    raise SystemExit(main())
