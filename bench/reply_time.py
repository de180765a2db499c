"""Reply time per message: this assistant vs stock Rasa's own demo bot (`rasa init`), same machine.

    .venv/bin/python -m bench.reply_time [--messages 200]
    .venv/bin/python -m bench.reply_time --against /tmp/base --rounds 2   # vs an earlier version's work tree

Both run as `rasa run --enable-api` (ours with its actions server and SQLite tracker store, as
`scripts/run` starts it); the same resident messages go one at a time through the REST channel
of each, and the round-trip times are compared.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml

from bench.stack import PROJECT_DIR, Stack

RASA = str(Path(sys.executable).parent / "rasa")


def demo_bot(workdir: Path) -> Path:
    """Create and train stock Rasa's demo bot; return its project folder."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(workdir)], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir.parent)
    return workdir


def timed_replies(stack: Stack, messages: list[str]) -> list[float]:
    """Seconds per message; a new conversation every 5 messages."""
    times = []
    sender = uuid.uuid4().hex
    stack.say(sender, "hei")  # warm-up
    for i, message in enumerate(messages):
        if i % 5 == 0:
            sender = uuid.uuid4().hex
        start = time.perf_counter()
        stack.say(sender, message)
        times.append(time.perf_counter() - start)
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"mean {1000 * statistics.mean(times):6.1f} ms   p50 {1000 * statistics.median(times):6.1f} ms   p95 {1000 * p95:6.1f} ms"


def compare_versions(model: Path, other_tree: Path, messages: list[str], rounds: int) -> None:
    """This version against another work tree (same machine, same messages, alternating)."""
    other_model = other_tree / "models" / "assistant.tar.gz"
    if not other_model.exists():
        sys.exit(f"No trained model in {other_tree}: train it there first.")
    times: dict[str, list[float]] = {"this version": [], str(other_tree): []}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(rounds):
            for name, tree, tree_model in (("this version", PROJECT_DIR, model), (str(other_tree), other_tree, other_model)):
                stack = Stack(tree_model, project_dir=tree, workdir=Path(tmp) / f"{round_}-{len(times[name])}",
                              extra_env={"PYTHONPATH": str(tree)}).start()
                try:
                    times[name] += timed_replies(stack, messages)
                finally:
                    stack.stop()
    print(f"{len(messages)} messages x {rounds} round(s), one at a time, REST channel")
    for name, values in times.items():
        print(f"{name:40s} {summary(values)}")
    this, other = times["this version"], times[str(other_tree)]
    print(f"ratio of means: {statistics.mean(this) / statistics.mean(other):.2f}x; "
          f"ratio of medians: {statistics.median(this) / statistics.median(other):.2f}x")


def main() -> None:
    """Start both bots, send the messages, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--against", type=Path, metavar="TREE",
                        help="compare with an earlier version's work tree (its models/assistant.tar.gz and code) "
                             "instead of the demo bot, e.g. a `git worktree` of the commit before a change")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the two this many times")
    args = parser.parse_args()
    devset = yaml.safe_load((PROJECT_DIR / "bench" / "devset.yml").read_text(encoding="utf-8"))
    pool = [q["text"] for q in devset["guidance"]] + devset["out_of_scope"]
    messages = (pool * (args.messages // len(pool) + 1))[:args.messages]
    model = PROJECT_DIR / "models" / "assistant.tar.gz"
    if not model.exists():
        sys.exit("No trained model: run scripts/train first.")
    if args.against is not None:
        compare_versions(model, args.against.resolve(), messages, args.rounds)
        return
    with tempfile.TemporaryDirectory() as tmp:
        ours = Stack(model, workdir=Path(tmp) / "ours").start()
        try:
            ours_times = timed_replies(ours, messages)
        finally:
            ours.stop()
        demo_dir = demo_bot(Path(tmp) / "demo")
        demo_model = sorted((demo_dir / "models").glob("*.tar.gz"))[-1]
        demo = Stack(demo_model, project_dir=demo_dir, workdir=Path(tmp) / "demo-run", with_actions=False).start()
        try:
            demo_times = timed_replies(demo, messages)
        finally:
            demo.stop()
    print(f"{len(messages)} messages, one at a time, REST channel")
    print(f"this assistant:              {summary(ours_times)}")
    print(f"stock Rasa demo bot (init):  {summary(demo_times)}")
    print(f"ratio of means: {statistics.mean(ours_times) / statistics.mean(demo_times):.2f}x "
          f"(target <= 1.3x); ratio of medians: {statistics.median(ours_times) / statistics.median(demo_times):.2f}x")


if __name__ == "__main__":
    main()
