"""The resident web chat's socket.io channel.

Differs from Rasa's stock socket.io channel in what matters to our widget: conversation ids
are made by the server (unguessable, 128 bits) and only reused when the browser shows one it
was given; every bot message goes out as ONE event carrying its text, buttons and custom
data together (so a guidance answer and its links never arrive apart). A conversation bound to a
strongly identified session opens only with that session's token (`identified_access.py`); a
refused socket gets a fresh anonymous conversation and a `session_notice` event in Finnish.

With several Rasa replicas the rooms are shared through Redis (`replicas.py`). A message that
cannot be handled (a database, Redis or the actions server down) is answered with the Finnish
fault notice of `bot/service_faults.py`, never with silence.
"""
from __future__ import annotations

import json
import functools
import logging
import re
import secrets
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncServer

from bot.channels.identified_access import ALLOWED, ENDED_NOTICE, MESSAGE_REFUSED_NOTICE, IdentifiedAccess, Verdict
from bot.channels.relay import RelayRoutes
from bot.channels.replicas import client_manager_options
from bot.constants import MAX_MESSAGE_CHARS, MAX_RASA_REQUEST_BYTES, MAX_SOCKET_PACKET_BYTES
from bot import rasa_internals
from bot.metrics import metrics_response, metrics_token, timed_turns
from bot.service_faults import ServiceFault, answering_faults, fault_message

logger = logging.getLogger(__name__)
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


DROPPED_EVENT = "dropped_packet"  # no handler: what a packet nested too deeply decodes to


