"""The learned layer of the safety net: how likely a message shows a person in danger now.

Features are the ones the pipeline already computes for every message: Voikko base forms (all
readings), compound parts, base-form pairs ("ei hengittää"), character n-grams of the typed words
(ä/ö folded, so "hengita" and "hengitä" meet) and the mean spaCy vector of the base forms. A
logistic regression learns danger vs. not danger from `guidance_library/risk_corpus` (see
`guidance_library.risk_corpus`), a second one which danger category the message is about.

The two score limits are chosen on held-out folds of the corpus, for recall:
  - `uncertain`: the score above which the resident is asked at once whether anyone is in
    danger (the lowest of: the score that keeps `recall` of held-out danger messages);
  - `sure`: the score above which the emergency answer is given without asking (held-out
    not-danger messages above it stay at or below `sure_false_alarm`).

Run `python -m bot.nlu.risk_classifier` to train on the corpus and print the held-out figures
(development figures: the corpus is read by whoever writes it).
"""
from __future__ import annotations

import argparse
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from scipy import sparse

from bot.nlu.finnish import FinnishAnalyzer, WordAnalysis
from bot.nlu.vectors import WordVectors

FOLD = str.maketrans({"ä": "a", "ö": "o", "å": "a"})
HASH_FEATURES = 2 ** 19
CHAR_NGRAMS = (3, 4, 5)


def fold(text: str) -> str:
    """Lower case with ä/ö/å as a/o/a: residents often type without them."""
    return text.lower().translate(FOLD)


def word_features(words: Sequence[WordAnalysis]) -> list[str]:
    """Base forms, other readings, compound parts and neighbouring base-form pairs."""
    out = []
    lemmas = [fold(w.lemma) for w in words]
    for word, lemma in zip(words, lemmas):
        out.append("w:" + lemma)
        out.extend("r:" + fold(other) for other in word.lemmas[1:])
        out.extend("p:" + fold(part) for part in word.parts)
    out.extend(f"b:{a}_{b}" for a, b in zip(lemmas, lemmas[1:]))
    return out


def char_features(words: Sequence[WordAnalysis]) -> list[str]:
    """Character n-grams of the typed words (spoken forms expanded), inside word boundaries."""
    out = []
    for word in words:
        padded = f" {fold(word.normalized)} "
        for n in CHAR_NGRAMS:
            out.extend("c:" + padded[i:i + n] for i in range(max(1, len(padded) - n + 1)))
    return out


def _identity(features: list[str]) -> list[str]:
    return features


class RiskFeaturizer:
    """Turns analysed messages into one sparse row each: word block, character block, vector block."""

    def __init__(self, vectors: WordVectors | None) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.vectors = vectors
        self._hasher = HashingVectorizer(analyzer=_identity, n_features=HASH_FEATURES, alternate_sign=False,
                                         norm="l2")

    def transform(self, analysed: Sequence[Sequence[WordAnalysis]]) -> sparse.csr_matrix:
        """Rows of features (each block unit length)."""
        blocks = [self._hasher.transform([word_features(w) for w in analysed]),
                  self._hasher.transform([char_features(w) for w in analysed])]
        if self.vectors is not None:
            dense = np.vstack([self.vectors.mean([w.lemma for w in words]) for words in analysed]) \
                if analysed else np.zeros((0, self.vectors.dim), dtype=np.float32)
            blocks.append(sparse.csr_matrix(dense))
        return sparse.hstack(blocks, format="csr")


@dataclass(frozen=True)
class RiskThresholds:
    """Score limits of the classifier layer (see the module doc)."""

    uncertain: float
    sure: float


@dataclass
class HeldOutFigures:
    """What the held-out folds showed when the thresholds were chosen (development figures)."""

    danger: int = 0
    safe: int = 0
    recall_uncertain: float = 0.0   # danger messages at or above `uncertain`
    recall_sure: float = 0.0        # danger messages at or above `sure`
    false_alarm_uncertain: float = 0.0  # not-danger messages at or above `uncertain`
    false_alarm_sure: float = 0.0
    per_category: dict[str, tuple[int, int]] = field(default_factory=dict)  # category -> (caught, total)
    per_kind: dict[str, tuple[int, int]] = field(default_factory=dict)      # not-danger kind -> (flagged, total)
    missed: list[str] = field(default_factory=list)  # held-out danger messages below `uncertain`


@dataclass
class RiskModel:
    """A trained classifier: danger probability and danger category."""

    danger: object              # sklearn LogisticRegression (binary)
    category: object | None     # sklearn LogisticRegression over the named danger categories
    thresholds: RiskThresholds
    figures: HeldOutFigures
    corpus_fingerprint: str = ""

    def scores(self, rows: sparse.csr_matrix) -> np.ndarray:
        """Danger probability of each row."""
        return self.danger.predict_proba(rows)[:, 1]

    def categories(self, rows: sparse.csr_matrix) -> list[str | None]:
        """The most likely danger category of each row (None without a category model)."""
        if self.category is None:
            return [None] * rows.shape[0]
        return [str(c) for c in self.category.predict(rows)]

    def save(self, file: Path) -> None:
        """Pickle the model (sklearn estimators and thresholds)."""
        file.write_bytes(pickle.dumps(self))

    @staticmethod
    def load(file: Path) -> "RiskModel":
        """Read a model this project saved (its own training output, inside the Rasa model)."""
        model = pickle.loads(file.read_bytes())
        if not isinstance(model, RiskModel):
            raise ValueError(f"{file} is not a risk classifier")
        return model


