"""Ranks guidance paths for a resident's message.

Each path is indexed by its title, example phrasings and keywords, as Voikko lemmas and
compound parts (word TF-IDF), character n-grams of the lemmas (catches typos and compounds
split differently) and spaCy word vectors (catches synonyms). Query words that Voikko does
not know are mapped to the nearest indexed word with rapidfuzz. Scoring is sparse/dense
matrix products, so it stays fast with thousands of paths.

Ranking is two-level. A topic (its main path and its facets) is scored first: by the best value
any of its paths reaches on each path signal, and by the topic as one document (everything of all
its paths, answers included, with term weights counted over topics) and its mean vector
(TOPIC_WEIGHTS). The paths of a topic are then ordered by the path signals (PATH_WEIGHTS): a
path's score is its topic's score less its distance from the topic's best path. So the facets of
one topic no longer split the topic's evidence between them, and the gaps between siblings keep
their meaning for the decision (actions/guidance_decision.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

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
NEAREST_KEPT = 50_000  # unknown words whose nearest indexed word is remembered (then forgotten all at once)
PATH_SIGNALS = ("word_example", "word_path", "char_example", "vector_example", "word_answer", "char_path",
                "char_answer")
TOPIC_SIGNALS = ("word_topic", "char_topic", "vector_topic", "class_topic")
CLASSIFIER_C = 0.5  # regularisation of the topic classifier (held-out folds: flat between 0.2 and 1)
# Order and spacing of the paths inside a topic (tuned on held-out folds: bench.tune_weights --mode paths;
# then the paths' own word terms and character n-grams raised on the path-level development set
# bench/dev_facets_paths.yml: top-1 path 342 -> 350 of 420, topic level unchanged).
PATH_WEIGHTS = {"word_example": 0.05, "word_path": 0.1, "char_example": 0.075, "vector_example": 0.075,
                "word_answer": 0.075, "char_path": 0.35, "char_answer": 0.375}
# A topic's score: path signals = the best of the topic's paths; topic signals = the topic as one document
# (tuned on held-out folds: bench.tune_weights --mode topics). Sums to 1.
TOPIC_WEIGHTS = {"vector_example": 0.041, "word_answer": 0.082, "char_answer": 0.265, "word_topic": 0.163,
                 "char_topic": 0.286, "vector_topic": 0.061, "class_topic": 0.102}
WEIGHTS = {"paths": PATH_WEIGHTS, "topics": TOPIC_WEIGHTS}
URGENT_KIND = "kiire"  # the catalogue's kind of the urgent topics (poisoning, 112 ...)
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


class TopicGroups:
    """Which topic each path belongs to; turns signal scores into the two-level path scores."""

    def __init__(self, topic_of_path: np.ndarray, n_topics: int) -> None:
        self.topic_of_path = np.asarray(topic_of_path, dtype=int)
        self.n_topics = n_topics
        self._order = np.argsort(self.topic_of_path, kind="stable")
        sorted_topics = self.topic_of_path[self._order]
        self._starts = np.flatnonzero(np.r_[True, sorted_topics[1:] != sorted_topics[:-1]]) if len(sorted_topics) else \
            np.zeros(0, int)

    def best(self, scores: np.ndarray) -> np.ndarray:
        """Each topic's best path value, broadcast back to its paths (works on (..., paths) arrays)."""
        if not len(self._order):
            return scores
        per_topic = np.maximum.reduceat(scores[..., self._order], self._starts, axis=-1)  # topics 0..n-1
        return per_topic[..., self.topic_of_path]

    def combine(self, scores: dict[str, np.ndarray], weights: dict[str, dict[str, float]]) -> np.ndarray:
        """Path scores: the topic's score less the path's distance from its topic's best path."""
        first = next(iter(scores.values()))
        path = np.zeros_like(first, dtype=np.float64)
        for name, weight in weights["paths"].items():
            if weight:
                path = path + weight * scores[name]
        topic = np.zeros_like(path)
        for name, weight in weights["topics"].items():
            if weight:
                topic = topic + weight * (scores[name] if name in TOPIC_SIGNALS else self.best(scores[name]))
        return topic - (self.best(path) - path)


