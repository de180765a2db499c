"""Grid-search the retrieval signal weights on held-out folds of the library's examples.

    .venv/bin/python -m bench.tune_weights

Prints the best weights by held-out top-1 accuracy (the development set is not used).
"""
from __future__ import annotations

import itertools


from bench.folds import fold_components
from bot.nlu.finnish import FinnishAnalyzer
from bot.nlu.vectors import WordVectors
from guidance_library.loader import load_library

NAMES = ("word_example", "word_path", "char_example", "vector_example", "word_answer", "char_path", "char_answer")
GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


def main() -> None:
    """Run the grid and print the ten best weightings."""
    library = load_library()
    data = fold_components(library, FinnishAnalyzer(), WordVectors())
    results = []
    for combo in itertools.product(GRID, repeat=len(NAMES)):
        if abs(sum(combo) - 1.0) > 1e-9:
            continue
        hits = total = 0
        for components, truth in data:
            score = sum(w * components[n] for w, n in zip(combo, NAMES))
            hits += int((score.argmax(axis=1) == truth).sum())
            total += len(truth)
        results.append((hits / total, combo))
    results.sort(reverse=True)
    for accuracy, combo in results[:10]:
        print(f"{accuracy:.4f} " + " ".join(f"{n}={w:.1f}" for n, w in zip(NAMES, combo)))


if __name__ == "__main__":
    main()
