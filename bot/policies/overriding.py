"""Base of the policies that take a turn over from every other policy: when `takes_over` says so
after a resident's message, the policy predicts its one action with certainty, then listening."""
from __future__ import annotations

from abc import abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker


class OverridingPolicy(Policy):
    """Predicts `action_name` at 1.0 after a message it takes over; its priority decides the rest."""

    action_name: Text = ""
    priority: int = 7  # above RulePolicy (6), below EmergencyPolicy (8), unless a subclass says otherwise

    @classmethod
    def get_default_config(cls) -> Dict[Text, Any]:
        """The policy's priority (`priority`): Rasa asks before it builds the policy."""
        return {"priority": cls.priority}

    @abstractmethod
    def takes_over(self, tracker: DialogueStateTracker, intent: Optional[Text]) -> bool:
        """Whether the latest resident message is this policy's."""

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        """Nothing to learn."""
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[dict] = None, **kwargs: Any) -> PolicyPrediction:
        """1.0 for the action after a message taken over, then 1.0 for listening."""
        probabilities = self._default_predictions(domain)
        latest_action = tracker.latest_action_name
        intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        if latest_action == ACTION_LISTEN_NAME and self.takes_over(tracker, intent):
            probabilities[domain.index_for_action(self.action_name)] = 1.0
        elif latest_action == self.action_name:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(probabilities)