class BoundedJson:
    """The JSON module python-socketio decodes packets with: a packet nested deeper than the parser
    can go (a few kilobytes of brackets), or not JSON at all, becomes an event nobody handles, so it
    is dropped with one log line instead of a traceback; the socket and the conversation go on."""

    dumps = staticmethod(json.dumps)

    @staticmethod
    def loads(text: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return json.loads(text, *args, **kwargs)
        except RecursionError:
            logger.warning("webchat: a packet nested too deeply was dropped (%d characters)", len(text))
        except ValueError:
            logger.warning("webchat: a packet that is not JSON was dropped (%d characters)", len(text))
        return [DROPPED_EVENT]


class _SocketBlueprint(Blueprint):
    """A blueprint that mounts a socket.io server on the app it is registered with."""

    def __init__(self, sio: AsyncServer, socketio_path: Text, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.sio = sio
        self.ctx.socketio_path = socketio_path

    def register(self, app: Any, options: Any) -> None:
        self.ctx.sio.attach(app, self.ctx.socketio_path)
        # The resident channel is registered on every Rasa server we run: it bounds what the
        # server reads of any request, before a body is parsed (bot/constants.py).
        app.config.REQUEST_MAX_SIZE = min(int(app.config.REQUEST_MAX_SIZE), MAX_RASA_REQUEST_BYTES)
        super().register(app, options)


class TurnOutput(OutputChannel):
    """Keeps a turn's bot messages whole (text, buttons and custom data together) until Rasa has
    saved the conversation; the channel then sends them with `WebchatOutput`."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    def __init__(self) -> None:
        self.messages: list[Dict[Text, Any]] = []

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.messages.append(dict(message))

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        self.messages.append({"text": text})


class WebchatOutput(OutputChannel):
    """Sends each bot message as one `bot_uttered` event to the conversation's room."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    def __init__(self, sio: AsyncServer, event: Text) -> None:
        self.sio = sio
        self.event = event

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Text, buttons and custom data in one event; the widget renders them as text only."""
        payload: Dict[Text, Any] = {}
        if message.get("text"):
            payload["text"] = message["text"]
        buttons = message.get("buttons") or message.get("quick_replies")
        if buttons:
            payload["buttons"] = [{"title": b.get("title"), "payload": b.get("payload")} for b in buttons]
        if message.get("custom"):
            payload["custom"] = message["custom"]
        if payload:
            await self.sio.emit(self.event, payload, room=recipient_id)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


async def _health(_: Request) -> Any:
    return response.json({"status": "ok"})


async def _metrics(token: Text, request: Request) -> Any:
    """This Rasa server's Prometheus metrics (all channels), for the metrics token only."""
    return metrics_response(request.headers.get("authorization"), token)


async def _not_started(_: UserMessage) -> None:
    raise RuntimeError("the web chat channel's blueprint has not been made yet")


class WebchatInput(InputChannel):
    """socket.io input for the resident web chat (session ids from the server)."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        rasa_internals.install()
        return cls(credentials.get("socketio_path", "/socket.io"),
                   credentials.get("user_message_evt", "user_uttered"),
                   credentials.get("bot_message_evt", "bot_uttered"))

    def __init__(self, socketio_path: Text = "/socket.io", user_event: Text = "user_uttered",
                 bot_event: Text = "bot_uttered", access: Optional[IdentifiedAccess] = None) -> None:
        self.socketio_path = socketio_path
        self.user_event = user_event
        self.bot_event = bot_event
        self.sio: Optional[AsyncServer] = None
        self._sessions: Dict[Text, Text] = {}  # socket id -> conversation id
        self._tokens: Dict[Text, Any] = {}     # socket id -> identified-session token it showed
        self.access = access or IdentifiedAccess.from_env()
        self._on_new_message: Callable[[UserMessage], Awaitable[Any]] = _not_started

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WebchatOutput(self.sio, self.bot_event) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The socket.io server and its events, the health route and the console's relay routes."""
        # A packet beyond MAX_SOCKET_PACKET_BYTES closes the socket before it is decoded; a message
        # within it is cut to MAX_MESSAGE_CHARS below (the widget's text box holds no more).
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins="*", max_http_buffer_size=MAX_SOCKET_PACKET_BYTES,
                          json=BoundedJson, **client_manager_options())
        self.sio = sio
        self._on_new_message = timed_turns(answering_faults(on_new_message), "webchat")
        blueprint = _SocketBlueprint(sio, self.socketio_path, "webchat_webhook", __name__)
        blueprint.add_route(_health, "/", methods=["GET"], name="health")
        blueprint.add_route(functools.partial(_metrics, metrics_token()), "/metrics", methods=["GET"], name="metrics")
        for event, handler in (("session_request", self.session_request), ("disconnect", self.disconnect),
                               (self.user_event, self.handle_message)):
            sio.on(event)(handler)
        RelayRoutes(sio, self.bot_event).mount(blueprint)  # the professionals' console: bot/channels/relay.py
        return blueprint

    # -- conversations and sockets ------------------------------------------------------------------
    @property
    def _socket(self) -> AsyncServer:
        """The socket.io server (made with the blueprint; the events below only come through it)."""
        if self.sio is None:
            raise RuntimeError("the web chat channel's blueprint has not been made yet")
        return self.sio

    async def _join(self, sid: Text, session_id: Text, token: Any = None) -> None:
        previous = self._sessions.get(sid)
        if previous and previous != session_id:
            await self._socket.leave_room(sid, previous)
        self._sessions[sid] = session_id
        self._tokens[sid] = token
        await self._socket.enter_room(sid, session_id)
        await self._socket.emit("session_confirm", session_id, room=sid)

    async def _refuse(self, sid: Text, where: Text, session_id: Text, verdict: Verdict, notice: Text) -> None:
        """The socket may not use this identified conversation: a new anonymous one, and a notice."""
        self.access.log_refusal(where, session_id, verdict)
        await self._join(sid, secrets.token_hex(16))
        await self._socket.emit("session_notice", {"reason": "identified_session_ended", "text": notice}, room=sid)

    async def _evict_others(self, session_id: Text, keep: Text) -> None:
        """Sockets still in a bound conversation's room without its token leave it (no reading along)."""
        for other, conversation in list(self._sessions.items()):
            if other != keep and conversation == session_id:
                verdict = await self.access.check(session_id, self._tokens.get(other))
                if verdict.refused:
                    await self._refuse(other, "sign-in elsewhere", session_id, verdict, ENDED_NOTICE)

    async def _tell_fault(self, sid: Text, fault: ServiceFault) -> None:
        logger.error("webchat: %s; the resident was told", fault)
        await self._socket.emit(self.bot_event, fault_message(fault.kind), room=sid)

    async def session_request(self, sid: Text, data: Optional[Dict] = None) -> None:
        try:
            await self._open_session(sid, data)
        except ServiceFault as fault:
            await self._tell_fault(sid, fault)

    async def _open_session(self, sid: Text, data: Optional[Dict]) -> None:
        """Resume the conversation the widget asks for when its token allows, else start a new one."""
        data = data if isinstance(data, dict) else {}
        requested = data.get("session_id")
        session_id = requested if isinstance(requested, str) and SESSION_ID.match(requested) else None
        token = data.get("token")
        if session_id is not None:
            verdict = await self.access.check(session_id, token)
            if verdict.refused:
                await self._refuse(sid, "resume", session_id, verdict, ENDED_NOTICE)
                return
            if verdict == ALLOWED:
                await self._join(sid, session_id, token)
                await self._evict_others(session_id, sid)
                return
        await self._join(sid, session_id or secrets.token_hex(16))

    async def disconnect(self, sid: Text) -> None:
        self._sessions.pop(sid, None)
        self._tokens.pop(sid, None)

    async def handle_message(self, sid: Text, data: Any = None) -> None:
        """A resident's message: checked against the identified session, then one turn of Rasa."""
        session_id = self._sessions.get(sid)
        text = data.get("message") if isinstance(data, dict) else None
        if session_id is None or not isinstance(text, str) or not text.strip():
            return
        try:
            verdict = await self.access.check(session_id, self._tokens.get(sid))
            if verdict.refused:
                await self._refuse(sid, "message", session_id, verdict, MESSAGE_REFUSED_NOTICE)
                return
            if verdict == ALLOWED:
                await self._evict_others(session_id, sid)
        except ServiceFault as fault:
            await self._tell_fault(sid, fault)
            return
        # The turn's answers go out once Rasa has saved the conversation and released its lock:
        # a replica that dies mid-turn never leaves the resident an answer the conversation forgot.
        turn = TurnOutput()
        await self._on_new_message(UserMessage(text[:MAX_MESSAGE_CHARS], turn, session_id, input_channel=self.name()))
        output = WebchatOutput(self.sio, self.bot_event)
        for message in turn.messages:
            await output.send_response(session_id, message)
