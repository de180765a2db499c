"""Dense features from the spaCy Finnish model's word vectors, aligned with our tokens."""
from __future__ import annotations

from typing import Any, Dict, List, Text, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import MEAN_POOLING, POOLING

from bot import rasa_internals
from bot.nlu.vectors import DEFAULT_MODEL, shared_vectors


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class FinnishVectorFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the spaCy Finnish model's vector of each token's lemma as dense features."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Needs tokens first."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Returns the component's default config."""
        return {**DenseFeaturizer.get_default_config(), POOLING: MEAN_POOLING, "model": DEFAULT_MODEL}

    def __init__(self, config: Dict[Text, Any], execution_context: ExecutionContext) -> None:
        """Uses the process's one vector table of the model (loaded by the first user)."""
        super().__init__(execution_context.node_name, config)
        self.vectors = shared_vectors(self._config["model"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "FinnishVectorFeaturizer":
        """Creates a new component (see parent class for full docstring); Rasa's patches go in first."""
        rasa_internals.install()
        return cls(config, execution_context)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Nothing to validate."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurizes messages in place."""
        for message in messages:
            for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
                self._featurize(message, attribute)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes training examples in place."""
        self.process(training_data.training_examples)
        return training_data

    def _featurize(self, message: Message, attribute: Text) -> None:
        tokens = message.get(TOKENS_NAMES[attribute])
        if not tokens:
            return
        sequence = self.vectors.words([t.lemma or t.text.lower() for t in tokens])
        norms = np.linalg.norm(sequence, axis=1, keepdims=True)
        sequence = sequence / np.where(norms == 0, 1, norms)
        sentence = self.aggregate_sequence_features(sequence, self._config[POOLING])
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, attribute, alias))
        message.add_features(Features(sentence, FEATURE_TYPE_SENTENCE, attribute, alias))
