"""What every resident message becomes before Rasa reads it (bot/rasa_internals.py)."""
from __future__ import annotations

from rasa.core.channels.channel import UserMessage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.finnish_tokenizer import FinnishTokenizer
from bot.constants import MAX_MESSAGE_CHARS
from bot.rasa_internals import install


def test_a_message_is_cut_to_the_limit_before_its_bidi_controls_are_removed():
    install()
    message = UserMessage("otin äsken 25 buranaa \u202e" + "x" * 1_000_000)
    assert len(message.text) <= MAX_MESSAGE_CHARS
    assert message.text.startswith("otin äsken 25 buranaa ") and "\u202e" not in message.text
    # cut first: the control at the limit goes, and nothing from beyond the limit moves in
    at_the_limit = UserMessage("a" * (MAX_MESSAGE_CHARS - 1) + "\u202e" + "b" * 10)
    assert at_the_limit.text == "a" * (MAX_MESSAGE_CHARS - 1)
    assert UserMessage(None).text is None and UserMessage("/safety_ok").text == "/safety_ok"


def test_the_tokenizer_cuts_a_text_that_came_in_some_other_way():
    message = Message({TEXT: "kipu " * 10_000})
    FinnishTokenizer(FinnishTokenizer.get_default_config()).process([message])
    assert len(message.get(TEXT)) == MAX_MESSAGE_CHARS
    assert len(message.get("text_tokens")) <= MAX_MESSAGE_CHARS // 2


def test_a_name_from_the_identity_provider_loses_its_bidi_controls():
    from types import SimpleNamespace

    from bot.web.saml_sp import _person
    from bot.web.suomi_fi import GIVEN_NAME, NATIONAL_ID, SURNAME

    def attribute(name: str, value: str) -> SimpleNamespace:
        return SimpleNamespace(name=name, attribute_value=[SimpleNamespace(text=value)])

    assertion = SimpleNamespace(attribute_statement=[SimpleNamespace(attribute=[
        attribute(NATIONAL_ID, "131052-308T"), attribute(GIVEN_NAME, "Aino\u202e"), attribute(SURNAME, "\u2066Testinen")])])
    assert _person(assertion, test_codes=False) == ("131052-308T", "Aino Testinen")