@dataclass(frozen=True)
class SparseQuery:
    """A query's unit-length TF-IDF row in one space, kept sparse: its columns and their weights. A
    message has a few dozen terms and n-grams out of tens of thousands, so scoring reads only those
    columns of a matrix stored by column (`scores_of`)."""

    columns: np.ndarray  # column numbers in the space, ascending
    values: np.ndarray   # float64, unit length (empty when no term of the query is in the space)

    @staticmethod
    def of_counts(counts: dict[int, int], idf: np.ndarray) -> "SparseQuery":
        """Sublinear term frequency x idf, l2-normalised: what TfidfVectorizer(sublinear_tf=True) gives."""
        columns = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
        values = (np.log(np.fromiter((counts[c] for c in columns), dtype=np.float64, count=len(columns))) + 1.0) \
            * idf[columns]
        norm = float(np.sqrt(values @ values)) if len(values) else 0.0
        return SparseQuery(columns, values / norm if norm else values)


def word_query(vectorizer: TfidfVectorizer, terms: tuple[str, ...] | list[str]) -> SparseQuery:
    """A query's row in a fitted word space (TfidfVectorizer over term lists, sublinear tf, l2)."""
    counts: dict[int, int] = {}
    vocabulary = vectorizer.vocabulary_
    for term in terms:
        column = vocabulary.get(term)
        if column is not None:
            counts[column] = counts.get(column, 0) + 1
    return SparseQuery.of_counts(counts, vectorizer.idf_)


def scores_of(matrix: sparse.csc_matrix, query: SparseQuery) -> np.ndarray:
    """`matrix @ query` (rows x space, stored by column): only the query's own columns are read."""
    if not len(query.columns):
        return np.zeros(matrix.shape[0])
    return np.asarray(matrix[:, query.columns] @ query.values).ravel()


class CharSpace:
    """Character n-gram TF-IDF over some columns of a shared count vocabulary: the numbers of sklearn's
    TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True) fitted on the documents
    whose counts gave its idf, but one analysis pass serves several spaces, and a document made of others
    (a path's phrasings; a topic's paths and answers) is the sum of their counts instead of being analysed
    again (char_wb n-grams never cross a space). About a second less per index build."""

    def __init__(self, counter: CountVectorizer, fitted_on: sparse.csr_matrix) -> None:
        document_frequency = np.asarray((fitted_on > 0).sum(axis=0)).ravel()
        self._counter = counter
        self._columns = np.flatnonzero(document_frequency)
        documents = fitted_on.shape[0]
        # smooth idf, as sklearn's default
        self._idf = np.log((1 + documents) / (1 + document_frequency[self._columns])) + 1.0
        self._analyze = counter.build_analyzer()
        self._position = np.full(len(document_frequency), -1, dtype=np.int64)  # shared column -> this space's
        self._position[self._columns] = np.arange(len(self._columns))

    def weigh(self, counts: sparse.spmatrix) -> sparse.csr_matrix:
        """Counts in the shared vocabulary -> unit-length TF-IDF rows in this space."""
        weighted = sparse.csr_matrix(counts, dtype=np.float64)[:, self._columns]
        weighted.data = np.log(weighted.data) + 1.0  # sublinear tf
        return normalize(weighted @ sparse.diags(self._idf), norm="l2").tocsr()

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """TF-IDF rows of texts (n-grams outside this space are dropped)."""
        return self.weigh(self._counter.transform(texts))

    def query(self, text: str) -> SparseQuery:
        """One text's row, the numbers of `transform([text])`, kept sparse (a message costs microseconds)."""
        counts: dict[int, int] = {}
        vocabulary, position = self._counter.vocabulary_, self._position
        for gram in self._analyze(text):
            shared = vocabulary.get(gram)
            if shared is not None and position[shared] >= 0:
                column = int(position[shared])
                counts[column] = counts.get(column, 0) + 1
        return SparseQuery.of_counts(counts, self._idf)


CHAR_NGRAMS = (3, 5)


