"""The safety net: three layers, any one of which gives the emergency answer.

1. The rules (`guidance_library/emergency.yml`): emergency signs on Voikko base forms.
2. The overdose and poisoning reader (`bot.nlu.poisoning`): an amount of a medicine taken.
3. The learned risk classifier (`bot.nlu.risk_classifier`): danger probability of the message.

The verdict has three tiers:
  - `emergency`: any layer is sure (a strong sign, the reader, a sure classifier), unless the
    classifier finds no danger in it (below its `uncertain` limit): the category's answer at once;
  - `uncertain`: the classifier's score is between its limits, or a strong sign or the reader found
    something that the classifier sees no danger in, or the rules matched with a past or
    informational cue ("viime vuonna", "tietoa") and no other layer is sure: the resident is asked
    at once "Oletko sinä tai joku muu nyt vaarassa?" (with 112 in the question). A cue never
    switches the rules off. A weak sign ("tajuton", "puukko"), or a sign with a present cue too
    ("isä sai aivohalvauksen vuosi sitten, nyt haetaan tukea"), gives the emergency answer when the
    classifier backs it (score at or above both `uncertain` and 0.5), and the safety question otherwise
    (but nothing when only a weak sign matched, the message has more than `WEAK_SIGN_WORDS` words and
    the classifier is confidently against it: "olin ihan tajuton väsymyksestä eilen"; signs of
    suicidal thoughts are always asked);
  - `none`.
`signal` is true for any trace of risk (a rule or reader match, or a score at or above the floor that
nearly all held-out danger messages reach): such a message
never gets the out-of-scope or not-found answer (actions.guidance asks the safety question instead).
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from bot.constants import ALWAYS_ASKED, EASE_SCORE
from bot.nlu.emergency import word_forms
from bot.nlu.finnish import WordAnalysis
from bot.nlu.poisoning import POISONING, read_poisoning
from bot.nlu.risk_classifier import RiskFeaturizer, RiskModel, TrainingSet
from guidance_library.emergency import ALONE, DANGER, EmergencyRules, RuleMatch
from guidance_library.risk_corpus import ASSUMED_SAFE, LIBRARY_KIND, CorpusMessage

logger = logging.getLogger(__name__)
EMERGENCY_TIER = "emergency"
UNCERTAIN_TIER = "uncertain"
NO_RISK = "none"
GENERAL = "general"
# A weak sign in a message longer than this, with the classifier confidently against it, asks nothing
# ("olin ihan tajuton väsymyksestä eilen illalla"); a shorter one ("halvaus oireita") is still asked.
WEAK_SIGN_WORDS = 3
# ... except a sign of suicidal thoughts or self-harm (ALWAYS_ASKED, bot/constants.py): "mulla oli itsetuhoisia
# ajatuksia pari vuotta sitten, miten pääsen terapiaan" is always asked whether anyone is in danger now.
# ... and a weak sign of poisoning (swallowing, tasting: "taapero nielaisi jotain pientä") is dropped only when
# the classifier is confidently against it, not merely when it sees no danger
KEPT_ON_DOUBT = ("poisoning",)


@dataclass(frozen=True)
class SafetyVerdict:
    """What the safety net makes of one message."""

    tier: str
    category: str                 # the answer category (emergency.yml); general when not known
    layers: tuple[str, ...] = ()  # rules, poisoning, classifier: the layers that found danger
    score: float | None = None    # the classifier's danger probability (None without a classifier)
    signal: bool = False          # any trace of risk: never an out-of-scope or not-found answer
    cued: bool = False            # the rules matched a weak sign, or a sign with a past or informational cue

    def as_dict(self) -> dict[str, Any]:
        """The parse-data form (`safety` key of /model/parse)."""
        return {"tier": self.tier, "category": self.category, "layers": list(self.layers),
                "score": None if self.score is None else round(self.score, 4), "signal": self.signal,
                "cued": self.cued}


class SafetyNet:
    """Combines the layers; `model` may be None (rules and reader only, e.g. before training)."""

    def __init__(self, rules: EmergencyRules, model: RiskModel | None = None,
                 featurizer: RiskFeaturizer | None = None, backing: float = 0.5) -> None:
        self.rules = rules
        self.model = model
        self.featurizer = featurizer
        self.backing = backing  # the score at which the classifier backs a weak sign (danger more likely than not)

    def score(self, words: Sequence[WordAnalysis]) -> tuple[float | None, str | None]:
        """The classifier's danger probability and category guess (None, None without a model, or when
        the classifier fails: the rules and the reader never depend on it)."""
        if self.model is None or self.featurizer is None or not words:
            return None, None
        try:
            row = self.featurizer.transform([words])
            return float(self.model.scores(row)[0]), self.model.categories(self.featurizer.category_rows([words]))[0]
        except Exception:  # noqa: BLE001 - a broken classifier must never cost the rules' answer
            logger.exception("The risk classifier failed; the rules and the reader answer alone")
            return None, None

    def assess(self, words: Sequence[WordAnalysis], held_out_score: float | None = None) -> SafetyVerdict:
        """The verdict for a message's analysed words (`held_out_score`: a score given instead of the
        model's own, to measure the net on held-out folds)."""
        forms = word_forms(list(words))
        score, guess = self.score(words) if held_out_score is None else (held_out_score, None)
        limits = self.model.thresholds if self.model is not None and score is not None else None
        if self.rules.about_animal(*forms) and not speaks_of_a_person(words):
            # About an animal or a thing and no person: no rule or reader answer. The classifier may still
            # ask (a dog that bit someone who now bleeds is a person's emergency), never more.
            return self._about_animal(score, guess, limits)
        rule = self.rules.assess(*forms)
        seen = rule is not None  # any sign, even one dismissed below: never turned away
        reading = read_poisoning(words, self.rules.poisoning)
        sure = limits is not None and score is not None and score >= limits.sure
        unsure = limits is not None and score is not None and limits.uncertain <= score < limits.sure
        backed = limits is not None and score is not None and score >= max(limits.uncertain, self.backing)
        # the classifier is confidently against it (below the floor that 99.8% of held-out danger
        # messages reach): a weak sign is dropped (below)
        contradicted = limits is not None and score is not None and score < limits.signal
        # the classifier finds no danger at all (below its own `uncertain` limit): a strong sign or the
        # reader then asks instead of answering (the question has 112 in it). On the corpus's held-out
        # folds this turned 58 of the 180 emergency answers given to not-danger messages ("kuulolaitteen
        # patterit mistä saa") into the safety question, and 4 of 4,181 danger messages' answers too:
        # still caught. Without a classifier (none trained, or it failed) the rules answer as before.
        doubted = limits is not None and score is not None and score < limits.uncertain
        told_as_past = self.rules.cued(*forms)  # a past or informational cue and no present one
        if rule is not None and dismissed(rule, len(words), contradicted, doubted):
            rule = None
        layers: list[str] = []
        category: str | None = None
        if rule is not None and (rule.support == ALONE and not doubted or rule.support == DANGER and backed):
            layers.append("rules")  # a strong sign; or a weak or cued one that the classifier backs
            category = rule.category.name
        if reading is not None and (reading.firm and not told_as_past and not doubted or backed or sure):
            layers.append("poisoning")
            if category in (None, POISONING, GENERAL):
                category = reading.category
        if sure:
            layers.append("classifier")
        cued = rule is not None and rule.support != ALONE
        if layers:
            if category is None:
                category = rule.category.name if rule is not None else self._category_of(guess)
            return SafetyVerdict(EMERGENCY_TIER, category, tuple(layers), score, True, cued)
        signal = seen or reading is not None or limits is not None and score is not None and score >= limits.signal
        if not (unsure or rule is not None or reading is not None):
            return SafetyVerdict(NO_RISK, GENERAL, (), score, signal)
        # the safety question: every layer that saw something is named (the policy treats a question
        # that the classifier alone asks differently from one the rules or the reader ask)
        asking = tuple(name for name, saw in (("rules", rule is not None), ("poisoning", reading is not None),
                                              ("classifier", unsure)) if saw)
        if rule is not None:
            category = rule.category.name
        elif reading is not None:
            category = reading.category
        else:
            category = self._category_of(guess)
        return SafetyVerdict(UNCERTAIN_TIER, category, asking, score, True, cued)

    def _category_of(self, guess: str | None) -> str:
        found = self.rules.for_corpus_category(guess)
        return found.name if found else GENERAL

    def _about_animal(self, score: float | None, guess: str | None, limits: Any) -> SafetyVerdict:
        if limits is None or score < limits.uncertain:
            return SafetyVerdict(NO_RISK, GENERAL, (), score, limits is not None and score >= limits.signal)
        return SafetyVerdict(UNCERTAIN_TIER, self._category_of(guess), ("classifier",), score, True)


