"""What a resident is told when the service cannot handle a message, and where it is told.

A production set-up has parts that can fail on their own: an actions server, the PostgreSQL
tracker store, the Redis lock store. Rasa's own behaviour then is silence (a failed custom action
is logged and its reply dropped) or, worse, a conversation that forgets (the tracker store falls
back to an empty in-memory tracker). Instead the resident gets one plain Finnish notice that
says what happened, that writing again in a moment helps, and where urgent help is (112,
Päivystysapu 116117). The notice carries `custom.service_fault` so clients and benchmarks can
tell it from an answer.

The Rasa patches that raise or answer these faults are in `bot/rasa_internals.py`; the channels
wrap their message handler with `answering_faults` (the edge where an error becomes a message).
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

FAULT_KEY = "service_fault"          # custom.service_fault = one of the kinds below
ACTIONS_FAULT = "actions"            # the actions server did not answer
MESSAGE_FAULT = "message"            # the message could not be handled (tracker store, lock store, ...)
ACCESS_FAULT = "access"              # the conversation's access could not be checked (database)

URGENT_HELP = ("Hätätilanteessa soita 112. Jos tarvitset kiireellistä neuvoa terveysasiassa, soita "
               "Päivystysapuun 116117.")
NOTICES: Dict[Text, Text] = {
    ACTIONS_FAULT: ("Palvelussa on juuri nyt tekninen häiriö, enkä saanut vastaustani valmiiksi. Keskustelumme on "
                    "tallessa: kirjoita viestisi uudelleen hetken kuluttua. " + URGENT_HELP),
    MESSAGE_FAULT: ("Palvelussa on juuri nyt tekninen häiriö, eikä viestiäsi saatu käsiteltyä. Kirjoita se "
                    "uudelleen hetken kuluttua. " + URGENT_HELP),
    ACCESS_FAULT: ("Palvelussa on juuri nyt tekninen häiriö, eikä viestiäsi voitu ottaa vastaan. Kirjoita se "
                   "uudelleen hetken kuluttua. " + URGENT_HELP),
}


class ServiceFault(RuntimeError):
    """A part of the service could not be reached; `kind` says which notice the resident gets."""

    def __init__(self, kind: Text, detail: Text = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


class TrackerStoreUnavailable(ServiceFault):
    """The tracker store failed twice in a row; the conversation is not handled on a blank tracker."""

    def __init__(self, operation: Text, detail: Text = "") -> None:
        super().__init__(MESSAGE_FAULT, f"tracker store {operation} failed: {detail}")
        self.operation = operation


def fault_message(kind: Text) -> Dict[Text, Any]:
    """The resident's notice for `kind`, as a bot message (text + custom marker)."""
    return {"text": NOTICES.get(kind, NOTICES[MESSAGE_FAULT]), "custom": {FAULT_KEY: kind}}


def is_fault_message(message: Dict[Text, Any]) -> bool:
    """Whether a bot message (REST reply, socket.io payload or event data) is one of these notices."""
    custom = message.get("custom")
    if custom is None:
        custom = (message.get("data") or {}).get("custom")
    return isinstance(custom, dict) and FAULT_KEY in custom


Handler = Callable[[UserMessage], Awaitable[Any]]


def answering_faults(handle: Handler) -> Handler:
    """Wrap a channel's message handler: any failure while handling becomes the resident's notice.

    This is the channel edge, so every error is caught here on purpose: whatever failed (tracker
    store, lock store, a bug), the resident is told instead of left waiting for an answer.
    """
    async def handle_or_tell(message: UserMessage) -> Any:
        try:
            return await handle(message)
        except Exception as error:  # noqa: BLE001 - the edge: every failure becomes the notice
            kind = error.kind if isinstance(error, ServiceFault) else MESSAGE_FAULT
            logger.error("message not handled (%s: %s); the resident was told", error.__class__.__name__, error)
            if message.output_channel is not None:
                try:
                    await message.output_channel.send_response(message.sender_id, fault_message(kind))
                except Exception as send_error:  # noqa: BLE001 - nothing more can be done for this message
                    logger.error("the fault notice could not be sent either: %s", send_error)
            return None
    return handle_or_tell
