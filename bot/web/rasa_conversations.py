"""Client of the Rasa server's HTTP API for the web app: put the identity on a conversation, or take it off."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import aiohttp

from bot.constants import IDENTITY_SLOT
from bot.settings import Secret


class RasaUnavailable(Exception):
    """The Rasa server did not take the events (status or connection error, without any personal data)."""


class RasaConversations:
    """Appends events to conversations through `POST /conversations/{id}/tracker/events`."""

    def __init__(self, url: str, token: Secret | None = None, timeout: float = 15.0) -> None:
        self._url = url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def identify(self, conversation_id: str, identity: dict, notice: str) -> None:
        """Set the identity slot {"code", "name"} and record the bot's notice in the conversation."""
        await self._append(conversation_id, [_slot(identity), _bot(notice)])

    async def forget_identity(self, conversation_id: str, notice: str) -> None:
        """Clear the identity slot (logout) and record the notice."""
        await self._append(conversation_id, [_slot(None), _bot(notice)])

    async def _append(self, conversation_id: str, events: list[dict]) -> None:
        params = {"include_events": "NONE"}
        if self._token is not None:
            params["token"] = self._token.reveal()
        url = f"{self._url}/conversations/{quote(conversation_id, safe='')}/tracker/events"
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as session:
                async with session.post(url, json=events, params=params) as answer:
                    if answer.status != 200:
                        raise RasaUnavailable(f"Rasa answered {answer.status}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RasaUnavailable(type(error).__name__) from error


def _now() -> float:
    return dt.datetime.now(dt.timezone.utc).timestamp()


def _slot(value: dict | None) -> dict:
    return {"event": "slot", "name": IDENTITY_SLOT, "value": value, "timestamp": _now()}


def _bot(text: str) -> dict:
    return {"event": "bot", "text": text, "data": {}, "metadata": {}, "timestamp": _now()}
