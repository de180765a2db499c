"""Rasa's REST channel, with the same rule as the web chat: a conversation bound to a strongly
identified session is used only with that session's token (`Authorization: Bearer <token>`).

Anonymous conversations work exactly as with the stock channel (the end-to-end tests and the
benchmarks use it); a request to an identified conversation without the right token gets 403 and
a log line for operators, so knowing a conversation's id is not enough to read or write it.

The message is cut to `MAX_MESSAGE_CHARS` (2,000) characters, like the web chat's.

Faults (`bot/service_faults.py`): a message that cannot be handled (tracker store, lock store,
actions server down) is answered with the Finnish fault notice in the usual reply format; when
not even the conversation's access could be checked (database down) the reply is that notice with
status 503.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import Forbidden, InvalidUsage
from sanic.request import Request

from bot.channels.identified_access import IdentifiedAccess
from bot.constants import MAX_MESSAGE_CHARS
from bot import rasa_internals
from bot.metrics import timed_turns
from bot.service_faults import ServiceFault, answering_faults, fault_message

MAX_SENDER_CHARS = 128  # conversation ids are 32 hex characters; any client's own id fits


class GuardedRestInput(RestInput):
    """POST /webhooks/rest/webhook {"sender", "message"}; identified conversations need their token."""

    def __init__(self, access: IdentifiedAccess | None = None) -> None:
        self._access = access or IdentifiedAccess.from_env()

    @classmethod
    def from_credentials(cls, credentials: Optional[dict]) -> "GuardedRestInput":
        """The channel, made by `rasa run` before the agent exists: Rasa's patches go in first."""
        rasa_internals.install()
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST blueprint, with failures answered by the resident's fault notice."""
        blueprint = super().blueprint(timed_turns(answering_faults(on_new_message), "rest"))

        @blueprint.exception(ServiceFault)
        async def service_fault(request: Request, fault: ServiceFault) -> response.HTTPResponse:
            body = request.json if request.body else None
            sender = body.get("sender") if isinstance(body, dict) else None
            return response.json([{"recipient_id": sender, **fault_message(fault.kind)}], status=503)

        return blueprint

    def _extract_message(self, req: Request) -> Optional[Text]:
        """The resident's text, cut to the one message limit before anything reads it."""
        text = super()._extract_message(req)
        return text[:MAX_MESSAGE_CHARS] if isinstance(text, str) else text

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        body = req.json  # Sanic: None for an empty body, 400 for one that is not JSON
        if not isinstance(body, dict) or not isinstance(body.get("message", ""), str) \
                or not isinstance(body.get("sender", ""), str) or len(body.get("sender") or "") > MAX_SENDER_CHARS:
            raise InvalidUsage('Send a JSON object {"sender": "<id>", "message": "<text>"}.')
        sender = await super()._extract_sender(req)
        if sender is None:
            return None
        scheme, _, token = (req.headers.get("authorization") or "").partition(" ")
        verdict = await self._access.check(str(sender), token.strip() if scheme.lower() == "bearer" else None)
        if verdict.refused:
            IdentifiedAccess.log_refusal("rest", str(sender), verdict)
            raise Forbidden("This conversation belongs to an identified session.")
        return sender