@dataclass(frozen=True)
class TopicClassifier:
    """The linear topic classifier with the vocabularies it was fitted on, so that a live reload can
    keep scoring with it (`GuidanceIndex(..., classifier=previous.classifier, previous=previous)`) while a new one is
    fitted."""

    word: TfidfVectorizer
    char: CharSpace
    weights: np.ndarray      # (features, topics)
    bias: np.ndarray         # (topics,)
    topics: tuple[str, ...]

    def for_topics(self, topic_ids: list[str]) -> "TopicClassifier":
        """The same classifier with its columns in `topic_ids` order; a topic it never saw gets margin -1."""
        column = {t: i for i, t in enumerate(self.topics)}
        weights = np.zeros((self.weights.shape[0], len(topic_ids)), dtype=np.float32)
        bias = np.full(len(topic_ids), -1.0, dtype=np.float32)
        for j, topic in enumerate(topic_ids):
            if topic in column:
                weights[:, j] = self.weights[:, column[topic]]
                bias[j] = self.bias[column[topic]]
        return TopicClassifier(self.word, self.char, weights, bias, tuple(topic_ids))

    def margins(self, query: "QueryTerms", word: SparseQuery | None = None, char: SparseQuery | None = None) -> np.ndarray:
        """Each topic's margin for a query (`word`/`char`: the query already in this classifier's vocabularies).
        Only the weight rows of the query's own terms and n-grams are read."""
        if word is None or char is None:
            word, char = word_query(self.word, query.terms), self.char.query(query.lemma_text)
        char_rows = char.columns + len(self.word.vocabulary_)  # the character features follow the word ones
        return word.values @ self.weights[word.columns] + char.values @ self.weights[char_rows] + self.bias


