"""Dialogue policy that keeps a contact-request form (or a status check) going: while one is in
progress every message goes to `action_contact_request`, which also answers questions asked in the
middle; emergencies still come first (the emergency policy has a higher priority), and a running
self-assessment keeps its messages (it hands over to the form itself when the resident wants contact)."""
from __future__ import annotations

from typing import Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.trackers import DialogueStateTracker

from bot.constants import ACTION_CONTACT_REQUEST, ASSESSMENT_SLOT, CONTACT_FORM_SLOT, EMERGENCY_INTENT
from bot.policies.overriding import OverridingPolicy

FORM_INTENTS = {"request_contact", "contact_answer", "ticket_status"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class ContactPolicy(OverridingPolicy):
    """`action_contact_request` while the `contact_form` slot is set, and for the form's own intents."""

    action_name = ACTION_CONTACT_REQUEST  # priority 7 like the assessment policy: they never both take a turn

    def takes_over(self, tracker: DialogueStateTracker, intent: Optional[Text]) -> bool:
        if intent == EMERGENCY_INTENT or tracker.get_slot(ASSESSMENT_SLOT):
            return False
        return bool(tracker.get_slot(CONTACT_FORM_SLOT)) or intent in FORM_INTENTS
