"""Held-out folds for tuning (the implementation lives with the editors' quality tools)."""
from __future__ import annotations

import numpy as np

from bot.nlu.finnish import FinnishAnalyzer
from bot.nlu.retrieval import GuidanceIndex
from bot.nlu.vectors import WordVectors
from guidance_library.models import GuidanceLibrary
from guidance_library.tools.quality import component_matrix, held_out_folds


def fold_components(library: GuidanceLibrary, analyzer: FinnishAnalyzer, vectors: WordVectors | None,
                    folds: int = 4) -> list[tuple[dict[str, np.ndarray], np.ndarray]]:
    """For each fold: component scores of the held-out examples and their right path indexes."""
    order = {p.id: i for i, p in enumerate(library.paths)}
    out = []
    for reduced, asked in held_out_folds(library, folds):
        index = GuidanceIndex(reduced, analyzer, vectors)
        out.append((component_matrix(index, [t for t, _ in asked]), np.array([order[p] for _, p in asked])))
    return out