def dismissed(rule: RuleMatch, words: int, contradicted: bool, doubted: bool) -> bool:
    """A weak sign only ("tajuton", "hukkua", "puukko"), in a message of more than a few words that the
    classifier is confidently against, or sees no danger in when nothing in the message tells of now,
    the past or a question about it: everyday talk, no safety question. (On the corpus's held-out folds
    the second part spares 58 not-danger messages the question and no danger message.) Signs of
    suicidal thoughts are always asked, and a weak sign of poisoning is kept on mere doubt."""
    if not rule.weak or words <= WEAK_SIGN_WORDS or rule.category.name in ALWAYS_ASKED:
        return False
    return contradicted or doubted and not rule.cued and not rule.present and rule.category.name not in KEPT_ON_DOUBT


EASE_MATCH = 0.2     # a guidance path matching at least this well ...
EASE_MARGIN = 0.05   # ... and this far ahead of any other topic's ...
# ... waives the safety question of a classifier score below EASE_SCORE (bot/constants.py)
# The classifier's guesses for which the question is always asked: suicidal thoughts, and the signs that
# kill within minutes when missed.
NEVER_EASED = ("suicide", "chest_pain", "stroke", "breathing", "unconscious", "bleeding", "poisoning",
               "poisoning_urgent")
# ... but below this score the classifier's guess of a category is only a guess: "sydän lyö epätasasesti ja
# muljahtelee, onko eteisvärinä" (0.10, guessed poisoning) gets the atrial fibrillation path and the 112 line.
# On the blind sets no danger message lost its question.
GUESS_FLOOR = 0.2
# A guess of suicidal thoughts keeps the question from a lower score. Below it the guess is noise as well
# ("haluun kirjata etukäteen ettei mua pidetä koneissa", a living will, 0.11, guessed suicide), and such a plain
# question gets its path with the 112 line and the crisis line (actions.guidance). On 8 Dec 2026 (totals only)
# this spared the question for 8 of the 703 blind facet questions and 1 of the 349 blind hard negatives, and for
# no danger message of any blind or development set.
SUICIDE_GUESS_FLOOR = 0.15


