"""The learned layer of the safety net: how likely a message shows a person in danger now.

Features are the ones the pipeline already computes for every message: Voikko base forms (all
readings), compound parts, base-form pairs ("ei hengittää"), character n-grams of the typed words
(ä/ö folded, so "hengita" and "hengitä" meet), the base forms crossed with the message's context
from Voikko's morphology (past tense, negation, a question, "jos", "nyt"), and the mean spaCy
vector of the base forms. A
logistic regression learns danger vs. not danger from `guidance_library/risk_corpus` (see
`guidance_library.risk_corpus`), a second one which danger category the message is about.

The score limits are chosen on held-out folds of the corpus, for recall:
  - `uncertain`: the score above which the resident is asked at once whether anyone is in
    danger: the highest limit at which the whole net (the rules and the reader, or the classifier
    at or above it) still reaches `recall` of the held-out danger messages;
  - `sure`: the score above which the emergency answer is given without asking (held-out
    not-danger messages above it stay at or below `sure_false_alarm`);
  - `signal`: 99.8% of held-out danger messages score above it: a message there is never turned
    away as out of scope, and a classifier below it is "confidently against" a rule.

Run `python -m bot.nlu.risk_classifier` to train on the corpus and print the held-out figures
(development figures: the corpus is read by whoever writes it).
"""
from __future__ import annotations

import argparse
import logging
import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from scipy import sparse

from bot.nlu.finnish import FinnishAnalyzer, WordAnalysis
from bot.nlu.vectors import WordVectors

logger = logging.getLogger(__name__)  # progress lines during `rasa train` (scripts/train shows them)
FOLD = str.maketrans({"ä": "a", "ö": "o", "å": "a"})
HASH_FEATURES = 2 ** 19
CATEGORY_FEATURES = 2 ** 16  # the category model reads base forms only, hashed smaller (a small model)
CHAR_NGRAMS = (3, 4, 5)
FEATURE_VERSION = "3"  # bump when the features change: a model trained on others is not loaded


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


QUESTION_WORDS = frozenset({"onko", "voiko", "saako", "miten", "mitä", "mikä", "kuinka", "paljonko", "pitäisikö",
                            "pitääkö", "kannattaako", "jos", "montako", "mistä"})
NOW_WORDS = frozenset({"nyt", "just", "justiin", "äsken", "tänään", "heti", "kohta", "parhaillaan"})
AGO_WORDS = frozenset({"sitten", "viime", "lapsena", "kerran", "aiemmin", "joskus", "silloin", "nuorena", "teininä"})


def message_context(words: Sequence[WordAnalysis]) -> set[str]:
    """What kind of telling the message is: past, negated, a question, hypothetical, conditional,
    now, a year, "... ago", short (from Voikko's morphology and a few time words)."""
    context = set()
    for word in words:
        tags = set(word.tags)
        if "TENSE=past_imperfective" in tags or any(t.startswith("PARTICIPLE=past") for t in tags):
            context.add("past")
        if "MOOD=conditional" in tags:
            context.add("conditional")
        if word.lemma == "ei":
            context.add("negated")
        if word.lemma == "jos":
            context.add("hypothetical")
        if word.normalized in QUESTION_WORDS or word.lemma in QUESTION_WORDS:
            context.add("question")
        if word.normalized in NOW_WORDS:
            context.add("now")
        if word.normalized in AGO_WORDS:
            context.add("ago")
        if word.normalized.isdigit() and len(word.normalized) == 4:
            context.add("year")
    if len(words) <= 3:
        context.add("short")
    return context or {"plain"}


def context_features(words: Sequence[WordAnalysis]) -> list[str]:
    """Each base form crossed with the message's context ("past|kuolla" is not "plain|kuolla"), so a
    linear model can tell "isä kuoli viime vuonna" from "isä kuolee"."""
    context = message_context(words)
    lemmas = [fold(w.lemma) for w in words]
    return [f"s:{c}" for c in context] + [f"x:{c}|{lemma}" for c in context for lemma in lemmas]


def _identity(features: list[str]) -> list[str]:
    return features


class RiskFeaturizer:
    """Turns analysed messages into one sparse row each: word, character, context and vector blocks."""

    def __init__(self, vectors: WordVectors | None) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.vectors = vectors
        self._hasher = HashingVectorizer(analyzer=_identity, n_features=HASH_FEATURES, alternate_sign=False,
                                         norm="l2")
        self._category_hasher = HashingVectorizer(analyzer=_identity, n_features=CATEGORY_FEATURES,
                                                  alternate_sign=False, norm="l2")

    @property
    def width(self) -> int:
        """How many columns a row has (a trained model must expect exactly this many)."""
        return 3 * HASH_FEATURES + (self.vectors.dim if self.vectors is not None else 0)

    def signature(self) -> str:
        """What a model trained on these features depends on."""
        return f"v{FEATURE_VERSION}-w{self.width}"

    def category_rows(self, analysed: Sequence[Sequence[WordAnalysis]]) -> sparse.csr_matrix:
        """The smaller rows the category model reads: base forms, parts and pairs, and context."""
        return self._category_hasher.transform([word_features(w) + context_features(w) for w in analysed])

    def transform(self, analysed: Sequence[Sequence[WordAnalysis]]) -> sparse.csr_matrix:
        """Rows of features (each block unit length)."""
        blocks = [self._hasher.transform([word_features(w) for w in analysed]),
                  self._hasher.transform([char_features(w) for w in analysed]),
                  self._hasher.transform([context_features(w) for w in analysed])]
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
    signal: float = 0.0  # the floor of the out-of-scope guard: nearly every held-out danger message scores above it


