"""The safety net in the NLU pipeline: every message gets a `safety` verdict, and an emergency
overrides the intent with `emergency` (see bot.nlu.safety_net for the three layers)."""
from __future__ import annotations

import logging
import pickle
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import rasa_internals
from bot.components.finnish_tokenizer import message_words
from bot.constants import EMERGENCY, EMERGENCY_INTENT, SAFETY
from bot.nlu import finnish, poisoning, risk_classifier, safety_net
from bot.nlu.finnish import shared_analyzer
from bot.nlu.risk_classifier import FEATURE_VERSION, RiskFeaturizer, RiskModel, train_risk_model
from bot.nlu.safety_net import EMERGENCY_TIER, SafetyNet, training_set
from bot.nlu.vectors import DEFAULT_MODEL, shared_vectors
from guidance_library import emergency as emergency_module
from guidance_library import risk_corpus
from guidance_library.emergency import load_emergency_rules
from guidance_library.risk_corpus import UNNAMED_DANGER, CorpusSources, load_corpus

logger = logging.getLogger(__name__)
MODEL_FILE = "risk_classifier.pkl"
TRAINING_CODE = (risk_classifier, safety_net, poisoning, finnish, risk_corpus, emergency_module)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmergencyDetector(GraphComponent):
    """Rules, the poisoning reader and the learned risk classifier; an emergency always wins over DIET.

    The rules and the reader are read from guidance_library/emergency.yml when the server starts;
    the classifier is trained by `rasa train` on guidance_library/risk_corpus (retrained when the
    corpus changes: see `fingerprint_addon`).
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Recall target of the `uncertain` limit, false-alarm share of the `sure` limit, and more."""
        return {"recall": 0.995, "sure_false_alarm": 0.003, "C": 16.0, "backing": 0.5,
                "use_vectors": True, "vectors_model": DEFAULT_MODEL}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: RiskModel | None = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._analyzer = shared_analyzer()
        vectors = shared_vectors(config["vectors_model"]) if config["use_vectors"] else None
        self._featurizer = RiskFeaturizer(vectors)
        if model is not None and model.signature != self._featurizer.signature():
            logger.error("The risk classifier was trained on other features (%s, now %s): retrain with "
                         "scripts/train. The rules and the reader answer alone until then.",
                         model.signature, self._featurizer.signature())
            model = None
        self.net = SafetyNet(load_emergency_rules(), model, self._featurizer, float(config["backing"]))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EmergencyDetector":
        """An untrained detector (rules and reader only until `train`); Rasa's patches go in first."""
        rasa_internals.install()
        return cls(config, model_storage, resource)

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The corpus, the code that turns it into a classifier, the features' version and sklearn's:
        Rasa retrains the classifier when any of them changes (and reuses it otherwise)."""
        import hashlib

        import sklearn

        code = hashlib.sha256()
        for module in TRAINING_CODE:
            code.update(Path(module.__file__).read_bytes())
        return (f"{CorpusSources().fingerprint()}-{code.hexdigest()[:16]}-features{FEATURE_VERSION}"
                f"-sklearn{sklearn.__version__}")

    def train(self, training_data: TrainingData) -> Resource:
        """Train the risk classifier on the corpus (not on Rasa's NLU data) and persist it."""
        training = training_set(load_corpus(), self._analyzer, self.net.rules)
        model = train_risk_model(training, self._featurizer, recall=float(self._config["recall"]),
                                 sure_false_alarm=float(self._config["sure_false_alarm"]),
                                 C=float(self._config["C"]), unnamed=[UNNAMED_DANGER])
        logger.info("Risk classifier: limits %s; held-out recall %.3f, false alarms %.3f",
                    model.thresholds, model.figures.recall_uncertain, model.figures.false_alarm_uncertain)
        with self._storage.write_to(self._resource) as directory:
            model.save(directory / MODEL_FILE)
        self.net.model = model
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "EmergencyDetector":
        """The trained classifier from the model archive; Rasa's patches go in first."""
        rasa_internals.install()
        try:
            with model_storage.read_from(resource) as directory:
                model = RiskModel.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError, EOFError, pickle.UnpicklingError, AttributeError, ImportError) as err:
            # The rules and the reader still answer; a model without its classifier must be retrained.
            logger.error("The risk classifier could not be loaded (%s): retrain with scripts/train.", err)
            model = None
        return cls(config, model_storage, resource, model)

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets `safety` on every message; on an emergency also intent `emergency` and its category."""
        for message in messages:
            verdict = self.net.assess(message_words(message, self._analyzer))
            message.set(SAFETY, verdict.as_dict(), add_to_output=True)
            if verdict.tier != EMERGENCY_TIER:
                continue
            intent = {"name": EMERGENCY_INTENT, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY_INTENT]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
            message.set(EMERGENCY, {"category": verdict.category}, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to do for Rasa's own training data."""
        return training_data
