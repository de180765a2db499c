"""Finnish word analysis with Voikko: lemmas, compound parts, ä/ö restoration, spoken forms.

Residents type inflected, colloquial and misspelt Finnish, often without ä/ö. Every word goes
through `FinnishAnalyzer.analyze`, which the Rasa tokenizer, the guidance retrieval and the
emergency detector all share (one analyser per process: `shared_analyzer`), so the same word always
means the same thing to all of them.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from voikko import libvoikko

WORD = re.compile(r"[^\W_]+(?:[’'][^\W_]+)?", re.UNICODE)
_SEGMENT = re.compile(r"\+([^(+]*)\(([^)]*)\)")
_DIACRITIC_PAIRS = {("a", "ä"), ("o", "ö"), ("a", "å")}
MORPHOLOGY = ("TENSE", "MOOD", "PERSON", "NEGATIVE", "PARTICIPLE", "SIJAMUOTO")  # kept as WordAnalysis.tags

# Spoken and chat forms -> standard forms that Voikko knows.
SPOKEN_FORMS: dict[str, str] = {
    "mä": "minä", "mää": "minä", "mie": "minä", "sä": "sinä", "sää": "sinä",
    "mun": "minun", "mulla": "minulla", "mulle": "minulle", "multa": "minulta", "musta": "minusta",
    "mua": "minua", "sun": "sinun", "sulla": "sinulla", "sulle": "sinulle", "sua": "sinua",
    "meiän": "meidän", "meijän": "meidän", "teiän": "teidän", "niiku": "niinkuin",
    "tää": "tämä", "toi": "tuo", "noi": "nuo", "nää": "nämä",
    "mist": "mistä", "mis": "missä", "mihi": "mihin", "mite": "miten", "miks": "miksi",
    "onks": "onko", "onkse": "onko", "voiks": "voiko", "saaks": "saako", "pitääks": "pitääkö",
    "pitäis": "pitäisi", "pitäs": "pitäisi", "pitais": "pitäisi", "tarttis": "tarvitsisi",
    "tartteis": "tarvitsisi", "tarttisin": "tarvitsisin", "tarviin": "tarvitsen", "tarvisin": "tarvitsisin",
    "haluun": "haluan", "haluisin": "haluaisin",
    "oon": "olen", "oot": "olet", "ollaa": "ollaan", "oo": "ole",
    "itteni": "itseni", "itteeni": "itseäni", "ittensä": "itsensä", "itte": "itse", "ittes": "itsesi",
    "vois": "voisi", "voisko": "voisiko", "saisko": "saisiko", "pystyyks": "pystyykö",
    "kans": "kanssa", "kaa": "kanssa", "vaa": "vain",
    "terkkari": "terveydenhoitaja", "terkka": "terveydenhoitaja", "terkkarille": "terveydenhoitajalle",
    "lekuri": "lääkäri", "lekurille": "lääkärille", "lekurii": "lääkäriin", "dokaa": "juoda",
    "hammaslekuri": "hammaslääkäri", "tk": "terveyskeskus",
    "skitso": "skitsofrenia", "masis": "masennus", "ahistaa": "ahdistaa", "ahistus": "ahdistus",
    "ahistuu": "ahdistuu", "reseptii": "reseptiä",
    "kiitti": "kiitos",
}


@dataclass(frozen=True)
class WordAnalysis:
    """What Voikko says of one typed word."""

    text: str          # the word as typed, lower-cased
    normalized: str    # spoken form expanded, ä/ö restored where Voikko agreed
    lemma: str         # base form (or the normalized word if Voikko does not know it)
    lemmas: tuple[str, ...]  # every distinct base form Voikko offers (ambiguous words)
    parts: tuple[str, ...]   # compound parts as base forms ("lastenneuvolaan" -> lapsi, neuvola)
    known: bool        # Voikko recognised the (normalized) word
    tags: tuple[str, ...] = ()  # the first reading's tense, mood, person, participle and case ("TENSE=past_imperfective")

    def terms(self) -> tuple[str, ...]:
        """Search terms of the word: lemma(s) and compound parts, no repeats."""
        seen: dict[str, None] = {}
        for term in (*self.lemmas, *self.parts):
            seen.setdefault(term, None)
        return tuple(seen)


def differs_only_by_diacritics(typed: str, suggestion: str) -> bool:
    """True if `suggestion` is `typed` with some a/o turned into ä/ö/å."""
    if len(typed) != len(suggestion) or typed == suggestion:
        return False
    return all(a == b or (a, b) in _DIACRITIC_PAIRS for a, b in zip(typed, suggestion))


def compound_parts(wordbases: str) -> tuple[str, ...]:
    """Base forms of a compound's parts from Voikko's WORDBASES field.

    '+lasten(lapsi)+neuvola(neuvola)' -> ('lapsi', 'neuvola');
    '+mielen(mieli)+terve(terve)+ys(+ys)+palvel(palvella)+u(+u)' -> ('mieli', 'terveys', 'palvelu').
    """
    groups: list[list[tuple[str, str]]] = []
    for surface, base in _SEGMENT.findall(wordbases):
        if base.startswith("+") and groups:
            groups[-1].append((surface, base))
        else:
            groups.append([(surface, base)])
    parts = []
    for group in groups:
        if len(group) == 1:
            parts.append(group[0][1].lstrip("+").lower())
        else:
            parts.append("".join(surface for surface, _ in group).lower())
    return tuple(p for p in parts if p) if len(parts) > 1 else ()


class FinnishAnalyzer:
    """Voikko-backed word analysis, cached per instance (Voikko calls are the costly part)."""

    def __init__(self, language: str = "fi", cache_size: int = 50_000) -> None:
        try:
            self._voikko = libvoikko.Voikko(language)
        except OSError as err:  # libvoikko1 / voikko-fi missing
            raise RuntimeError(
                "Voikko is not available: install the Debian packages libvoikko1 and voikko-fi "
                f"(scripts/setup does this). Original error: {err}"
            ) from err
        self._lock = threading.Lock()
        self.analyze = lru_cache(maxsize=cache_size)(self._analyze)  # type: ignore[method-assign]

    def words(self, text: str) -> Iterator[re.Match[str]]:
        """The words of a text, with their positions."""
        return WORD.finditer(text)

    def _voikko_analyses(self, word: str) -> list[dict[str, str]]:
        with self._lock:
            return list(self._voikko.analyze(word))

    def _suggestions(self, word: str) -> list[str]:
        with self._lock:
            return list(self._voikko.suggest(word))

    def _analyze(self, word: str) -> WordAnalysis:
        text = word.lower()
        normalized = SPOKEN_FORMS.get(text, text)
        analyses = self._voikko_analyses(normalized) if normalized.isalpha() else []
        if not analyses and normalized.isalpha() and any(c in normalized for c in "ao"):
            for suggestion in self._suggestions(normalized)[:5]:
                if differs_only_by_diacritics(normalized, suggestion.lower()):
                    normalized = suggestion.lower()
                    analyses = self._voikko_analyses(normalized)
                    break
        if not analyses:
            return WordAnalysis(text, normalized, normalized, (normalized,), (), False)
        lemmas: dict[str, None] = {}
        parts: dict[str, None] = {}
        for analysis in analyses[:3]:
            lemmas.setdefault(analysis.get("BASEFORM", normalized).lower(), None)
            for part in compound_parts(analysis.get("WORDBASES", "")):
                parts.setdefault(part, None)
        lemma_list = tuple(lemmas)
        first = analyses[0]
        tags = tuple(f"{key}={first[key]}" for key in MORPHOLOGY if first.get(key))
        return WordAnalysis(text, normalized, lemma_list[0], lemma_list, tuple(parts), True, tags)

    def word_classes(self, word: str) -> frozenset[str]:
        """Voikko's word classes for a word as typed (e.g. {"etunimi"} for a first name)."""
        return frozenset(a.get("CLASS", "") for a in self._voikko_analyses(word))

    def analyze_text(self, text: str) -> list[WordAnalysis]:
        """Analyse every word of a text (each in the light of its neighbours: `in_sentence`)."""
        return in_sentence([self.analyze(m.group(0)) for m in self.words(text)])

    def close(self) -> None:
        """Release the Voikko handle (never of the shared analyser: others still use it)."""
        self._voikko.terminate()


