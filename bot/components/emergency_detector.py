"""Overrides the intent with `emergency` when a message shows emergency signs."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.constants import EMERGENCY, EMERGENCY_INTENT
from bot.components.finnish_tokenizer import message_words
from bot.nlu.emergency import detect_emergency_in_words
from bot.nlu.finnish import FinnishAnalyzer
from guidance_library.emergency import EmergencyRules, load_emergency_rules


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyDetector(GraphComponent):
    """Rule-based (guidance_library/emergency.yml): an emergency sign always wins over DIET.

    Rules, not a learned guess: every decision can be traced to a pattern, editors can add
    the phrasings it missed, and a retrained model cannot silently lose one.
    """

    def __init__(self, rules: EmergencyRules, analyzer: FinnishAnalyzer) -> None:
        """Holds the compiled emergency rules."""
        self._rules = rules
        self._analyzer = analyzer

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EmergencyDetector":
        """Loads guidance_library/emergency.yml."""
        return cls(load_emergency_rules(), FinnishAnalyzer())

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets intent `emergency` (confidence 1) and `emergency.category` on a match."""
        for message in messages:
            category = detect_emergency_in_words(message_words(message, self._analyzer), self._rules)
            if category is None:
                continue
            intent = {"name": EMERGENCY_INTENT, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY_INTENT]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
            message.set(EMERGENCY, {"category": category.name}, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to do at training time."""
        return training_data