@dataclass
class HeldOutFigures:
    """What the held-out folds showed when the thresholds were chosen (development figures)."""

    danger: int = 0
    safe: int = 0
    recall_uncertain: float = 0.0   # danger messages the net catches (other layers, or at or above `uncertain`)
    recall_sure: float = 0.0        # danger messages at or above `sure` (the classifier alone)
    false_alarm_uncertain: float = 0.0  # not-danger messages the net alarms on (answer or question)
    false_alarm_sure: float = 0.0       # not-danger messages at or above `sure`
    dropped: int = 0  # path questions left out as label noise
    held_out: np.ndarray | None = None  # each kept message's held-out score
    kept: np.ndarray | None = None      # which training messages were kept


@dataclass
class RiskModel:
    """A trained classifier: danger probability and danger category."""

    danger: object              # sklearn LogisticRegression (binary)
    category: object | None     # sklearn LogisticRegression over the named danger categories
    thresholds: RiskThresholds
    figures: HeldOutFigures
    signature: str = ""  # the featurizer's signature at training (RiskFeaturizer.signature)

    def scores(self, rows: sparse.csr_matrix) -> np.ndarray:
        """Danger probability of each row."""
        return self.danger.predict_proba(rows)[:, 1]

    def categories(self, rows: sparse.csr_matrix) -> list[str | None]:
        """The most likely danger category of each row of `RiskFeaturizer.category_rows` (None without
        a category model)."""
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


def _logistic(C: float):
    from sklearn.linear_model import LogisticRegression

    # liblinear: one-vs-rest for the categories too (fast on a million hashed columns)
    return LogisticRegression(C=C, solver="liblinear", max_iter=2000, class_weight="balanced")


@dataclass
class TrainingSet:
    """The corpus as the classifier learns it.

    `covered`: the rules or the poisoning reader already answer the message or ask the safety
    question, whatever the classifier says (bot.nlu.safety_net). `droppable`: messages whose
    "not danger" label is an assumption (the guidance paths' own questions): dropped from the
    final fit when the held-out score calls them danger with near certainty (label noise)."""

    texts: list[str]
    analysed: list[list[WordAnalysis]]
    danger: np.ndarray
    categories: list[str]
    covered: np.ndarray
    droppable: np.ndarray


def choose_thresholds(danger_scores: np.ndarray, danger_covered: np.ndarray, safe_scores: np.ndarray,
                      recall: float, sure_false_alarm: float, signal_recall: float = 0.998) -> RiskThresholds:
    """`uncertain`: the highest score limit at which the net (other layers, or the classifier at or
    above the limit) still catches `recall` of the danger messages; `sure`: at most
    `sure_false_alarm` of the not-danger scores reach it; `signal`: `signal_recall` of the danger
    scores reach it (a message at or above it is never turned away as out of scope)."""
    uncovered = np.sort(danger_scores[~danger_covered])
    allowed_misses = int(np.floor((1.0 - recall) * len(danger_scores)))
    uncertain = float(uncovered[allowed_misses]) if allowed_misses < len(uncovered) else 1.0
    safe_sorted = np.sort(safe_scores)[::-1]
    allowed = int(np.floor(sure_false_alarm * len(safe_sorted)))
    sure = float(safe_sorted[allowed]) + 1e-6 if len(safe_sorted) > allowed else 0.5
    sure = min(max(sure, 0.5), 0.99)
    ordered = np.sort(danger_scores)
    signal = float(ordered[int(np.floor((1.0 - signal_recall) * len(ordered)))]) if len(ordered) else 0.0
    uncertain = min(uncertain, sure)
    return RiskThresholds(uncertain=uncertain, sure=sure, signal=min(signal, uncertain))


def held_out_scores(rows: sparse.csr_matrix, y: np.ndarray, folds: int, C: float, seed: int,
                    stage: str = "held-out scores") -> np.ndarray:
    """Each message's danger score from a model that did not see it."""
    from sklearn.model_selection import StratifiedKFold

    scores = np.zeros(len(y))
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(rows, y)
    for number, (train_idx, test_idx) in enumerate(splits, 1):
        scores[test_idx] = _logistic(C).fit(rows[train_idx], y[train_idx]).predict_proba(rows[test_idx])[:, 1]
        logger.info("risk classifier, %s: fold %d/%d", stage, number, folds)
    return scores


