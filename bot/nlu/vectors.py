"""Word vectors from the spaCy Finnish model (floret: every word, even a misspelt one, has one)."""
from __future__ import annotations

import threading
from functools import lru_cache
from typing import Iterable

import numpy as np

DEFAULT_MODEL = "spacy_fi_experimental_web_md"
WORD_CACHE = 20_000


class WordVectors:
    """Looks up 300-dimensional vectors of words; loads only the vector table, no pipeline."""

    def __init__(self, model_name: str = DEFAULT_MODEL) -> None:
        import spacy  # imported here: loading spaCy is slow and only needed once per process

        try:
            nlp = spacy.load(model_name, exclude=["tok2vec", "tagger", "morphologizer", "parser", "attribute_ruler",
                                                  "lemmatizer", "ner", "senter", "trainable_lemmatizer"])
        except OSError as err:
            raise RuntimeError(f"spaCy model '{model_name}' is not installed (scripts/setup installs it).") from err
        self._vocab = nlp.vocab
        self.dim = int(nlp.vocab.vectors.shape[1])
        # A live reload of the library re-reads the same words: their unit vectors are kept (20,000 words,
        # about 24 MB, covers the library's vocabulary and the frequent words of questions).
        self._unit = lru_cache(maxsize=WORD_CACHE)(self._unit_vector)

    def word(self, word: str) -> np.ndarray:
        """Vector of one word (zeros for an empty string)."""
        if not word:
            return np.zeros(self.dim, dtype=np.float32)
        return np.asarray(self._vocab.get_vector(word), dtype=np.float32)

    def words(self, words: Iterable[str]) -> np.ndarray:
        """Stacked vectors, shape (n, dim)."""
        rows = [self.word(w) for w in words]
        return np.vstack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)

    def _unit_vector(self, word: str) -> np.ndarray:
        vector = self.word(word)
        norm = np.linalg.norm(vector)
        vector = vector / norm if norm else vector
        vector.setflags(write=False)  # shared by the cache
        return vector

    def mean(self, words: Iterable[str]) -> np.ndarray:
        """Unit-length mean of the words' unit vectors (zeros if there are none)."""
        rows = [self._unit(w) for w in words]
        if not rows:
            return np.zeros(self.dim, dtype=np.float32)
        mean = np.vstack(rows).mean(axis=0)
        norm = np.linalg.norm(mean)
        return mean / norm if norm else mean


_SHARED: dict[str, WordVectors] = {}
_SHARED_LOCK = threading.Lock()


def shared_vectors(model_name: str = DEFAULT_MODEL) -> WordVectors:
    """The process's one vector table of a spaCy model, loaded by the first caller: the Rasa
    pipeline's components all use it (the table is the largest thing the process loads)."""
    with _SHARED_LOCK:
        if model_name not in _SHARED:
            _SHARED[model_name] = WordVectors(model_name)
        return _SHARED[model_name]
