"""Dialogue policy that answers an emergency at once, at any turn, even inside a form."""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.trackers import DialogueStateTracker

from bot.constants import ACTION_EMERGENCY, EMERGENCY_INTENT
from bot.policies.overriding import OverridingPolicy


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class EmergencyPolicy(OverridingPolicy):
    """Predicts `action_emergency` after an emergency message, outranking every other policy.

    It runs with a higher priority than RulePolicy, so a form or an assessment in progress
    cannot swallow the message.
    """

    action_name = ACTION_EMERGENCY

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Priority 8: above AssessmentPolicy (7) and RulePolicy (6)."""
        return {"priority": 8}

    def takes_over(self, tracker: DialogueStateTracker, intent: Optional[Text]) -> bool:
        return intent == EMERGENCY_INTENT
