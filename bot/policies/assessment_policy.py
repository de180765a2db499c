"""Dialogue policy that keeps a self-assessment going: while one is in progress, every message goes
to `action_assessment` (which also answers questions asked in the middle), except emergencies,
which the emergency policy (higher priority) answers first."""
from __future__ import annotations

from typing import Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.trackers import DialogueStateTracker

from bot.constants import ACTION_ASSESSMENT, ASSESSMENT_SLOT, EMERGENCY_INTENT
from bot.policies.overriding import OverridingPolicy

START_INTENT = "start_assessment"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class AssessmentPolicy(OverridingPolicy):
    """`action_assessment` for every message while the `assessment` slot is set, and for a request to start."""

    action_name = ACTION_ASSESSMENT  # at the base's priority 7: above RulePolicy, below EmergencyPolicy

    def takes_over(self, tracker: DialogueStateTracker, intent: Optional[Text]) -> bool:
        return intent != EMERGENCY_INTENT and (bool(tracker.get_slot(ASSESSMENT_SLOT)) or intent == START_INTENT)
