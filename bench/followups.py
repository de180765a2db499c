"""Path-level accuracy through the running assistant: follow-up conversations and facet questions.

    .venv/bin/python -m bench.followups [--model models/assistant.tar.gz] [--sets followups,facets]

(`bench.accuracy` runs the same sets on the model it trains, beside its topic-level figures.) Sets:
`followups`, `facets` (blind: totals only); `dev`, `dev_more`, `dev_facets`, `dev_fresh` (development
sets, each outcome printed; `dev_fresh` was written from the path titles only, without sight of the path
examples, rules or code, and measured once before it was read).

Starts the assistant (`bench.stack.Stack`: actions server + Rasa, loopback) and sends, through the
REST channel, each conversation of `bench/blind_followups.yml` turn by turn (a new conversation
each) and each question of `bench/blind_facets.yml` as the first message of its own conversation.
Only the last turn is scored, by what the resident gets back:

  - `right`: the path shown is one of the acceptable ones;
  - `asked back with it`: a question back whose buttons include an acceptable path;
  - `wrong`: another path, or a question back without an acceptable one;
  - `not found`: "not found" or "out of scope", or no path at all (the safety question, a dialogue answer).

Both sets were written from a brief by sessions that saw no path examples, rules or code (issue 16);
only these totals are printed, never the messages.
"""
from __future__ import annotations

import argparse
import json
import time
import uuid
from collections import Counter
from pathlib import Path

import yaml

from bench.safety import wilson
from bench.stack import PROJECT_DIR, Stack

BENCH_DIR = Path(__file__).resolve().parent
SETS = {"followups": BENCH_DIR / "blind_followups.yml", "facets": BENCH_DIR / "blind_facets.yml",
        "dev": BENCH_DIR / "dev_followups.yml",            # development sets: their outcomes are
        "dev_more": BENCH_DIR / "dev_followups_more.yml",  # printed one by one
        "dev_facets": BENCH_DIR / "dev_facets_paths.yml",
        "dev_fresh": BENCH_DIR / "dev_followups_fresh.yml"}  # written from path titles only (Dec 2026)
OUTCOMES = ("right", "asked back with it", "wrong", "not found")
NOT_FOUND_KINDS = ("safety question", "emergency answer", "no path")  # what a "not found" was instead


def outcome(replies: list[dict], accept: set[str]) -> str:
    """How the last turn was answered (see the module doc)."""
    shown = [r["custom"]["path_id"] for r in replies if isinstance(r.get("custom"), dict) and r["custom"].get("path_id")]
    if shown:
        return "right" if shown[0] in accept else "wrong"
    offered: list[str] = []
    for reply in replies:
        for button in reply.get("buttons") or []:
            payload = str(button.get("payload") or "")
            if payload.startswith("/choose_path"):
                offered.append(json.loads(payload[len("/choose_path"):] or "{}").get("path_id", ""))
    if offered:
        return "asked back with it" if set(offered) & accept else "wrong"
    return "not found"


def not_found_kind(replies: list[dict]) -> str:
    """What came back instead of a path: the safety question, the emergency answer or no path at all."""
    custom = [r["custom"] for r in replies if isinstance(r.get("custom"), dict)]
    if any(c.get("safety_check") for c in custom):
        return "safety question"
    if any(c.get("emergency") for c in custom):
        return "emergency answer"
    return "no path"


def what_came_back(replies: list[dict]) -> str:
    """A development set's outcome in short: the path shown, the paths offered, or the first text."""
    shown = [r["custom"]["path_id"] for r in replies if isinstance(r.get("custom"), dict) and r["custom"].get("path_id")]
    if shown:
        return shown[0]
    offered = [json.loads(str(b.get("payload"))[len("/choose_path"):] or "{}").get("path_id", "")
               for r in replies for b in r.get("buttons") or [] if str(b.get("payload") or "").startswith("/choose_path")]
    if offered:
        return "asked " + ",".join(offered)
    return repr(str(replies[0].get("text", ""))[:60]) if replies else "nothing"


def conversations(name: str) -> list[tuple[list[str], set[str]]]:
    data = yaml.safe_load(SETS[name].read_text(encoding="utf-8"))
    if "conversations" in data:
        return [([str(t) for t in c["turns"]], set(map(str, c["accept"]))) for c in data["conversations"]]
    return [([str(q["text"])], set(map(str, q["accept"]))) for q in data["questions"]]


def report(name: str, counts: Counter) -> None:
    total = sum(counts[k] for k in OUTCOMES)
    right, back = counts["right"], counts["asked back with it"]
    low, high = wilson(right, total)
    low2, high2 = wilson(right + back, total)
    print(f"\n== {SETS[name].name}: {total} {'questions' if 'facets' in name else 'conversations (last turn scored)'}")
    print(f"  answered with an acceptable path       {right}/{total} = {right / total:.1%} [{low:.1%}, {high:.1%}]")
    print(f"  answered or asked back with it         {right + back}/{total} = {(right + back) / total:.1%} "
          f"[{low2:.1%}, {high2:.1%}]")
    print("  outcome mix: " + ", ".join(f"{k} {counts[k]}" for k in OUTCOMES)
          + " (" + ", ".join(f"{k} {counts[k]}" for k in NOT_FOUND_KINDS) + ")")


def run_sets(stack: Stack, names: list[str]) -> None:
    """Each set through a running stack, every conversation new; prints each set's report."""
    for name in names:
        counts: Counter = Counter()
        for turns, accept in conversations(name):
            sender = uuid.uuid4().hex
            replies: list[dict] = []
            for turn in turns:
                replies = stack.say(sender, turn)
            result = outcome(replies, accept)
            counts[result] += 1
            if result == "not found":
                counts[not_found_kind(replies)] += 1
            if name.startswith("dev"):  # the development sets only: the blind ones stay unread
                print(f"  {result:20s} {' / '.join(turns)} -> {what_came_back(replies)} (want {sorted(accept)})")
        report(name, counts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=PROJECT_DIR / "models" / "assistant.tar.gz")
    parser.add_argument("--sets", default="followups,facets")
    args = parser.parse_args(argv)
    names = [n for n in args.sets.split(",") if n]
    started = time.monotonic()
    stack = Stack(args.model, workdir=PROJECT_DIR / "var" / "bench-followups").start()
    try:
        run_sets(stack, names)
    finally:
        stack.stop()
    print(f"\n{time.monotonic() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
