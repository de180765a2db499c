"""Retrieval at scale: index build time and ranking latency with thousands of paths.

    .venv/bin/python -m bench.scale [--copies 25]

The library is multiplied (each copy's ids renamed, examples kept) to the given size, indexed,
and asked the development questions. Prints build time, p50/p95 ranking time and memory.
"""
from __future__ import annotations

import argparse
import dataclasses
import resource
import statistics
import time
from pathlib import Path

import yaml

from bot.nlu.finnish import FinnishAnalyzer
from bot.nlu.retrieval import GuidanceIndex
from bot.nlu.vectors import WordVectors
from guidance_library.loader import load_library

DEVSET = Path(__file__).resolve().parent / "devset.yml"


def main() -> None:
    """Build a large index and time it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=25)
    args = parser.parse_args()
    library = load_library()
    paths = tuple(dataclasses.replace(p, id=f"{p.id}-{copy}") if copy else p
                  for copy in range(args.copies) for p in library.paths)
    big = dataclasses.replace(library, paths=paths)
    analyzer, vectors = FinnishAnalyzer(), WordVectors()
    start = time.perf_counter()
    index = GuidanceIndex(big, analyzer, vectors)
    build = time.perf_counter() - start
    questions = [q["text"] for q in yaml.safe_load(DEVSET.read_text(encoding="utf-8"))["guidance"]]
    p50, p95 = rank_times(index, questions)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(paths)} paths, {sum(len(p.examples) for p in paths)} examples: index built in {build:.1f} s; "
          f"rank p50 {p50:.1f} ms, p95 {p95:.1f} ms; peak memory {rss_mb:.0f} MB")


def rank_times(index: GuidanceIndex, questions: list[str]) -> tuple[float, float]:
    """Median and 95th percentile of ranking one question, in ms (after one warm-up)."""
    index.rank(questions[0])
    times = []
    for question in questions:
        start = time.perf_counter()
        index.rank(question)
        times.append(time.perf_counter() - start)
    times.sort()
    return 1000 * statistics.median(times), 1000 * times[int(0.95 * len(times))]


if __name__ == "__main__":
    main()
