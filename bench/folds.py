"""Held-out folds of the library's own example phrasings (for tuning and coverage checks).

Each fold removes every k-th example of every path, builds the index on the rest, and asks
the removed examples; nothing of the development set is used, so tuning cannot overfit it.
"""
from __future__ import annotations

import dataclasses
from typing import Iterator

import numpy as np

from bot.nlu.finnish import FinnishAnalyzer
from bot.nlu.retrieval import GuidanceIndex
from bot.nlu.vectors import WordVectors
from guidance_library.models import GuidanceLibrary


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


def fold_components(library: GuidanceLibrary, analyzer: FinnishAnalyzer, vectors: WordVectors | None,
                    folds: int = 4) -> list[tuple[dict[str, np.ndarray], np.ndarray]]:
    """For each fold: component scores of the held-out examples and their right path indexes."""
    order = {p.id: i for i, p in enumerate(library.paths)}
    out = []
    for reduced, asked in held_out_folds(library, folds):
        index = GuidanceIndex(reduced, analyzer, vectors)
        out.append((component_matrix(index, [t for t, _ in asked]), np.array([order[p] for _, p in asked])))
    return out
