"""Overrides the intent with `emergency` when a message shows emergency signs."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.constants import EMERGENCY, EMERGENCY_INTENT, EMERGENCY_SCORE, GENERAL_CATEGORY
from bot.nlu.emergency import detect_emergency
from bot.nlu.finnish import FinnishAnalyzer
from guidance_library.emergency import EmergencyRules, load_emergency_rules


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyDetector(GraphComponent):
    """Emergency signs always win over whatever else DIET predicted.

    Two detectors, either is enough: the rules of emergency.yml (they also name the
    category), and DIET's own `emergency` intent (trained on data/nlu_emergency.yml) when its
    confidence reaches `learned_threshold` (answered with the general emergency guidance).
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Returns the component's default config."""
        return {"learned_threshold": 0.6}

    def __init__(self, rules: EmergencyRules, analyzer: FinnishAnalyzer, learned_threshold: float = 0.6) -> None:
        """Holds the compiled emergency rules."""
        self._rules = rules
        self._analyzer = analyzer
        self._learned_threshold = learned_threshold

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EmergencyDetector":
        """Loads guidance_library/emergency.yml."""
        return cls(load_emergency_rules(), FinnishAnalyzer(), float(config["learned_threshold"]))

    def _learned_confidence(self, message: Message) -> float:
        ranking = message.get(INTENT_RANKING_KEY) or []
        return max((float(r.get("confidence") or 0.0) for r in ranking if r.get("name") == EMERGENCY_INTENT),
                   default=0.0)

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets intent `emergency` (confidence 1) and `emergency.category` on a match."""
        for message in messages:
            category = detect_emergency(message.get(TEXT) or "", self._analyzer, self._rules)
            learned = round(self._learned_confidence(message), 4)
            message.set(EMERGENCY_SCORE, learned, add_to_output=True)
            if category is not None:
                found = {"category": category.name, "detected_by": "rules"}
            elif learned >= self._learned_threshold:
                found = {"category": GENERAL_CATEGORY, "detected_by": "model"}
            else:
                if (message.get(INTENT) or {}).get("name") == EMERGENCY_INTENT:
                    # a weak learned guess is not enough for the override: let guidance decide
                    message.set(INTENT, {"name": "nlu_fallback", "confidence": 1.0}, add_to_output=True)
                continue
            intent = {"name": EMERGENCY_INTENT, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY_INTENT]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
            message.set(EMERGENCY, found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to do at training time."""
        return training_data