def _logistic(C: float, multi: bool = False):
    from sklearn.linear_model import LogisticRegression

    if multi:
        return LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    return LogisticRegression(C=C, solver="liblinear", max_iter=2000, class_weight="balanced")


def choose_thresholds(danger_scores: np.ndarray, safe_scores: np.ndarray, recall: float,
                      sure_false_alarm: float) -> RiskThresholds:
    """`uncertain` keeps `recall` of danger scores; `sure` lets at most `sure_false_alarm` of safe ones over."""
    ordered = np.sort(danger_scores)
    keep_below = int(np.floor((1.0 - recall) * len(ordered)))  # danger messages we may leave under it
    uncertain = float(ordered[keep_below]) if len(ordered) else 0.5
    safe_sorted = np.sort(safe_scores)[::-1]
    allowed = int(np.floor(sure_false_alarm * len(safe_sorted)))
    sure = float(safe_sorted[allowed]) + 1e-6 if len(safe_sorted) > allowed else 0.5
    sure = min(max(sure, 0.5), 0.99)
    return RiskThresholds(uncertain=min(uncertain, sure), sure=sure)


def train_risk_model(texts: Sequence[str], danger: Sequence[bool], categories: Sequence[str],
                     featurizer: RiskFeaturizer, analyzer: FinnishAnalyzer, *, recall: float = 0.995,
                     sure_false_alarm: float = 0.005, folds: int = 5, C: float = 4.0, seed: int = 7,
                     unnamed: Iterable[str] = ()) -> RiskModel:
    """Fit on the whole corpus after choosing the thresholds on `folds` held-out folds."""
    from sklearn.model_selection import StratifiedKFold

    rows = featurizer.transform([analyzer.analyze_text(t) for t in texts])
    y = np.asarray(danger, dtype=int)
    held_out = np.zeros(len(y))
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(rows, y):
        fold_model = _logistic(C).fit(rows[train_idx], y[train_idx])
        held_out[test_idx] = fold_model.predict_proba(rows[test_idx])[:, 1]
    thresholds = choose_thresholds(held_out[y == 1], held_out[y == 0], recall, sure_false_alarm)
    figures = held_out_figures(texts, y, categories, held_out, thresholds)
    model = _logistic(C).fit(rows, y)
    unnamed = set(unnamed)
    named = [i for i in range(len(y)) if y[i] == 1 and categories[i] not in unnamed]
    category_model = None
    if len({categories[i] for i in named}) > 1:
        category_model = _logistic(C, multi=True).fit(rows[named], [categories[i] for i in named])
    return RiskModel(model, category_model, thresholds, figures)


def held_out_figures(texts: Sequence[str], y: np.ndarray, categories: Sequence[str], scores: np.ndarray,
                     thresholds: RiskThresholds) -> HeldOutFigures:
    """Recall and false alarms of held-out scores at the chosen limits."""
    danger, safe = scores[y == 1], scores[y == 0]
    figures = HeldOutFigures(
        danger=len(danger), safe=len(safe),
        recall_uncertain=float(np.mean(danger >= thresholds.uncertain)) if len(danger) else 0.0,
        recall_sure=float(np.mean(danger >= thresholds.sure)) if len(danger) else 0.0,
        false_alarm_uncertain=float(np.mean(safe >= thresholds.uncertain)) if len(safe) else 0.0,
        false_alarm_sure=float(np.mean(safe >= thresholds.sure)) if len(safe) else 0.0)
    for i, category in enumerate(categories):
        flagged = scores[i] >= thresholds.uncertain
        table = figures.per_category if y[i] == 1 else figures.per_kind
        hit, total = table.get(category, (0, 0))
        table[category] = (hit + int(flagged), total + 1)
        if y[i] == 1 and not flagged:
            figures.missed.append(texts[i])
    return figures


def main(argv: list[str] | None = None) -> int:
    """Train on the corpus and print the held-out figures."""
    from guidance_library.risk_corpus import UNNAMED_DANGER, load_corpus

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--recall", type=float, default=0.995)
    parser.add_argument("--sure-false-alarm", type=float, default=0.005)
    parser.add_argument("--C", type=float, default=4.0)
    parser.add_argument("--no-vectors", action="store_true")
    parser.add_argument("--show-missed", action="store_true", help="print held-out danger messages missed")
    args = parser.parse_args(argv)
    corpus = load_corpus()
    analyzer = FinnishAnalyzer()
    featurizer = RiskFeaturizer(None if args.no_vectors else WordVectors())
    start = time.perf_counter()
    model = train_risk_model([m.text for m in corpus], [m.danger for m in corpus], [m.category for m in corpus],
                             featurizer, analyzer, recall=args.recall, sure_false_alarm=args.sure_false_alarm,
                             C=args.C, unnamed=[UNNAMED_DANGER])
    f = model.figures
    print(f"trained in {time.perf_counter() - start:.1f} s on {f.danger} danger and {f.safe} not-danger messages")
    print(f"thresholds: uncertain {model.thresholds.uncertain:.3f}, sure {model.thresholds.sure:.3f}")
    print(f"held-out recall at uncertain {f.recall_uncertain:.1%}, at sure {f.recall_sure:.1%}")
    print(f"held-out false alarms at uncertain {f.false_alarm_uncertain:.1%}, at sure {f.false_alarm_sure:.1%}")
    for name, (hit, total) in sorted(f.per_category.items()):
        print(f"  danger  {name:28s} {hit}/{total}")
    for name, (hit, total) in sorted(f.per_kind.items()):
        print(f"  safe    {name:28s} {hit}/{total} flagged")
    if args.show_missed:
        for text in f.missed:
            print("  missed:", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
