"""Rasa's REST channel, with the same rule as the web chat: a conversation bound to a strongly
identified session is used only with that session's token (`Authorization: Bearer <token>`).

Anonymous conversations work exactly as with the stock channel (the end-to-end tests and the
benchmarks use it); a request to an identified conversation without the right token gets 403 and
a log line for operators, so knowing a conversation's id is not enough to read or write it.
"""
from __future__ import annotations

from typing import Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.exceptions import Forbidden
from sanic.request import Request

from bot.channels.identified_access import IdentifiedAccess


class GuardedRestInput(RestInput):
    """POST /webhooks/rest/webhook {"sender", "message"}; identified conversations need their token."""

    def __init__(self, access: IdentifiedAccess | None = None) -> None:
        self._access = access or IdentifiedAccess.from_env()

    @classmethod
    def from_credentials(cls, credentials: Optional[dict]) -> "GuardedRestInput":
        return cls()

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = await super()._extract_sender(req)
        if sender is None:
            return None
        scheme, _, token = (req.headers.get("authorization") or "").partition(" ")
        verdict = await self._access.check(str(sender), token.strip() if scheme.lower() == "bearer" else None)
        if verdict.refused:
            IdentifiedAccess.log_refusal("rest", str(sender), verdict)
            raise Forbidden("This conversation belongs to an identified session.")
        return sender
