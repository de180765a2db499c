"""The overdose and poisoning reader: an amount of a medicine or substance taken, or a child who
swallowed something, means the poisoning answer, never "out of scope".

Word lists come from `guidance_library/emergency.yml` (`poisoning_reader`), so editors extend
them without touching code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from bot.nlu.finnish import WordAnalysis
from guidance_library.emergency import PoisoningLexicon

POISONING = "poisoning"
POISONING_URGENT = "poisoning_urgent"
_FOLD = str.maketrans({"ä": "a", "ö": "o", "å": "a"})
_NUMBER = re.compile(r"^\d{1,4}$")
_AGE = re.compile(r"^\d{1,2}(v|vee|vuotias)$")
_GRAMS = {"g": 1.0, "gr": 1.0, "gramma": 1.0, "grammaa": 1.0, "mg": 0.001, "milligramma": 0.001,
          "milligrammaa": 0.001}
_DECIMAL = re.compile(r"^\d{1,5}(?:[.,]\d{1,2})?$")          # "10", "2,5"
_MASS = re.compile(r"^(\d{1,5}(?:[.,]\d{1,2})?)(g|gr|mg)$")  # "10g", "8000mg"
_UNITS = {"kg", "g", "gr", "gramma", "grammaa", "milligrammaa", "mg", "ug", "µg", "ml", "dl", "l", "v", "vee", "vuotias", "vuotta", "vuoden", "kk", "cm", "h",
          "min", "tuntia", "tunnin", "paivaa", "vrk", "e", "euroa", "prosenttia", "ky", "mmol", "astetta"}


def _fold(text: str) -> str:
    return text.lower().translate(_FOLD)


@dataclass(frozen=True)
class PoisoningReading:
    """What the reader found: the answer category and why."""

    category: str   # poisoning_urgent (symptoms or intent: 112 first) or poisoning
    reason: str     # amount, container, alcohol_and_medicine, chemical, child, unknown_substance
    firm: bool = True  # told as a fact; False when asked as a question ("mitä jos lapsi nielaisee"):
                       # then the safety net asks unless the classifier backs it


class _Words:
    """A message's words in the forms the lexicon is matched against."""

    def __init__(self, words: Sequence[WordAnalysis]) -> None:
        self.lemmas = [_fold(w.lemma) for w in words]
        self.typed = [_fold(w.normalized) for w in words]
        self.parts = [_fold(p) for w in words for p in w.parts]
        self.all_lemmas = [_fold(lemma) for w in words for lemma in w.lemmas]
        self.past = [any(t == "TENSE=past_imperfective" or t.startswith("PARTICIPLE=past") for t in w.tags)
                     for w in words]
        self.lemma_text = " " + " ".join(self.lemmas) + " "
        self.typed_text = " " + " ".join(self.typed) + " "

    def has_stem(self, stems: Sequence[str]) -> bool:
        forms = (*self.all_lemmas, *self.typed, *self.parts)
        return any(form.startswith(stem) for stem in stems if " " not in stem for form in forms) or \
            self.has_phrase([s for s in stems if " " in s], prefix=True)

    def taken(self, verbs: Sequence[str]) -> bool:
        """A taking verb in the past ("otin", "söi", "on ottanut"): told as done, not asked about."""
        wanted = {v for v in verbs if " " not in v}
        return any(past and (lemma in wanted or typed in wanted)
                   for past, lemma, typed in zip(self.past, self.lemmas, self.typed))

    def age(self) -> bool:
        """A child's age typed as "3v", "3 v" or "3-vuotias"."""
        return any(_AGE.match(t) for t in self.typed) or any(
            _NUMBER.match(a) and b in ("v", "vee", "vuotias") for a, b in zip(self.typed, self.typed[1:]))

    def has_word(self, words: Sequence[str]) -> bool:
        single = {w for w in words if " " not in w}
        return bool(single & {*self.all_lemmas, *self.typed}) or self.has_phrase([w for w in words if " " in w])

    def has_phrase(self, phrases: Sequence[str], prefix: bool = False) -> bool:
        tail = "" if prefix else " "
        return any(f" {p}{tail}" in text for p in phrases for text in (self.lemma_text, self.typed_text))


