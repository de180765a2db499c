"""Tune the retrieval signal weights on held-out folds of the library's examples.

    .venv/bin/python -m bench.tune_weights [--mode paths|topics]

--mode paths (default): grid over the path-level signals (summing to 1), best by held-out top-1.
--mode topics: keeps the path-level weights of bot/nlu/retrieval.py and mixes in the topic-level
signals (a topic's document = all its paths); best by held-out topic top-1 plus path top-1.
The development sets are never used here.
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools

import numpy as np

from bench.folds import fold_components
from bot.nlu.finnish import FinnishAnalyzer
from bot.nlu.retrieval import WEIGHTS
from bot.nlu.vectors import WordVectors
from guidance_library.loader import load_library

NAMES = ("word_example", "word_path", "char_example", "vector_example", "word_answer", "char_path", "char_answer")
TOPIC_NAMES = ("word_topic", "char_topic")
GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
TOPIC_GRID = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)


def accuracies(data, weights: dict[str, float], topic_index: np.ndarray) -> tuple[float, float]:
    """Held-out (path top-1, topic top-1)."""
    path_hits = topic_hits = total = 0
    for components, truth in data:
        score = sum(w * components[n] for n, w in weights.items() if w)
        best = score.argmax(axis=1)
        path_hits += int((best == truth).sum())
        topic_hits += int((topic_index[best] == topic_index[truth]).sum())
        total += len(truth)
    return path_hits / total, topic_hits / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("paths", "topics"), default="paths")
    parser.add_argument("--with-drafts", action="store_true", help="count drafts in as if published")
    args = parser.parse_args()
    library = load_library()
    if args.with_drafts:
        library = dataclasses.replace(library, paths=library.paths + library.drafts, drafts=())
    topics = list(dict.fromkeys(p.topic for p in library.paths))
    topic_index = np.asarray([topics.index(p.topic) for p in library.paths])
    data = fold_components(library, FinnishAnalyzer(), WordVectors())
    results = []
    if args.mode == "paths":
        for combo in itertools.product(GRID, repeat=len(NAMES)):
            if abs(sum(combo) - 1.0) > 1e-9:
                continue
            path, topic = accuracies(data, dict(zip(NAMES, combo)), topic_index)
            results.append((path, topic, dict(zip(NAMES, combo))))
    else:
        base = {n: WEIGHTS[n] for n in NAMES}
        for word_t, char_t in itertools.product(TOPIC_GRID, repeat=2):
            keep = 1.0 - word_t - char_t
            weights = {**{n: round(w * keep, 4) for n, w in base.items()}, "word_topic": word_t, "char_topic": char_t}
            path, topic = accuracies(data, weights, topic_index)
            results.append((path + topic, path, topic, weights))
        results = [(r[1], r[2], r[3]) for r in sorted(results, key=lambda r: r[0], reverse=True)]
    if args.mode == "paths":
        results.sort(key=lambda r: r[0], reverse=True)
    print(f"{len(library.paths)} paths, {sum(len(p.examples) for p in library.paths)} examples, 4 folds")
    for path, topic, weights in results[:10]:
        print(f"path {path:.4f} topic {topic:.4f}  " + " ".join(f"{n}={w:g}" for n, w in weights.items() if w))


if __name__ == "__main__":
    main()