def train_risk_model(training: TrainingSet, featurizer: RiskFeaturizer, *, recall: float = 0.995,
                     sure_false_alarm: float = 0.003, folds: int = 5, C: float = 16.0, seed: int = 7,
                     noise_cut: float = 0.9, unnamed: Iterable[str] = ()) -> RiskModel:
    """Choose the limits on `folds` held-out folds, then fit on the whole (cleaned) corpus."""
    rows = featurizer.transform(training.analysed)
    y = training.danger.astype(int)
    first = held_out_scores(rows, y, folds, C, seed, "cleaning the corpus")
    keep = ~(training.droppable & (first >= noise_cut))
    rows, y = rows[keep], y[keep]
    categories = [c for c, k in zip(training.categories, keep) if k]
    covered = training.covered[keep]
    scores = held_out_scores(rows, y, folds, C, seed, "choosing the limits")
    thresholds = choose_thresholds(scores[y == 1], covered[y == 1], scores[y == 0], recall, sure_false_alarm)
    figures = held_out_figures(y, scores, covered, thresholds)
    figures.dropped = int((~keep).sum())
    figures.held_out, figures.kept = scores, keep
    logger.info("risk classifier: fitting on all %d messages", len(y))
    model = _logistic(C).fit(rows, y)
    unnamed = set(unnamed)
    analysed = [a for a, k in zip(training.analysed, keep) if k]
    named = [i for i in range(len(y)) if y[i] == 1 and categories[i] not in unnamed]
    category_model = None
    if len({categories[i] for i in named}) > 1:
        category_model = _logistic(C).fit(featurizer.category_rows([analysed[i] for i in named]),
                                          [categories[i] for i in named])
    return RiskModel(model, category_model, thresholds, figures, featurizer.signature())


def held_out_figures(y: np.ndarray, scores: np.ndarray, covered: np.ndarray,
                     thresholds: RiskThresholds) -> HeldOutFigures:
    """Recall and false alarms of the net (other layers or held-out scores) at the chosen limits."""
    flagged = covered | (scores >= thresholds.uncertain)
    danger, safe = y == 1, y == 0
    return HeldOutFigures(
        danger=int(danger.sum()), safe=int(safe.sum()),
        recall_uncertain=float(np.mean(flagged[danger])) if danger.any() else 0.0,
        recall_sure=float(np.mean(scores[danger] >= thresholds.sure)) if danger.any() else 0.0,
        false_alarm_uncertain=float(np.mean(flagged[safe])) if safe.any() else 0.0,
        false_alarm_sure=float(np.mean(scores[safe] >= thresholds.sure)) if safe.any() else 0.0)


def main(argv: list[str] | None = None) -> int:
    """Train on the corpus and print the held-out figures of the whole net (development figures)."""
    from collections import Counter

    from bot.nlu.safety_net import SafetyNet, held_out_verdicts, net_figures, training_set
    from guidance_library.emergency import load_emergency_rules
    from guidance_library.risk_corpus import UNNAMED_DANGER, load_corpus

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--recall", type=float, default=0.995)
    parser.add_argument("--sure-false-alarm", type=float, default=0.003)
    parser.add_argument("--C", type=float, default=16.0)
    parser.add_argument("--no-vectors", action="store_true")
    parser.add_argument("--show", action="store_true", help="print the held-out messages missed and flagged")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rules = load_emergency_rules()
    training = training_set(load_corpus(), FinnishAnalyzer(), rules)
    featurizer = RiskFeaturizer(None if args.no_vectors else WordVectors())
    model = train_risk_model(training, featurizer, recall=args.recall, sure_false_alarm=args.sure_false_alarm,
                             C=args.C, unnamed=[UNNAMED_DANGER])
    f = model.figures
    print(f"trained in {time.perf_counter() - start:.1f} s on {f.danger} danger and {f.safe} not-danger messages "
          f"({f.dropped} path questions left out as label noise)")
    print(f"limits: signal {model.thresholds.signal:.3f}, uncertain {model.thresholds.uncertain:.3f}, "
          f"sure {model.thresholds.sure:.3f}; "
          f"classifier alone at sure: recall {f.recall_sure:.1%}, false alarms {f.false_alarm_sure:.1%}")
    net = SafetyNet(rules, model, featurizer)
    tables = net_figures(training, model, net)
    for side, table in tables.items():
        total = Counter()
        for name, counts in sorted(table.items()):
            total.update(counts)
            n = sum(counts.values())
            print(f"  {side:6s} {name:26s} n={n:5d}  answer {counts['emergency'] / n:6.1%}  "
                  f"question {counts['uncertain'] / n:6.1%}  nothing {counts['none'] / n:6.1%}")
        n = sum(total.values())
        print(f"  {side:6s} {'ALL':26s} n={n:5d}  answer {total['emergency'] / n:6.1%}  "
              f"question {total['uncertain'] / n:6.1%}  nothing {total['none'] / n:6.1%}")
    if args.show:
        for i, score, verdict in held_out_verdicts(training, model, net):
            if training.danger[i] and verdict.tier == "none" or not training.danger[i] and verdict.tier == "emergency":
                print(f"  {'missed ' if training.danger[i] else 'alarmed'} {score:.2f} {training.texts[i]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
