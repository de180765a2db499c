"""Dialogue policy that keeps a self-assessment going: while one is in progress, every message goes
to `action_assessment` (which also answers questions asked in the middle), except emergencies,
which the emergency policy (higher priority) answers first."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.constants import ACTION_ASSESSMENT, ASSESSMENT_SLOT, EMERGENCY_INTENT

START_INTENT = "start_assessment"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class AssessmentPolicy(Policy):
    """`action_assessment` for every message while the `assessment` slot is set, and for a request to start."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Priority 7: above RulePolicy (6), below EmergencyPolicy (8)."""
        return {"priority": 7}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        """Nothing to learn."""
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        latest_action = tracker.latest_action_name
        intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        active = bool(tracker.get_slot(ASSESSMENT_SLOT))
        if latest_action == ACTION_LISTEN_NAME and intent != EMERGENCY_INTENT and (active or intent == START_INTENT):
            probabilities[domain.index_for_action(ACTION_ASSESSMENT)] = 1.0
        elif latest_action == ACTION_ASSESSMENT:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(probabilities)
