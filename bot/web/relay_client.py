"""Client of the Rasa server's relay routes (`bot/channels/relay.py`): the web app's one way into
the Rasa server. The console reaches the resident's widget and the conversation's transcript
through it, and identification puts the identity on a conversation or takes it off."""
from __future__ import annotations

from typing import Any, Protocol, Sequence

import aiohttp

from bot.handoff import RELAY_PREFIX, TOKEN_HEADER

TIMEOUT = aiohttp.ClientTimeout(total=10)


class RelayUnavailable(RuntimeError):
    """The Rasa server could not be reached, or refused the relay call."""


class Relay(Protocol):
    """What the console needs from the Rasa server (tests pass a fake)."""

    async def message(self, conversation_id: str, text: str, name: str, links: Sequence[dict] = (),
                      path_id: str | None = None) -> None: ...

    async def control(self, conversation_id: str, event: str, handoff_id: int, name: str | None = None) -> None: ...

    async def transcript(self, conversation_id: str, after: int = 0) -> list[dict[str, Any]]: ...

    async def typing(self, conversation_id: str, name: str) -> None: ...


class RelayClient:
    """HTTP client of the relay routes, authenticated with the internal token."""

    def __init__(self, rasa_url: str, token: str) -> None:
        self._base = rasa_url.rstrip("/") + RELAY_PREFIX
        self._headers = {TOKEN_HEADER: token}

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with aiohttp.ClientSession(timeout=TIMEOUT, headers=self._headers) as session, \
                    session.request(method, self._base + path, **kwargs) as answer:
                if answer.status != 200:
                    raise RelayUnavailable(f"relay {path}: HTTP {answer.status}")
                return await answer.json()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RelayUnavailable(f"relay {path}: {error.__class__.__name__}") from error

    async def message(self, conversation_id: str, text: str, name: str, links: Sequence[dict] = (),
                      path_id: str | None = None) -> None:
        body: dict[str, Any] = {"conversation_id": conversation_id, "text": text, "name": name}
        if links:
            body["links"] = list(links)
        if path_id:
            body["path_id"] = path_id
        await self._call("POST", "/message", json=body)

    async def control(self, conversation_id: str, event: str, handoff_id: int, name: str | None = None) -> None:
        body: dict[str, Any] = {"conversation_id": conversation_id, "event": event, "handoff_id": handoff_id}
        if name:
            body["name"] = name
        await self._call("POST", "/control", json=body)

    async def typing(self, conversation_id: str, name: str) -> None:
        """Tell the resident's page that the professional (`name`: their first name) is typing."""
        await self._call("POST", "/typing", json={"conversation_id": conversation_id, "name": name})

    async def transcript(self, conversation_id: str, after: int = 0) -> list[dict[str, Any]]:
        answer = await self._call("GET", "/transcript", params={"conversation_id": conversation_id,
                                                               "after": str(after)})
        return list(answer.get("entries") or [])

    async def identify(self, conversation_id: str, identity: dict, notice: str) -> None:
        """Set the identity slot {"code", "name"} and record the bot's notice in the conversation."""
        await self._call("POST", "/identity", json={"conversation_id": conversation_id, "identity": identity,
                                                    "notice": notice})

    async def forget_identity(self, conversation_id: str, notice: str) -> None:
        """Clear the identity slot (logout) and record the notice."""
        await self._call("POST", "/identity", json={"conversation_id": conversation_id, "identity": None,
                                                    "notice": notice})
