"""The safety net: three layers, any one of which gives the emergency answer.

1. The rules (`guidance_library/emergency.yml`): emergency signs on Voikko base forms.
2. The overdose and poisoning reader (`bot.nlu.poisoning`): an amount of a medicine taken.
3. The learned risk classifier (`bot.nlu.risk_classifier`): danger probability of the message.

The verdict has three tiers:
  - `emergency`: any layer is sure: the category's 112 / crisis answer at once;
  - `uncertain`: the classifier's score is between its limits, or the rules matched with a past or
    informational cue ("viime vuonna", "tietoa") and no other layer is sure: the resident is asked
    at once "Oletko sinä tai joku muu nyt vaarassa?" (with 112 in the question). A cue never
    switches the rules off. With a present cue too ("isä sai aivohalvauksen vuosi sitten, nyt
    haetaan tukea") the rules give the emergency answer when the classifier sees any danger
    (score at or above `uncertain`), and the safety question otherwise;
  - `none`.
`signal` is true for any trace of risk (score above a low floor or any rule match): such a message
never gets the out-of-scope or not-found answer (actions.guidance asks the safety question instead).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from bot.nlu.emergency import word_forms
from bot.nlu.finnish import WordAnalysis
from bot.nlu.poisoning import POISONING, POISONING_URGENT, read_poisoning
from bot.nlu.risk_classifier import RiskFeaturizer, RiskModel
from guidance_library.emergency import EmergencyRules

EMERGENCY_TIER = "emergency"
UNCERTAIN_TIER = "uncertain"
NO_RISK = "none"
GENERAL = "general"


@dataclass(frozen=True)
class SafetyVerdict:
    """What the safety net makes of one message."""

    tier: str
    category: str                 # the answer category (emergency.yml); general when not known
    layers: tuple[str, ...] = ()  # rules, poisoning, classifier: the layers that found danger
    score: float | None = None    # the classifier's danger probability (None without a classifier)
    signal: bool = False          # any trace of risk: never an out-of-scope or not-found answer
    cued: bool = False            # the rules matched with a past or informational cue

    def as_dict(self) -> dict[str, Any]:
        """The parse-data form (`safety` key of /model/parse)."""
        return {"tier": self.tier, "category": self.category, "layers": list(self.layers),
                "score": None if self.score is None else round(self.score, 4), "signal": self.signal,
                "cued": self.cued}


class SafetyNet:
    """Combines the layers; `model` may be None (rules and reader only, e.g. before training)."""

    def __init__(self, rules: EmergencyRules, model: RiskModel | None = None,
                 featurizer: RiskFeaturizer | None = None, signal_ratio: float = 0.5) -> None:
        self.rules = rules
        self.model = model
        self.featurizer = featurizer
        self.signal_ratio = signal_ratio

    def score(self, words: Sequence[WordAnalysis]) -> tuple[float | None, str | None]:
        """The classifier's danger probability and category guess (None, None without a model)."""
        if self.model is None or self.featurizer is None or not words:
            return None, None
        row = self.featurizer.transform([words])
        return float(self.model.scores(row)[0]), self.model.categories(row)[0]

    def assess(self, words: Sequence[WordAnalysis]) -> SafetyVerdict:
        """The verdict for a message's analysed words."""
        forms = word_forms(list(words))
        if self.rules.about_animal(*forms):
            return SafetyVerdict(NO_RISK, GENERAL)
        rule = self.rules.assess(*forms)
        reading = read_poisoning(words, self.rules.poisoning)
        score, guess = self.score(words)
        thresholds = self.model.thresholds if self.model is not None else None
        layers: list[str] = []
        category: str | None = None
        sure = score is not None and thresholds is not None and score >= thresholds.sure
        unsure = score is not None and thresholds is not None and thresholds.uncertain <= score < thresholds.sure
        if rule is not None and (not rule.cued or (rule.present and (sure or unsure))):
            layers.append("rules")  # no cue; or past and present cues both, and the classifier sees danger
            category = rule.category.name
        if reading is not None:
            layers.append("poisoning")
            if category is None or category == POISONING or reading.category == POISONING_URGENT \
                    and category in (POISONING, GENERAL):
                category = reading.category
        if sure:
            layers.append("classifier")
            if category is None and rule is not None:
                category = rule.category.name  # the classifier is sure; the rules name the kind
        if category is None and sure:
            found = self.rules.for_corpus_category(guess)
            category = found.name if found else GENERAL
        cued = rule is not None and rule.cued
        if layers:
            return SafetyVerdict(EMERGENCY_TIER, category or GENERAL, tuple(layers), score, True, cued)
        floor = thresholds.uncertain * self.signal_ratio if thresholds is not None else 1.0
        signal = rule is not None or (score is not None and score >= floor)
        if unsure or rule is not None:
            if rule is not None:
                category = rule.category.name
            else:
                found = self.rules.for_corpus_category(guess)
                category = found.name if found else GENERAL
            return SafetyVerdict(UNCERTAIN_TIER, category, ("classifier",) if unsure else ("rules",), score, True, cued)
        return SafetyVerdict(NO_RISK, GENERAL, (), score, signal)