def eased(verdict: dict[str, Any], ranking: Sequence[Any], urgent_topics: frozenset[str],
          topic: str | None = None) -> dict[str, Any]:
    """The verdict once the guidance ranking is known. When the classifier alone was unsure (no rule,
    no reader), its score is below `EASE_SCORE`, its guess keeps no question (`guess_keeps_the_question`), and the message
    plainly asks an ordinary question (one path of a non-urgent topic matches it well and clearly
    ahead of other topics: "luomi on muuttunu tummemmaks ja reunat on epätasaset"), the safety
    question is waived: tier `none`, `eased` names the path, and the answer comes with a line about
    112 (actions.guidance). `signal` stays, so such a message is never turned away.

    On the risk corpus's held-out folds (development figures), of the messages that only the
    classifier's unsure tier caught, this waives the question for 2 of 404 danger messages (both then
    get the path and the 112 line) and for 77 of 535 not-danger messages outside the library's own
    questions.

    In a running conversation the same holds for the message read with the resident's earlier ones
    (`ranking` in context), when its best path is of the conversation's own `topic`: "mulla on vanha
    auto, vaikuttaako se?" after a question about income support."""
    if verdict.get("tier") != UNCERTAIN_TIER or list(verdict.get("layers") or []) != ["classifier"] \
            or float(verdict.get("score") or 0.0) >= EASE_SCORE or guess_keeps_the_question(verdict) \
            or not ranking:
        return verdict
    best = ranking[0]
    other = max((float(r.score) for r in ranking if r.topic != best.topic), default=0.0)
    if best.topic in urgent_topics or best.score < EASE_MATCH or best.score - other < EASE_MARGIN \
            or topic is not None and best.topic != topic:
        return verdict
    return {**verdict, "tier": NO_RISK, "eased": best.id}


