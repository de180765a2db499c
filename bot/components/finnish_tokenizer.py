"""Rasa tokenizer for Finnish: Voikko lemmas, compound parts and ä/ö restoration."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT

from bot import rasa_internals
from bot.constants import MAX_MESSAGE_CHARS
from bot.nlu.finnish import FinnishAnalyzer, WordAnalysis, in_sentence, shared_analyzer

COMPOUND_PARTS = "compound_parts"
NORMALIZED = "normalized"
ANALYSIS = "analysis"


def message_words(message: Message, analyzer: FinnishAnalyzer) -> list[WordAnalysis]:
    """The tokenizer's word analyses of a message's text (analysed afresh if it has none)."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    words = [t.get(ANALYSIS) for t in tokens]
    if tokens and all(w is not None for w in words):
        return words
    return analyzer.analyze_text(message.get(TEXT) or "")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FinnishTokenizer(Tokenizer):
    """Splits Finnish text into words whose `lemma` is Voikko's base form.

    Each token also carries `compound_parts` (base forms of a compound's parts) and
    `normalized` (spoken forms expanded, ä/ö restored), which later components read.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Returns the component's default config."""
        return {"intent_tokenization_flag": False, "intent_split_symbol": "_",
                "token_pattern": None, "prefix_separator_symbol": None}

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        """Finnish only."""
        return ["fi"]

    def __init__(self, config: Dict[Text, Any], analyzer: FinnishAnalyzer | None = None) -> None:
        """Creates the tokenizer (with the process's one analyser unless given another)."""
        super().__init__(config)
        self.analyzer = analyzer or shared_analyzer()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "FinnishTokenizer":
        """Creates a new component (see parent class for full docstring); Rasa's patches go in first."""
        rasa_internals.install()
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Tokenizes each message, after cutting its text to the message limit.

        The channels and Rasa's `UserMessage` cut already (bot/rasa_internals.py); this holds for
        any other way a text reaches the pipeline, so every later component works on at most
        MAX_MESSAGE_CHARS characters.
        """
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and len(text) > MAX_MESSAGE_CHARS:
                message.set(TEXT, text[:MAX_MESSAGE_CHARS])
        return super().process(messages)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Tokens of one message attribute, lemmatised."""
        text = message.get(attribute) or ""
        matches = list(self.analyzer.words(text))
        analysed = in_sentence([self.analyzer.analyze(m.group(0)) for m in matches])
        tokens = [Token(match.group(0), match.start(), match.end(), lemma=word.lemma,
                        data={COMPOUND_PARTS: list(word.parts), NORMALIZED: word.normalized, ANALYSIS: word})
                  for match, word in zip(matches, analysed)]
        return self._apply_token_pattern(tokens)

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The analyser's code: when it reads words differently, Rasa retrains what learns from them."""
        import hashlib

        from bot.nlu import finnish

        return hashlib.sha256(Path(finnish.__file__).read_bytes()).hexdigest()[:16]
