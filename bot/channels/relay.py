"""Internal relay routes of the web chat channel, for the professionals' console (the web app).

The resident's socket.io room and the conversation's tracker live in the Rasa server process, so
the console reaches them through these routes under /webhooks/webchat/relay, authenticated by the
shared secret `ASSISTANT_INTERNAL_TOKEN` (header X-Internal-Token, compared in constant time):

* `POST /relay/message` a professional's message (or a guidance path they send): emitted to the
  resident's room marked as from a professional, with their display name, and appended to the
  tracker as a bot utterance so the transcript stays whole;
* `POST /relay/control` take-over, hand-back, loss of the professional (back to the queue) and
  expiry: sets the `handoff` slot (which the handoff policy reads) and tells the resident;
* `GET /relay/transcript` the conversation's messages for the console;
* `POST /relay/identity` strong identification (the web app's /auth): sets or clears the
  `identity` slot and records the notice, creating the conversation if the resident identified
  before writing anything.

These routes are the web app's only way into the Rasa server: Rasa's own HTTP API is off (or
token-protected) in every mode, so this one token-checked seam is all there is.

Text is passed on as data only; the widget and the console show it with textContent.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

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


def _problem(status: int, message: str) -> response.HTTPResponse:
    return response.json({"error": message}, status=status, headers={"Cache-Control": "no-store"})


def _string(body: Dict[Text, Any], name: Text, max_length: int, required: bool = True) -> Optional[Text]:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_length or "\x00" in value:
        raise ValueError(name)
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


def add_relay_routes(blueprint: Blueprint, sio: AsyncServer, bot_event: Text,
                     settings: Optional[HandoffSettings] = None) -> None:
    """Mount the relay routes on the channel's blueprint (the token is read once, here)."""
    expected = (settings or HandoffSettings.from_env()).token()

    def refused(request: Request) -> Optional[response.HTTPResponse]:
        if not token_matches(request.headers.get(TOKEN_HEADER), expected):
            return _problem(401, "unauthenticated")
        return None

    async def conversation(request: Request, body: Dict[Text, Any]) -> Any:
        conversation_id = body.get("conversation_id")
        if not isinstance(conversation_id, str) or not CONVERSATION_ID.match(conversation_id):
            raise ValueError("conversation_id")
        agent = request.app.ctx.agent
        if not await agent.tracker_store.exists(conversation_id):
            return None
        return conversation_id

    async def append(request: Request, conversation_id: Text, events: List[Any],
                     payload: Optional[Dict[Text, Any]]) -> None:
        agent = request.app.ctx.agent
        async with agent.lock_store.lock(conversation_id):
            tracker = await agent.processor.get_tracker(conversation_id)
            for event in events:
                tracker.update(event)
            await agent.processor.save_tracker(tracker)
        if payload is not None:
            await sio.emit(bot_event, payload, room=conversation_id)

    def body_of(request: Request) -> Dict[Text, Any]:
        body = request.json if request.body else None
        if not isinstance(body, dict):
            raise ValueError("body")
        return body

    @blueprint.post("/relay/message")
    async def relay_message(request: Request) -> response.HTTPResponse:
        problem = refused(request)
        if problem:
            return problem
        try:
            body = body_of(request)
            conversation_id = await conversation(request, body)
            text = _string(body, "text", MAX_TEXT)
            name = _string(body, "name", MAX_NAME)
            links = body.get("links") or []
            if not isinstance(links, list) or not all(isinstance(link, dict) for link in links):
                raise ValueError("links")
        except ValueError as error:
            return _problem(422, f"invalid {error}")
        if conversation_id is None:
            return _problem(404, "no such conversation")
        custom: Dict[Text, Any] = {"handoff": {"from": "professional", "name": name}}
        if links:
            custom["links"] = [{"name": str(link.get("name") or "")[:200], "url": str(link.get("url") or "")[:500]}
                               for link in links[:20]]
        if body.get("path_id"):
            custom["path_id"] = str(body["path_id"])[:120]
        await append(request, conversation_id, [BotUttered(text, data={"custom": custom})],
                     {"text": text, "custom": custom})
        return response.json({"ok": True})

    @blueprint.post("/relay/control")
    async def relay_control(request: Request) -> response.HTTPResponse:
        problem = refused(request)
        if problem:
            return problem
        try:
            body = body_of(request)
            conversation_id = await conversation(request, body)
            event = body.get("event")
            if event not in CONTROL_EVENTS:
                raise ValueError("event")
            handoff_id = body.get("handoff_id")
            if not isinstance(handoff_id, int):
                raise ValueError("handoff_id")
            name = _string(body, "name", MAX_NAME, required=event == "taken")
        except ValueError as error:
            return _problem(422, f"invalid {error}")
        if conversation_id is None:
            return _problem(404, "no such conversation")
        buttons: List[Dict[Text, Text]] = []
        if event == "taken":
            slot: Any = {"id": handoff_id, "status": TAKEN, "name": name}
            text = TAKEN_NOTICE.format(name=name)
        elif event == "requeued":
            slot, text = {"id": handoff_id, "status": WAITING}, REQUEUED_NOTICE
        elif event == "expired":
            slot, text, buttons = None, EXPIRED_NOTICE, [dict(LEAVE_REQUEST_BUTTON)]
        else:
            slot, text = None, RETURNED_NOTICE
        custom = {"handoff": {"status": event, **({"name": name} if name else {})}}
        data: Dict[Text, Any] = {"custom": custom, **({"buttons": buttons} if buttons else {})}
        await append(request, conversation_id, [SlotSet(HANDOFF_SLOT, slot), BotUttered(text, data=data)],
                     {"text": text, "custom": custom, **({"buttons": buttons} if buttons else {})})
        return response.json({"ok": True})

    @blueprint.post("/relay/identity")
    async def relay_identity(request: Request) -> response.HTTPResponse:
        problem = refused(request)
        if problem:
            return problem
        try:
            body = body_of(request)
            conversation_id = body.get("conversation_id")
            if not isinstance(conversation_id, str) or not CONVERSATION_ID.match(conversation_id):
                raise ValueError("conversation_id")
            identity = body.get("identity")
            if identity is not None:
                if not isinstance(identity, dict) or set(identity) - {"code", "name"}:
                    raise ValueError("identity")
                identity = {"code": _string(identity, "code", MAX_IDENTITY_CODE),
                            "name": _string(identity, "name", MAX_NAME, required=False)}
            notice = _string(body, "notice", MAX_TEXT)
        except ValueError as error:
            return _problem(422, f"invalid {error}")
        # The browser reloads the chat after identification and reads the notice from the transcript.
        await append(request, conversation_id, [SlotSet(IDENTITY_SLOT, identity), BotUttered(notice)], None)
        return response.json({"ok": True})

    @blueprint.get("/relay/transcript")
    async def relay_transcript(request: Request) -> response.HTTPResponse:
        problem = refused(request)
        if problem:
            return problem
        try:
            conversation_id = await conversation(request, {"conversation_id": request.args.get("conversation_id")})
            after = request.args.get("after", "0")
            if not after.isdigit():
                raise ValueError("after")
        except ValueError as error:
            return _problem(422, f"invalid {error}")
        if conversation_id is None:
            return _problem(404, "no such conversation")
        tracker = await request.app.ctx.agent.tracker_store.retrieve_full_tracker(conversation_id)
        events = [e.as_dict() for e in tracker.events if isinstance(e, (UserUttered, BotUttered))] if tracker else []
        return response.json({"entries": transcript_entries(events, int(after))},
                             headers={"Cache-Control": "no-store"})
