"""Internal relay routes of the web chat channel, for the professionals' console (the web app).

The resident's socket.io room and the conversation's tracker live in the Rasa server process, so
the console reaches them through these routes under /webhooks/webchat/relay, authenticated by the
shared secret `ASSISTANT_INTERNAL_TOKEN` (header X-Internal-Token, compared in constant time):

* `POST /relay/message` a professional's message (or a guidance path they send): emitted to the
  resident's room marked as from a professional, with their display name, and appended to the
  tracker as a bot utterance so the transcript stays whole;
* `POST /relay/control` take-over, hand-back, loss of the professional (back to the queue) and
  expiry: sets the `handoff` slot (which the handoff policy reads) and tells the resident;
* `POST /relay/typing` the professional holding the conversation is typing: emits the socket event
  `typing` ({"by": "professional", "name": their first name}) to the resident's room and records
  nothing (it is not part of the conversation record);
* `GET /relay/transcript` the conversation's messages for the console;
* `POST /relay/identity` strong identification (the web app's /auth): sets or clears the
  `identity` slot and records the notice, creating the conversation if the resident identified
  before writing anything.

These routes are the web app's only way into the Rasa server: Rasa's own HTTP API is off (or
token-protected) in every mode, so this one token-checked seam is all there is.

Text is passed on as data only; the widget and the console show it with textContent.
"""
from __future__ import annotations

import functools
import logging
import re
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncServer

from bot.constants import HANDOFF_SLOT, IDENTITY_SLOT
from bot.handoff import (EXPIRED_NOTICE, LEAVE_REQUEST_BUTTON, REQUEUED_NOTICE, RETURNED_NOTICE, TAKEN,
                         TAKEN_NOTICE, TOKEN_HEADER, WAITING, HandoffSettings, token_matches)

logger = logging.getLogger(__name__)
CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,120}$")
MAX_TEXT = 4000
MAX_NAME = 200
MAX_IDENTITY_CODE = 20
CONTROL_EVENTS = ("taken", "returned", "requeued", "expired")
TYPING_EVENT = "typing"
MAX_FIRST_NAME = 60


def _problem(status: int, message: str) -> response.HTTPResponse:
    return response.json({"error": message}, status=status, headers={"Cache-Control": "no-store"})


class Invalid(ValueError):
    """A malformed field of a relay request (its name is the message)."""


def _string(body: Dict[Text, Any], name: Text, max_length: int, required: bool = True) -> Optional[Text]:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_length or "\x00" in value:
        raise Invalid(name)
    return value


def _who(event: Dict[Text, Any]) -> Text:
    if event.get("event") == "user":
        return "resident"
    custom = ((event.get("data") or {}).get("custom") or {})
    handoff = custom.get("handoff") if isinstance(custom, dict) else None
    return "professional" if isinstance(handoff, dict) and handoff.get("from") == "professional" else "bot"


def transcript_entries(events: List[Dict[Text, Any]], after: int = 0) -> List[Dict[Text, Any]]:
    """Resident and bot/professional messages, numbered; button clicks shown as the choice made."""
    entries = []
    for index, event in enumerate(e for e in events if e.get("event") in ("user", "bot")):
        if index < after:
            continue
        text = event.get("text") or ""
        data = event.get("data") or {}
        entry: Dict[Text, Any] = {"index": index, "who": _who(event), "at": event.get("timestamp")}
        if event.get("event") == "user" and text.startswith("/"):
            entry["text"] = "(valitsi painikkeen)"
        else:
            entry["text"] = text
        custom = data.get("custom") if isinstance(data, dict) else None
        if isinstance(custom, dict):
            handoff = custom.get("handoff")
            if isinstance(handoff, dict) and handoff.get("name"):
                entry["name"] = str(handoff["name"])
            if custom.get("emergency"):
                entry["emergency"] = True
                if isinstance(custom.get("category"), str):
                    entry["category"] = custom["category"][:60]
        entries.append(entry)
    return entries


class NoConversation(Exception):
    """The conversation named is not in the tracker store."""