_SHARED: dict[str, FinnishAnalyzer] = {}
_SHARED_LOCK = threading.Lock()


def shared_analyzer(language: str = "fi") -> FinnishAnalyzer:
    """The process's one analyser of a language, made by the first caller: the Rasa pipeline's
    components all use it, so Voikko's dictionary and the word cache are held once."""
    with _SHARED_LOCK:
        if language not in _SHARED:
            _SHARED[language] = FinnishAnalyzer(language)
        return _SHARED[language]


# Adverbs that may stand between a negation verb and its verb ("et enää jaksa", "et edes pysty").
_BETWEEN_NEGATION_AND_VERB = frozenset({"enää", "enaa", "edes", "ees", "yhtään", "yhtaan", "ikinä", "ikina",
                                        "koskaan", "vielä", "viela", "kyllä", "oikein", "mitenkään", "sitten", "nyt"})
_SPOKEN_THAT = WordAnalysis("et", "että", "että", ("että",), (), True)


def in_sentence(words: list[WordAnalysis]) -> list[WordAnalysis]:
    """Words whose reading depends on the next one. Spoken "et" is usually "että" ("vaimo sanoo et hengitys
    katkeaa", "se sano et söi jotain"), which Voikko reads as the negation verb "ei"; it stays a negation
    only before a verb form that a negation can govern ("et hengitä", "et enää jaksa")."""
    out = list(words)
    for i, word in enumerate(words):
        if word.text != "et" or word.lemma != "ei":
            continue
        following = next((w for w in words[i + 1:] if w.normalized not in _BETWEEN_NEGATION_AND_VERB), None)
        if following is None or not ({"NEGATIVE=true", "NEGATIVE=both"} & set(following.tags)):
            out[i] = _SPOKEN_THAT
    return out

