"""Reachability and confusion of guidance paths, measured on held-out folds of their examples.

Each fold removes every k-th example phrasing of every path, builds the retrieval index on the
rest, and asks the removed phrasings. A path whose own phrasings do not find it is hard for
residents to reach; phrasings that find another path are conflicts an editor should resolve.
"""
from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from bot.nlu.finnish import FinnishAnalyzer
from bot.nlu.retrieval import GuidanceIndex
from bot.nlu.vectors import WordVectors
from guidance_library.models import GuidanceLibrary


@dataclass(frozen=True)
class HeldOutAnswer:
    """One held-out phrasing: whose it is, and which path the retrieval ranked first."""

    text: str
    path_id: str
    winner: str
    score: float


def held_out_folds(library: GuidanceLibrary, folds: int = 4) -> Iterator[tuple[GuidanceLibrary, list[tuple[str, str]]]]:
    """(library without the fold's examples, [(example, path id)]) for each fold."""
    for fold in range(folds):
        kept_paths, asked = [], []
        for path in library.paths:
            kept = tuple(e for i, e in enumerate(path.examples) if i % folds != fold)
            asked += [(e, path.id) for i, e in enumerate(path.examples) if i % folds == fold]
            kept_paths.append(dataclasses.replace(path, examples=kept))
        yield dataclasses.replace(library, paths=tuple(kept_paths)), asked


def component_matrix(index: GuidanceIndex, texts: list[str]) -> dict[str, np.ndarray]:
    """Per-signal scores, shape (len(texts), paths)."""
    rows = [index.component_scores(t) for t in texts]
    return {name: np.vstack([r[name] for r in rows]) for name in rows[0]} if rows else {}


def held_out_answers(library: GuidanceLibrary, analyzer: FinnishAnalyzer, vectors: WordVectors | None,
                     folds: int = 4, progress: Callable[[int, int, int], None] | None = None) -> list[HeldOutAnswer]:
    """Every example phrasing asked with itself held out. `progress(fold, folds, asked)` is called as
    each fold starts (a whole run takes minutes: the index is built once per fold)."""
    answers = []
    for number, (reduced, asked) in enumerate(held_out_folds(library, folds), start=1):
        if progress is not None:
            progress(number, folds, len(asked))
        index = GuidanceIndex(reduced, analyzer, vectors)
        for text, path_id in asked:
            top = index.rank(text, 1)
            answers.append(HeldOutAnswer(text, path_id, top[0].id if top else "", top[0].score if top else 0.0))
    return answers


@dataclass(frozen=True)
class Coverage:
    """How well one path is reached by its own phrasings."""

    path_id: str
    reached: int
    asked: int
    lost_to: tuple[tuple[str, int], ...]

    @property
    def share(self) -> float:
        return self.reached / self.asked if self.asked else 0.0


def coverage(answers: list[HeldOutAnswer]) -> list[Coverage]:
    """Per path, worst first."""
    by_path: dict[str, list[HeldOutAnswer]] = defaultdict(list)
    for answer in answers:
        by_path[answer.path_id].append(answer)
    rows = []
    for path_id, items in by_path.items():
        lost = Counter(a.winner for a in items if a.winner != path_id)
        rows.append(Coverage(path_id, sum(a.winner == path_id for a in items), len(items), tuple(lost.most_common())))
    return sorted(rows, key=lambda c: (c.share, c.path_id))


def conflicts(answers: list[HeldOutAnswer]) -> dict[tuple[str, str], list[HeldOutAnswer]]:
    """(path, path that wins its phrasing) -> the phrasings, most confused pairs first."""
    pairs: dict[tuple[str, str], list[HeldOutAnswer]] = defaultdict(list)
    for answer in answers:
        if answer.winner and answer.winner != answer.path_id:
            pairs[(answer.path_id, answer.winner)].append(answer)
    return dict(sorted(pairs.items(), key=lambda item: (-len(item[1]), item[0])))
