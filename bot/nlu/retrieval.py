"""Ranks guidance paths for a resident's message.

Each path is indexed by its title, example phrasings and keywords, as Voikko lemmas and
compound parts (word TF-IDF), character n-grams of the lemmas (catches typos and compounds
split differently) and spaCy word vectors (catches synonyms). Query words that Voikko does
not know are mapped to the nearest indexed word with rapidfuzz. Scoring is sparse/dense
matrix products, so it stays fast with thousands of paths.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.nlu.finnish import FinnishAnalyzer, WordAnalysis
from bot.nlu.vectors import WordVectors
from guidance_library.models import GuidanceLibrary

STOP_LEMMAS = frozenset(
    "olla ja tai että kun jos mutta sekä se ne tämä tuo nämä nuo minä sinä hän me te he ei "
    "mikä miten missä mistä mihin kuka kuinka milloin miksi voida pitää haluta tarvita kyllä "
    "nyt vain myös niin sitten jo vielä hei moi moro terve kiitos joku jokin oma itse siis "
    "kanssa kuin eli ok no niin vai mitään mikään kaikki voisi saada".split()
)
FUZZY_CUTOFF = 82
WEIGHTS = {"word_example": 0.0, "word_path": 0.0, "char_example": 0.075, "vector_example": 0.075,
           "word_answer": 0.075, "char_path": 0.15, "char_answer": 0.375, "word_topic": 0.15, "char_topic": 0.1}
VECTOR_FLOOR = 0.35  # cosine of two unrelated sentences is rarely below this; rescaled to 0


@dataclass(frozen=True)
class RankedPath:
    """One entry of `guidance_ranking`."""

    id: str
    topic: str
    score: float

    def as_dict(self) -> dict[str, object]:
        """The public shape: {"id", "topic", "score"}."""
        return {"id": self.id, "topic": self.topic, "score": self.score}


@dataclass(frozen=True)
class QueryTerms:
    """A message reduced to what the index compares."""

    terms: tuple[str, ...]
    lemma_text: str
    vector_words: tuple[str, ...]


def content_terms(words: list[WordAnalysis]) -> list[str]:
    """Lemmas and compound parts, without function words."""
    out: list[str] = []
    for word in words:
        if word.lemma in STOP_LEMMAS:
            continue
        out.extend(t for t in word.terms() if t not in STOP_LEMMAS and len(t) > 1)
    return out


class GuidanceIndex:
    """A built, immutable search index over one version of the library."""

    def __init__(self, library: GuidanceLibrary, analyzer: FinnishAnalyzer, vectors: WordVectors | None,
                 weights: dict[str, float] | None = None) -> None:
        self.library = library
        self.weights = dict(weights or WEIGHTS)
        self._analyzer = analyzer
        self._vectors = vectors
        self._path_ids = [p.id for p in library.paths]
        self._topics = [p.topic for p in library.paths]
        topic_ids = list(dict.fromkeys(self._topics))
        self._topic_of_path = np.asarray([topic_ids.index(t) for t in self._topics]) if topic_ids else np.zeros(0, int)
        rows: list[QueryTerms] = []
        owners: list[int] = []
        for index, path in enumerate(library.paths):
            need = library.topics[path.topic].need if path.topic in library.topics else ""
            for text in (path.title, need, *path.examples, *path.keywords):
                rows.append(self.query_terms(text, fuzzy=False))
                owners.append(index)
        self._owners = np.asarray(owners)
        self._starts = np.flatnonzero(np.r_[True, self._owners[1:] != self._owners[:-1]])
        self._word = TfidfVectorizer(analyzer=lambda terms: terms, sublinear_tf=True, norm="l2")
        word_rows = self._word.fit_transform([list(r.terms) for r in rows])
        path_terms: list[list[str]] = [[] for _ in library.paths]
        path_text: list[list[str]] = [[] for _ in library.paths]
        for owner, row in zip(owners, rows):
            path_terms[owner].extend(row.terms)
            path_text[owner].append(row.lemma_text)
        # A topic's document: everything of all its paths, so facets of the right topic rise together.
        topic_terms: list[list[str]] = [[] for _ in topic_ids]
        topic_text: list[list[str]] = [[] for _ in topic_ids]
        for path_index, topic_index in enumerate(self._topic_of_path):
            topic_terms[topic_index].extend(path_terms[path_index])
            topic_text[topic_index].extend(path_text[path_index])
        self._n_topics = len(topic_ids)
        answers = [self.query_terms(p.answer, fuzzy=False) for p in library.paths]
        self._char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, norm="l2")
        char_rows = self._char.fit_transform([r.lemma_text for r in rows])
        # One stacked matrix per vocabulary: a query costs one sparse-matrix x vector product each.
        self._n_rows = len(rows)
        self._word_matrix = sparse.vstack([word_rows, self._word.transform(path_terms),
                                           self._word.transform([list(a.terms) for a in answers]),
                                           self._word.transform(topic_terms)]).tocsr()
        self._char_matrix = sparse.vstack([char_rows, self._char.transform([" ".join(t) for t in path_text]),
                                           self._char.transform([a.lemma_text for a in answers]),
                                           self._char.transform([" ".join(t) for t in topic_text])]).tocsr()
        self._vocabulary = sorted(self._word.vocabulary_)
        self._vocabulary_set = frozenset(self._vocabulary)
        if vectors is not None:
            self._vector_rows = np.vstack([vectors.mean(r.vector_words) for r in rows]).astype(np.float32)
        else:
            self._vector_rows = None

    @property
    def size(self) -> int:
        """Number of indexed paths."""
        return len(self._path_ids)

    def query_terms(self, text: str, fuzzy: bool = True) -> QueryTerms:
        """Analyse a text into terms; unknown words may be mapped to indexed ones."""
        return self.terms_of_words(self._analyzer.analyze_text(text), fuzzy)

    def terms_of_words(self, words: list[WordAnalysis], fuzzy: bool = True) -> QueryTerms:
        """Terms of already analysed words."""
        terms = content_terms(words)
        if fuzzy:
            terms = [self._nearest_term(t) for t in terms]
        content_words = [w for w in words if w.lemma not in STOP_LEMMAS]
        lemma_text = " ".join(w.lemma for w in content_words)
        return QueryTerms(tuple(terms), lemma_text, tuple(w.lemma for w in content_words))

    def _nearest_term(self, term: str) -> str:
        if len(term) < 4 or term in self._vocabulary_set:
            return term
        match = process.extractOne(term, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return match[0] if match else term

    def _per_path_max(self, row_scores: np.ndarray) -> np.ndarray:
        return np.maximum.reduceat(row_scores, self._starts)

    def component_scores(self, text: str | list[WordAnalysis]) -> dict[str, np.ndarray]:
        """Each signal's score for every path (library order), before weighting."""
        query = self.query_terms(text) if isinstance(text, str) else self.terms_of_words(text)
        zeros = np.zeros(self.size)
        if not query.terms and not query.lemma_text:
            return {name: zeros for name in WEIGHTS}
        rows, paths = self._n_rows, self.size
        word = self._word_matrix @ self._word.transform([list(query.terms)]).toarray().ravel()
        char = self._char_matrix @ self._char.transform([query.lemma_text]).toarray().ravel()
        topics_at = rows + 2 * paths
        scores = {
            "word_example": self._per_path_max(word[:rows]),
            "word_path": word[rows:rows + paths],
            "word_answer": word[rows + paths:topics_at],
            "char_example": self._per_path_max(char[:rows]),
            "char_path": char[rows:rows + paths],
            "char_answer": char[rows + paths:topics_at],
            "vector_example": zeros,
            "word_topic": word[topics_at:][self._topic_of_path],
            "char_topic": char[topics_at:][self._topic_of_path],
        }
        if self._vector_rows is not None and self._vectors is not None and query.vector_words:
            cos = self._per_path_max(self._vector_rows @ self._vectors.mean(query.vector_words))
            scores["vector_example"] = np.clip((cos - VECTOR_FLOOR) / (1 - VECTOR_FLOOR), 0, 1)
        return scores

    def score_all(self, text: str | list[WordAnalysis]) -> np.ndarray:
        """Weighted score of every path for a text, in library order (0..1)."""
        scores = self.component_scores(text)
        return sum(self.weights.get(name, 0.0) * value for name, value in scores.items())

    def rank(self, text: str | list[WordAnalysis], limit: int = 10) -> list[RankedPath]:
        """Best paths first (stable for equal scores: library order); text or analysed words."""
        scores = self.score_all(text)
        order = np.argsort(-scores, kind="stable")[:limit]
        return [RankedPath(self._path_ids[i], self._topics[i], round(float(scores[i]), 4))
                for i in order if scores[i] > 0]