def _relay_route(handler: Callable[["RelayRoutes", Request], Awaitable[response.HTTPResponse]]
                 ) -> Callable[["RelayRoutes", Request], Awaitable[response.HTTPResponse]]:
    """Every relay route: the internal token first (401), then the handler; a malformed field is a
    422 naming it, an unknown conversation a 404."""
    @functools.wraps(handler)
    async def guarded(self: "RelayRoutes", request: Request) -> response.HTTPResponse:
        if not token_matches(request.headers.get(TOKEN_HEADER), self.token):
            return _problem(401, "unauthenticated")
        try:
            return await handler(self, request)
        except Invalid as error:
            return _problem(422, f"invalid {error}")
        except NoConversation:
            return _problem(404, "no such conversation")
    return guarded


def _body(request: Request) -> Dict[Text, Any]:
    body = request.json if request.body else None
    if not isinstance(body, dict):
        raise Invalid("body")
    return body


def _conversation_id(value: Any) -> Text:
    if not isinstance(value, str) or not CONVERSATION_ID.match(value):
        raise Invalid("conversation_id")
    return value


def _message_custom(body: Dict[Text, Any], name: Text) -> Dict[Text, Any]:
    """What the widget and the transcript get besides the text: who sent it, links, the path."""
    links = body.get("links") or []
    if not isinstance(links, list) or not all(isinstance(link, dict) for link in links):
        raise Invalid("links")
    custom: Dict[Text, Any] = {"handoff": {"from": "professional", "name": name}}
    if links:
        custom["links"] = [{"name": str(link.get("name") or "")[:200], "url": str(link.get("url") or "")[:500]}
                           for link in links[:20]]
    if body.get("path_id"):
        custom["path_id"] = str(body["path_id"])[:120]
    return custom


def _control_change(event: Text, handoff_id: int, name: Optional[Text]) -> tuple[Any, Text, List[Dict[Text, Text]]]:
    """The `handoff` slot's new value, the resident's notice and its buttons for a control event."""
    if event == "taken":
        return {"id": handoff_id, "status": TAKEN, "name": name}, TAKEN_NOTICE.format(name=name), []
    if event == "requeued":
        return {"id": handoff_id, "status": WAITING}, REQUEUED_NOTICE, []
    if event == "expired":
        return None, EXPIRED_NOTICE, [dict(LEAVE_REQUEST_BUTTON)]
    return None, RETURNED_NOTICE, []