class GuidanceIndex:
    """A built, immutable search index over one version of the library.

    `classifier`: a topic classifier to keep instead of fitting one (a live reload swaps in an index with
    the previous classifier within a couple of seconds, then one with a classifier fitted anew; see
    guidance_library/live.py). `previous`: an index of an earlier version whose phrasings' mean vectors
    are reused for the same words (the quick build of a live reload)."""

    def __init__(self, library: GuidanceLibrary, analyzer: FinnishAnalyzer, vectors: WordVectors | None,
                 weights: dict[str, dict[str, float]] | None = None,
                 classifier: TopicClassifier | None = None, previous: "GuidanceIndex | None" = None) -> None:
        self.library = library
        self.weights = {level: dict(w) for level, w in (weights or WEIGHTS).items()}
        self._analyzer = analyzer
        self._vectors = vectors
        self._path_ids = [p.id for p in library.paths]
        self.urgent_topics = frozenset(t for t, topic in library.topics.items() if topic.kind == URGENT_KIND)
        self._topics = [p.topic for p in library.paths]
        topic_ids = list(dict.fromkeys(self._topics))
        self._topic_of_path = np.asarray([topic_ids.index(t) for t in self._topics]) if topic_ids else np.zeros(0, int)
        self.groups = TopicGroups(self._topic_of_path, len(topic_ids))
        # each text's analysis, by text: a quick build reuses the previous index's for the texts an edit left alone
        self._terms_of_text: dict[str, QueryTerms] = {}
        known = previous._terms_of_text if previous is not None and previous._analyzer is analyzer else {}
        rows, owners = self._phrasings(library, known)
        self._owners = np.asarray(owners)
        self._starts = np.flatnonzero(np.r_[True, self._owners[1:] != self._owners[:-1]])
        word_rows, char_rows = self._index_terms(library, rows, owners, topic_ids, known)
        self.classifier = self._topic_classifier(classifier, topic_ids, word_rows, char_rows)
        self._vocabulary = sorted(self._word.vocabulary_)
        self._vocabulary_set = frozenset(self._vocabulary)
        self._nearest: dict[str, str] = {}  # unknown word -> its indexed nearest (or itself); this index's own
        self._vector_rows: np.ndarray | None = None
        self._vector_keys = [r.vector_words for r in rows]
        self._topic_vectors: np.ndarray | None = None
        if vectors is not None:
            self._index_vectors(vectors, rows, len(topic_ids), previous)

    def _phrasings(self, library: GuidanceLibrary, known: dict[str, QueryTerms]) -> tuple[list[QueryTerms], list[int]]:
        """Every phrasing of every path (title, the topic's need, examples, keywords) and its path."""
        rows: list[QueryTerms] = []
        owners: list[int] = []
        for index, path in enumerate(library.paths):
            need = library.topics[path.topic].need if path.topic in library.topics else ""
            for text in (path.title, need, *path.examples, *path.keywords):
                rows.append(self._text_terms(text, known))
                owners.append(index)
        return rows, owners

    def _text_terms(self, text: str, known: dict[str, QueryTerms]) -> QueryTerms:
        """An indexed text's terms (no fuzzy mapping), from `known` when an earlier index analysed the same text."""
        terms = self._terms_of_text.get(text) or known.get(text) or self.query_terms(text, fuzzy=False)
        self._terms_of_text[text] = terms
        return terms

    def _index_terms(self, library: GuidanceLibrary, rows: list[QueryTerms], owners: list[int],
                     topic_ids: list[str], known: dict[str, QueryTerms]) -> tuple[sparse.spmatrix, sparse.spmatrix]:
        """The word and character vocabularies: phrasings, whole paths and answers stacked in one
        matrix per vocabulary, stored by column (a query reads only its own columns), and the topics' documents."""
        self._word = TfidfVectorizer(analyzer=lambda terms: terms, sublinear_tf=True, norm="l2")
        word_rows = self._word.fit_transform([list(r.terms) for r in rows])
        path_terms: list[list[str]] = [[] for _ in library.paths]
        for owner, row in zip(owners, rows):
            path_terms[owner].extend(row.terms)
        answers = [self._text_terms(p.answer, known) for p in library.paths]
        # A topic's document: everything of all its paths, answers included, so the facets of the right
        # topic count together; its own vocabularies weight terms by how many topics use them.
        topic_terms: list[list[str]] = [[] for _ in topic_ids]
        for path_index, topic_index in enumerate(self._topic_of_path):
            topic_terms[topic_index].extend(path_terms[path_index] + list(answers[path_index].terms))
        # Character n-grams: the phrasings and the answers are analysed once; a path's phrasings and a topic's
        # paths and answers are sums of those counts (CharSpace).
        self._n_rows = len(rows)
        counter = CountVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS)
        counts = sparse.csr_matrix(counter.fit_transform([r.lemma_text for r in rows] + [a.lemma_text for a in answers]))
        row_counts, answer_counts = counts[:self._n_rows], counts[self._n_rows:]
        path_counts = sparse.csr_matrix((np.ones(len(owners)), (owners, np.arange(len(owners)))),
                                        shape=(len(library.paths), len(owners))) @ row_counts
        self._char = CharSpace(counter, row_counts)  # fitted on the phrasings
        char_rows = self._char.weigh(row_counts)
        self._word_matrix = sparse.vstack([word_rows, self._word.transform(path_terms),
                                           self._word.transform([list(a.terms) for a in answers])]).tocsc()
        self._char_matrix = sparse.vstack([char_rows, self._char.weigh(path_counts),
                                           self._char.weigh(answer_counts)]).tocsc()
        self._topic_word = TfidfVectorizer(analyzer=lambda terms: terms, sublinear_tf=True, norm="l2")
        if topic_ids:
            self._topic_word_matrix = self._topic_word.fit_transform(topic_terms).tocsc()
            topic_counts = sparse.csr_matrix(
                (np.ones(len(library.paths)), (self._topic_of_path, np.arange(len(library.paths)))),
                shape=(len(topic_ids), len(library.paths))) @ (path_counts + answer_counts)
            self._topic_char = CharSpace(counter, topic_counts)  # fitted on the topics' documents
            self._topic_char_matrix = self._topic_char.weigh(topic_counts).tocsc()
        return word_rows, char_rows

    def _topic_classifier(self, given: TopicClassifier | None, topic_ids: list[str], word_rows: sparse.spmatrix,
                          char_rows: sparse.spmatrix) -> TopicClassifier | None:
        """The given classifier for these topics, or a linear one fitted on the phrasings' word and
        character terms (it learns which terms tell topics apart, which the similarities alone do not)."""
        if given is not None:
            return given.for_topics(topic_ids)
        if len(topic_ids) <= 1:
            return None
        fitted = LinearSVC(C=CLASSIFIER_C, random_state=0)
        fitted.fit(sparse.hstack([word_rows, char_rows]).tocsr(), self._topic_of_path[self._owners])
        coef, intercept = fitted.coef_, fitted.intercept_
        if len(topic_ids) == 2:  # a binary fit has one row, for the second topic: the first gets its negative
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        return TopicClassifier(self._word, self._char, np.asarray(coef.T, dtype=np.float32),
                               np.asarray(intercept, dtype=np.float32), tuple(topic_ids))

    def _index_vectors(self, vectors: WordVectors, rows: list[QueryTerms], topic_count: int,
                       previous: "GuidanceIndex | None" = None) -> None:
        """Each phrasing's mean word vector (the previous index's for the same words), and each topic's
        mean direction (unit length)."""
        known: dict[tuple[str, ...], np.ndarray] = {}
        if previous is not None and previous._vector_rows is not None:
            known = dict(zip(previous._vector_keys, previous._vector_rows))
        vector_rows = np.vstack([known[r.vector_words] if r.vector_words in known else vectors.mean(r.vector_words)
                                 for r in rows]).astype(np.float32)
        sums = np.zeros((topic_count, vector_rows.shape[1]), dtype=np.float64)
        np.add.at(sums, self._topic_of_path[self._owners], vector_rows)
        self._vector_rows = vector_rows
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        self._topic_vectors = (sums / np.where(norms == 0, 1, norms)).astype(np.float32)

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
        nearest = self._nearest.get(term)
        if nearest is None:  # a fuzzy look over the whole vocabulary is most of a ranking's time: once per word
            match = process.extractOne(term, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            nearest = match[0] if match else term
            if len(self._nearest) >= NEAREST_KEPT:
                self._nearest.clear()
            self._nearest[term] = nearest
        return nearest

    def _per_path_max(self, row_scores: np.ndarray) -> np.ndarray:
        return np.maximum.reduceat(row_scores, self._starts)

    def component_scores(self, text: str | list[WordAnalysis]) -> dict[str, np.ndarray]:
        """Each signal's score for every path (library order), before weighting; a topic signal
        gives every path of the topic the topic's value."""
        query = self.query_terms(text) if isinstance(text, str) else self.terms_of_words(text)
        zeros = np.zeros(self.size)
        if not query.terms and not query.lemma_text:
            return {name: zeros for name in PATH_SIGNALS + TOPIC_SIGNALS}
        rows, paths = self._n_rows, self.size
        query_word = word_query(self._word, query.terms)
        query_char = self._char.query(query.lemma_text)
        word = scores_of(self._word_matrix, query_word)
        char = scores_of(self._char_matrix, query_char)
        topic_word = scores_of(self._topic_word_matrix, word_query(self._topic_word, query.terms))
        topic_char = scores_of(self._topic_char_matrix, self._topic_char.query(query.lemma_text))
        scores = {
            "word_example": self._per_path_max(word[:rows]),
            "word_path": word[rows:rows + paths],
            "word_answer": word[rows + paths:],
            "char_example": self._per_path_max(char[:rows]),
            "char_path": char[rows:rows + paths],
            "char_answer": char[rows + paths:],
            "vector_example": zeros,
            "word_topic": topic_word[self._topic_of_path],
            "char_topic": topic_char[self._topic_of_path],
            "vector_topic": zeros,
            "class_topic": zeros,
        }
        if self.classifier is not None:
            own = self.classifier.word is self._word  # fitted here: the query is already in its vocabularies
            margin = self.classifier.margins(query, query_word if own else None, query_char if own else None)
            scores["class_topic"] = np.clip((margin + 1) / 2, 0, 1)[self._topic_of_path]
        if self._vector_rows is not None and self._vectors is not None and query.vector_words:
            query_vector = self._vectors.mean(query.vector_words)
            cos = self._per_path_max(self._vector_rows @ query_vector)
            scores["vector_example"] = np.clip((cos - VECTOR_FLOOR) / (1 - VECTOR_FLOOR), 0, 1)
            topic_cos = (self._topic_vectors @ query_vector)[self._topic_of_path]
            scores["vector_topic"] = np.clip((topic_cos - VECTOR_FLOOR) / (1 - VECTOR_FLOOR), 0, 1)
        return scores

    def score_all(self, text: str | list[WordAnalysis]) -> np.ndarray:
        """Score of every path for a text, in library order (0..1): its topic's score less its
        distance from the topic's best path."""
        return self.groups.combine(self.component_scores(text), self.weights)

    def rank(self, text: str | list[WordAnalysis], limit: int = 10, topic: str | None = None) -> list[RankedPath]:
        """Best paths first (stable for equal scores: library order); text or analysed words. With
        `topic`, every path of that topic is listed too (after the best `limit`, by score)."""
        scores = self.score_all(text)
        order = list(np.argsort(-scores, kind="stable")[:limit])
        if topic is not None:
            listed = set(order)
            order += [i for i in np.argsort(-scores, kind="stable") if self._topics[i] == topic and i not in listed]
        return [RankedPath(self._path_ids[i], self._topics[i], round(float(scores[i]), 4))
                for i in order if scores[i] > 0]
