"""Quick check of the retrieval alone on the development questions (no Rasa model needed).

    .venv/bin/python -m bench.ranking [--with-drafts] [--misses N]

Builds the index of the current library and asks bench/devset.yml and bench/devset_facets.yml.
Prints top-1 / top-3 topic accuracy and what the guidance decision would do (as if DIET had said
ask_guidance), so an editor or developer sees in a minute what a library change did.
`bench.accuracy` is the full measurement with the trained model.
"""
from __future__ import annotations

import argparse
import dataclasses
import time
from collections import Counter
from pathlib import Path

import yaml

from actions.guidance_decision import Outcome, decide
from bot.nlu.finnish import FinnishAnalyzer
from bot.nlu.retrieval import GuidanceIndex
from bot.nlu.vectors import WordVectors
from guidance_library.loader import load_library

BENCH_DIR = Path(__file__).resolve().parent
SETS = ("devset.yml", "devset_facets.yml")


def outcome(ranking: list[dict], topic: str, topic_of: dict[str, str]) -> str:
    decision = decide(ranking, "ask_guidance", 1.0)
    if decision.outcome is Outcome.ANSWER:
        return "answered right" if topic_of[decision.path_ids[0]] == topic else "answered WRONG"
    if decision.outcome is Outcome.CLARIFY:
        return "asked back, right offered" if topic in {topic_of[i] for i in decision.path_ids} else "asked back, missing"
    return decision.outcome.value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with-drafts", action="store_true", help="count drafts in as if published")
    parser.add_argument("--misses", type=int, default=0, help="print this many top-1 misses per set")
    args = parser.parse_args()
    library = load_library(require_all_topics=False)
    if args.with_drafts:
        library = dataclasses.replace(library, paths=library.paths + library.drafts, drafts=())
    topic_of = {p.id: p.topic for p in library.paths}
    start = time.perf_counter()
    index = GuidanceIndex(library, FinnishAnalyzer(), WordVectors())
    print(f"{len(library.paths)} paths over {len(set(topic_of.values()))} topics; index {time.perf_counter() - start:.1f} s")
    for name in SETS:
        file = BENCH_DIR / name
        if not file.exists():
            continue
        questions = yaml.safe_load(file.read_text(encoding="utf-8"))["guidance"]
        top1 = top3 = 0
        outcomes: Counter[str] = Counter()
        misses = []
        for q in questions:
            ranking = [r.as_dict() for r in index.rank(q["text"])]
            topics = [r["topic"] for r in ranking]
            top1 += topics[:1] == [q["topic"]]
            top3 += q["topic"] in topics[:3]
            outcomes[outcome(ranking, q["topic"], topic_of)] += 1
            if topics[:1] != [q["topic"]]:
                misses.append(f"    {q['text']!r}: {q['topic']} -> {ranking[0]['id'] if ranking else '-'}")
        n = len(questions)
        print(f"\n{name}: {n} questions, top-1 {top1 / n:.1%}, top-3 {top3 / n:.1%}")
        for label, count in outcomes.most_common():
            print(f"  {label:28} {count:4d}  {count / n:6.1%}")
        for line in misses[:args.misses]:
            print(line)


if __name__ == "__main__":
    main()