class RelayRoutes:
    """The relay routes of one web chat channel: its socket.io server, its bot event and the token
    (read once, when the channel's blueprint is made)."""

    def __init__(self, sio: AsyncServer, bot_event: Text, settings: Optional[HandoffSettings] = None) -> None:
        self.sio = sio
        self.bot_event = bot_event
        self.token = (settings or HandoffSettings.from_env()).token()

    def mount(self, blueprint: Blueprint) -> None:
        """Add the routes to the channel's blueprint (partials: Sanic marks each handler it routes)."""
        for method, uri, handler in (("POST", "/relay/message", RelayRoutes.relay_message),
                                     ("POST", "/relay/control", RelayRoutes.relay_control),
                                     ("POST", "/relay/identity", RelayRoutes.relay_identity),
                                     ("POST", "/relay/typing", RelayRoutes.relay_typing),
                                     ("GET", "/relay/transcript", RelayRoutes.relay_transcript)):
            route: Any = functools.partial(handler, self)  # a coroutine function, as Sanic wants (typing cannot tell)
            blueprint.add_route(route, uri, methods=[method], name=handler.__name__)

    async def _existing(self, request: Request, value: Any) -> Text:
        conversation_id = _conversation_id(value)
        if not await request.app.ctx.agent.tracker_store.exists(conversation_id):
            raise NoConversation(conversation_id)
        return conversation_id

    async def _append(self, request: Request, conversation_id: Text, events: List[Any],
                      payload: Optional[Dict[Text, Any]]) -> None:
        """Add events to the conversation under its lock, then emit `payload` to the resident's room.

        A conversation made here (the resident identified before writing anything) first gets its session
        start, as Rasa gives one before a new conversation's first message: without the `action_listen`
        that ends it, no rule matches the resident's first message and every intent (a self-assessment, a
        contact request) falls back to guidance. The events are stamped with the time they are added: the
        SQL tracker store reads a session as the events stamped from its start on, so an identity made
        before the session start would fall out of it (the actions would see an anonymous resident)."""
        agent = request.app.ctx.agent
        async with agent.lock_store.lock(conversation_id):
            tracker = await agent.processor.fetch_tracker_with_initial_session(conversation_id,
                                                                               CollectingOutputChannel())
            for event in events:
                event.timestamp = time.time()
                tracker.update(event)
            await agent.processor.save_tracker(tracker)
        if payload is not None:
            await self.sio.emit(self.bot_event, payload, room=conversation_id)

    @_relay_route
    async def relay_message(self, request: Request) -> response.HTTPResponse:
        body = _body(request)
        conversation_id = _conversation_id(body.get("conversation_id"))
        text = _string(body, "text", MAX_TEXT)
        name = _string(body, "name", MAX_NAME)
        custom = _message_custom(body, name or "")
        conversation_id = await self._existing(request, conversation_id)
        await self._append(request, conversation_id, [BotUttered(text, data={"custom": custom})],
                           {"text": text, "custom": custom})
        return response.json({"ok": True})

    @_relay_route
    async def relay_control(self, request: Request) -> response.HTTPResponse:
        body = _body(request)
        conversation_id = _conversation_id(body.get("conversation_id"))
        event = body.get("event")
        if event not in CONTROL_EVENTS:
            raise Invalid("event")
        handoff_id = body.get("handoff_id")
        if not isinstance(handoff_id, int):
            raise Invalid("handoff_id")
        name = _string(body, "name", MAX_NAME, required=event == "taken")
        conversation_id = await self._existing(request, conversation_id)
        slot, text, buttons = _control_change(event, handoff_id, name)
        custom = {"handoff": {"status": event, **({"name": name} if name else {})}}
        data: Dict[Text, Any] = {"custom": custom, **({"buttons": buttons} if buttons else {})}
        await self._append(request, conversation_id, [SlotSet(HANDOFF_SLOT, slot), BotUttered(text, data=data)],
                           {"text": text, "custom": custom, **({"buttons": buttons} if buttons else {})})
        return response.json({"ok": True})

    @_relay_route
    async def relay_typing(self, request: Request) -> response.HTTPResponse:
        """A professional is typing: only a socket event to the resident's room, no tracker events."""
        body = _body(request)
        conversation_id = _conversation_id(body.get("conversation_id"))
        name = (_string(body, "name", MAX_FIRST_NAME) or "").strip()
        conversation_id = await self._existing(request, conversation_id)
        await self.sio.emit(TYPING_EVENT, {"by": "professional", "name": name}, room=conversation_id)
        return response.json({"ok": True})

    @_relay_route
    async def relay_identity(self, request: Request) -> response.HTTPResponse:
        """Set or clear the identity slot (the conversation is made if the resident identified before
        writing anything); the browser reloads the chat and reads the notice from the transcript."""
        body = _body(request)
        conversation_id = _conversation_id(body.get("conversation_id"))
        identity = body.get("identity")
        if identity is not None:
            if not isinstance(identity, dict) or set(identity) - {"code", "name"}:
                raise Invalid("identity")
            identity = {"code": _string(identity, "code", MAX_IDENTITY_CODE),
                        "name": _string(identity, "name", MAX_NAME, required=False)}
        notice = _string(body, "notice", MAX_TEXT)
        await self._append(request, conversation_id, [SlotSet(IDENTITY_SLOT, identity), BotUttered(notice)], None)
        return response.json({"ok": True})

    @_relay_route
    async def relay_transcript(self, request: Request) -> response.HTTPResponse:
        conversation_id = _conversation_id(request.args.get("conversation_id"))
        after = request.args.get("after", "0")
        if not after.isdigit():
            raise Invalid("after")
        conversation_id = await self._existing(request, conversation_id)
        tracker = await request.app.ctx.agent.tracker_store.retrieve_full_tracker(conversation_id)
        events = [e.as_dict() for e in tracker.events if isinstance(e, (UserUttered, BotUttered))] if tracker else []
        return response.json({"entries": transcript_entries(events, int(after))},
                             headers={"Cache-Control": "no-store"})
