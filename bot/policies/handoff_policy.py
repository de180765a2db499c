"""Dialogue policy of the live handoff: while a professional holds the conversation the bot stays
silent (the resident's messages are only stored, and the professional reads them in the console);
while the resident waits in the queue every message goes to `action_handoff_waiting` (place in the
queue, leaving it). Emergencies are still answered at once: the emergency policy ranks higher."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.constants import ACTION_HANDOFF_WAITING, EMERGENCY_INTENT, HANDOFF_SLOT
from bot.handoff import TAKEN, WAITING


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class HandoffPolicy(Policy):
    """Listening (silence) while taken, `action_handoff_waiting` while queued; nothing otherwise."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Priority 7: above RulePolicy (6), below EmergencyPolicy (8). The assessment and contact
        policies have 7 too; Rasa gives a tie to the policy listed first, and bot/config.yml lists
        this one first, so a professional's conversation stays silent even for a form's intents (an
        old button), and a contact request while queued goes through the waiting action, which
        leaves the queue before starting the form."""
        return {"priority": 7}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        """Nothing to learn."""
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[dict] = None, **kwargs: Any) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        state = tracker.get_slot(HANDOFF_SLOT)
        status = state.get("status") if isinstance(state, dict) else None
        latest_action = tracker.latest_action_name
        intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        if latest_action == ACTION_LISTEN_NAME and status is not None and intent != EMERGENCY_INTENT:
            if status == TAKEN:
                probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0  # silent: the human answers
            elif status == WAITING:
                probabilities[domain.index_for_action(ACTION_HANDOFF_WAITING)] = 1.0
        elif latest_action == ACTION_HANDOFF_WAITING:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(probabilities)
