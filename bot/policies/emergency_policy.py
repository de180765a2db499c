"""Dialogue policy that answers an emergency at once, at any turn, even inside a form."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.constants import ACTION_EMERGENCY, EMERGENCY_INTENT


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class EmergencyPolicy(Policy):
    """Predicts `action_emergency` after an emergency message, outranking every other policy.

    It runs with a higher priority than RulePolicy, so a form or an assessment in progress
    cannot swallow the message.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Priority 8: above AssessmentPolicy (7) and RulePolicy (6)."""
        return {"priority": 8}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        """Nothing to learn."""
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        """1.0 for action_emergency after an emergency message, then 1.0 for listening."""
        probabilities = self._default_predictions(domain)
        latest_action = tracker.latest_action_name
        intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        if latest_action == ACTION_LISTEN_NAME and intent == EMERGENCY_INTENT:
            probabilities[domain.index_for_action(ACTION_EMERGENCY)] = 1.0
        elif latest_action == ACTION_EMERGENCY:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(probabilities)