def count_taken(words: _Words, lexicon: PoisoningLexicon) -> int:
    """The largest count of a medicine typed as digits or a number word right before it ("25 buranaa",
    "kymmenen tenoxia", "30 kpl unilääkkeitä"); "klo 22", "45 kg" or "kuume 39" are no count of tablets."""
    counts = []
    for i, typed in enumerate(words.typed):
        if _NUMBER.match(typed) and int(typed) < 1900:
            value = int(typed)
        elif typed in lexicon.number_words or words.lemmas[i] in lexicon.number_words:
            value = lexicon.number_words.get(typed, lexicon.number_words.get(words.lemmas[i], 0))
        else:
            continue
        following = [w for w in (*words.typed[i + 1:i + 3], *words.lemmas[i + 1:i + 3]) if w not in _UNITS]
        if following and any(f.startswith(stem) for f in following for stem in lexicon.medicines) \
                and (i + 1 >= len(words.typed) or words.typed[i + 1] not in _UNITS):
            counts.append(value)
    return max(counts, default=0)


def grams_taken(words: _Words) -> float:
    """The largest weight of a medicine typed in the message, in grams ("10 grammaa", "8000 mg", "10g")."""
    found = [0.0]
    for i, typed in enumerate(words.typed):
        glued = _MASS.match(typed)
        if glued:
            found.append(float(glued.group(1).replace(",", ".")) * _GRAMS[glued.group(2)])
        elif _DECIMAL.match(typed) and i + 1 < len(words.typed) \
                and words.typed[i + 1] in _GRAMS:
            found.append(float(typed.replace(",", ".")) * _GRAMS[words.typed[i + 1]])
    return max(found)


def read_poisoning(analysed: Sequence[WordAnalysis], lexicon: PoisoningLexicon | None) -> PoisoningReading | None:
    """The poisoning answer category for a message that tells of an amount taken, or None."""
    if lexicon is None or not analysed:
        return None
    words = _Words(analysed)
    medicine = words.has_stem(lexicon.medicines)
    chemical = words.has_stem(lexicon.chemicals)
    alcohol = words.has_stem(lexicon.alcohol)
    taking = words.has_word(lexicon.taking)
    urgent = words.has_stem(lexicon.symptoms) or words.has_stem(lexicon.intent)
    asking = words.has_word(lexicon.questions) or words.has_word(lexicon.handling)
    reason = None
    count = count_taken(words, lexicon)
    much = (words.has_stem(lexicon.containers) and words.has_word(lexicon.amounts)) or \
        (taking and words.has_word(("kaikki", "koko", "liikaa", "liian")))
    if medicine and (taking or urgent or not asking):
        if count >= lexicon.min_count or grams_taken(words) >= lexicon.min_grams:
            reason = "amount"
        elif much and not asking:
            reason = "container" if words.has_stem(lexicon.containers) else "amount"
        elif words.has_stem(lexicon.containers) and words.has_word(lexicon.amounts):
            reason = "container"
        elif alcohol and not asking and (much or urgent or words.has_stem(lexicon.containers)):
            reason = "alcohol_and_medicine"  # "pullo viinaa ja pillerit"; not "join 2 olutta ja otin buranan"
    if reason is None and chemical and taking:
        reason = "chemical"
    child = words.has_stem(lexicon.children) or words.age()
    unknown = words.has_word(("jotain", "jotakin", "joku", "jokin"))  # "lapsi söi jotain", "veti jotain ja sekaisin"
    by_mistake = count > 0 or much or urgent or words.has_word(lexicon.accident)  # not "otti lääkkeensä normaalisti"
    if reason is None and taking and child and (chemical or unknown and urgent or medicine and by_mistake):
        reason = "child"
    if reason is None and taking and unknown and urgent:
        reason = "unknown_substance"
    if reason is None:
        return None
    if asking and not urgent and reason in ("amount", "container") and not words.taken(lexicon.taking):
        return None  # "paljonko buranaa saa ottaa", "voiko 6 tablettia ottaa": a dose question
    # "otin 10 panadolia, onko vaarallista?": an amount taken, asked about: the net asks unless backed
    return PoisoningReading(POISONING_URGENT if urgent else POISONING, reason, firm=not asking)
