"""Time of the whole NLU pipeline per ordinary message, in process (the part of a reply the safety
net adds to): median and p95 over the development questions, after a warm-up.

    .venv/bin/python -m bench.parse_time [--model models/assistant.tar.gz] [--rounds 3]

To compare with an earlier version, run this file from that version's work tree with its model.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

import yaml
from bench import quiet_rasa_logs

BENCH_DIR = Path(__file__).resolve().parent


async def measure(model: Path, rounds: int) -> list[float]:
    from rasa.core.agent import Agent

    quiet_rasa_logs()  # no message text on the screen

    agent = Agent.load(str(model))
    dev = yaml.safe_load((BENCH_DIR / "devset.yml").read_text(encoding="utf-8"))
    questions = [q["text"] if isinstance(q, dict) else str(q) for q in dev["guidance"]]
    for text in questions[:20]:  # warm-up: caches, lazy loading
        await agent.parse_message(text)
    times = []
    for _ in range(rounds):
        for text in questions:
            start = time.perf_counter()
            await agent.parse_message(text)
            times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=BENCH_DIR.parent / "models" / "assistant.tar.gz")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    times = sorted(asyncio.run(measure(args.model, args.rounds)))
    print(f"{len(times)} parses: median {statistics.median(times) * 1000:.1f} ms, "
          f"p95 {times[int(len(times) * 0.95)] * 1000:.1f} ms, mean {statistics.mean(times) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