def guess_keeps_the_question(verdict: dict[str, Any]) -> bool:
    """The classifier's category guess keeps the safety question: suicidal thoughts from `SUICIDE_GUESS_FLOOR`
    up, the other signs that kill within minutes (`NEVER_EASED`) from `GUESS_FLOOR` up."""
    category = verdict.get("category")
    score = float(verdict.get("score") or 0.0)
    if category in ALWAYS_ASKED:
        return score >= SUICIDE_GUESS_FLOOR
    return category in NEVER_EASED and score >= GUESS_FLOOR


def speaks_of_a_person(words: Sequence[WordAnalysis]) -> bool:
    """A verb in the first or second person ("otin", "haluan", "oletko"): Finnish often drops "minä"."""
    return any(t in ("PERSON=1", "PERSON=2") for w in words for t in w.tags)


def any_sign(words: Sequence[WordAnalysis], rules: EmergencyRules) -> bool:
    """The rules or the overdose reader see a sign (weak or cued ones too), whatever the classifier says."""
    return rules.assess(*word_forms(list(words))) is not None or read_poisoning(words, rules.poisoning) is not None


def training_set(corpus: Sequence[CorpusMessage], analyzer: Any, rules: EmergencyRules) -> TrainingSet:
    """The corpus analysed, with what the rules and the reader catch on their own.

    A guidance path's or the dialogue's example that the rules or the reader flag is left out: the
    paths hold some urgent questions ("kaveri ei herää"), which are no evidence of a message being
    safe. Only the paths' questions may be dropped as label noise later; the dialogue's examples
    ("mulla on paha mieli", "en") are the team's own and stay."""
    rows = []
    for message in corpus:
        words = analyzer.analyze_text(message.text)
        caught = any_sign(words, rules)
        if message.category in ASSUMED_SAFE and caught:
            continue
        rows.append((message, words, caught))
    return TrainingSet(texts=[m.text for m, _, _ in rows], analysed=[w for _, w, _ in rows],
                       danger=np.array([m.danger for m, _, _ in rows], dtype=bool),
                       categories=[m.category for m, _, _ in rows],
                       covered=np.array([c for _, _, c in rows], dtype=bool),
                       droppable=np.array([m.category == LIBRARY_KIND for m, _, _ in rows], dtype=bool))


def held_out_verdicts(training: TrainingSet, model: RiskModel,
                      net: SafetyNet) -> Iterator[tuple[int, float, SafetyVerdict]]:
    """Each kept training message's index, held-out score and the whole net's verdict with that score."""
    figures = model.figures
    kept = figures.kept if figures.kept is not None else np.ones(len(training.texts), dtype=bool)
    rows = [i for i in range(len(training.texts)) if kept[i]]
    for i, score in zip(rows, figures.held_out):
        yield i, float(score), net.assess(training.analysed[i], held_out_score=float(score))


def net_figures(training: TrainingSet, model: RiskModel, net: SafetyNet) -> dict[str, dict[str, Counter]]:
    """The whole net on the held-out folds of the corpus: for each danger category and each
    not-danger kind, how many messages got the emergency answer, the safety question or nothing.
    Development figures: the corpus is read by whoever writes and tunes it."""
    out: dict[str, dict[str, Counter]] = {"danger": {}, "safe": {}}
    for i, _, verdict in held_out_verdicts(training, model, net):
        table = out["danger" if training.danger[i] else "safe"]
        table.setdefault(training.categories[i], Counter())[verdict.tier] += 1
    return out
