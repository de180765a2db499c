"""Adds `guidance_ranking` (best guidance paths for the message) to every parse.

The index is built from the guidance library files when the server starts and rebuilt in the
background when the files change, so editing the library never needs a retrained model.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import rasa_internals
from bot.compute_threads import one_blas_thread
from bot.components.finnish_tokenizer import message_words
from bot.constants import CONVERSATION_CONTEXT, GUIDANCE_IN_CONTEXT, GUIDANCE_RANKING, OFF_TOPIC, SAFETY
from bot.nlu.finnish import FinnishAnalyzer, shared_analyzer
from bot.nlu.retrieval import GuidanceIndex
from bot.nlu.safety_net import eased
from bot.nlu.subject import SubjectRules, load_subject_rules
from bot.nlu.vectors import DEFAULT_MODEL, shared_vectors
from bot.settings import library_sources
from guidance_library.live import LiveLibrary


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class GuidanceRanker(GraphComponent):
    """Ranks guidance paths for each message; not one intent per path.

    A message about an animal (and no person) gets an empty ranking and `off_topic: animal`. A message
    of a running conversation (the server's `conversation_context` metadata) is also ranked read
    together with the resident's earlier messages (`guidance_in_context`, with every path of the
    conversation's topic listed), for the follow-up resolver (actions/follow_up.py). The safety net's
    unsure verdict on a plainly ordinary question is eased here (bot.nlu.safety_net.eased).
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Returns the component's default config."""
        return {"limit": 10, "check_interval": 1.0, "use_vectors": True, "vectors_model": DEFAULT_MODEL}

    def __init__(self, config: Dict[Text, Any], live: LiveLibrary[GuidanceIndex],
                 subjects: SubjectRules, analyzer: FinnishAnalyzer) -> None:
        """Wraps a live index."""
        self._limit = int(config["limit"])
        self.live = live
        self._subjects = subjects
        self._analyzer = analyzer

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "GuidanceRanker":
        """Builds the index from the library files (Rasa's patches go in first)."""
        rasa_internals.install()
        one_blas_thread()  # a server process: many residents at once, BLAS's spinning helper threads only cost
        analyzer = shared_analyzer()
        vectors = shared_vectors(config["vectors_model"]) if config["use_vectors"] else None
        live = LiveLibrary(library_sources(), lambda library: GuidanceIndex(library, analyzer, vectors),
                           check_interval=float(config["check_interval"]),
                           quick_build=lambda library, previous: GuidanceIndex(library, analyzer, vectors,
                                                                               classifier=previous.classifier,
                                                                               previous=previous))
        return cls(config, live, load_subject_rules(), analyzer)

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the ranking to each message."""
        index = self.live.current()
        for message in messages:
            words = message_words(message, self._analyzer)
            if self._subjects.about_animal(words):
                message.set(GUIDANCE_RANKING, [], add_to_output=True)
                message.set(OFF_TOPIC, "animal", add_to_output=True)
                continue
            ranking = index.rank(words, self._limit)
            message.set(GUIDANCE_RANKING, [r.as_dict() for r in ranking], add_to_output=True)
            verdict = message.get(SAFETY)  # the safety net ran before: a plain question is not asked about
            verdict = eased(verdict, ranking, index.urgent_topics) if isinstance(verdict, dict) else None
            context = self._context(message)
            if context is not None:
                earlier, topic = context
                in_context = index.rank([*earlier, *words], self._limit, topic=topic)
                message.set(GUIDANCE_IN_CONTEXT, [r.as_dict() for r in in_context], add_to_output=True)
                if verdict is not None and topic is not None:  # nor a plain follow-up in its topic
                    verdict = eased(verdict, in_context, index.urgent_topics, topic)
            if verdict is not None:
                message.set(SAFETY, verdict, add_to_output=True)
        return messages

    def _context(self, message: Message) -> tuple[list, str | None] | None:
        """The analysed words of the resident's earlier messages and the conversation's topic, from
        the context the server put on the message (bot/rasa_internals.py); None without one."""
        metadata = message.get("metadata")
        context = metadata.get(CONVERSATION_CONTEXT) if isinstance(metadata, dict) else None
        if not isinstance(context, dict) or not context.get("earlier"):
            return None
        earlier = [w for text in context["earlier"] if isinstance(text, str) for w in self._analyzer.analyze_text(text)]
        topic = context.get("topic")
        return earlier, topic if isinstance(topic, str) else None

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples need no ranking."""
        return training_data
