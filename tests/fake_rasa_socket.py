"""A socket.io server in a thread that stands in for Rasa's web chat channel in real-browser tests of
the resident page: it confirms the session the page asks for and answers each message with scripted
`bot_uttered` events. `emit_to_all` sends an event unprompted (a professional's message, typing), and
`stop`/`restart` take the socket down and bring it back on the same port (the page's offline path)."""
from __future__ import annotations

import asyncio
import re
import secrets
import threading

import pytest

from bench.stack import free_port

socketio = pytest.importorskip("socketio")
aiohttp_web = pytest.importorskip("aiohttp.web")


class FakeRasaSocket:
    """A socket.io server in a thread, standing in for Rasa's web chat channel: it confirms the session
    the page asks for (or makes one) and answers each message with its scripted `bot_uttered` events."""

    def __init__(self, replies: dict[str, list[dict]]) -> None:
        self.replies = replies
        self.received: list[str] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
        self.app = aiohttp_web.Application()
        self.sio.attach(self.app, socketio_path="socket.io")
        self.sio.on("session_request", self.session_request)
        self.sio.on("user_uttered", self.user_uttered)
        self.sio.on("connect", self._connected)
        self.sio.on("disconnect", self._disconnected)
        self.connected: set[str] = set()
        self.site: aiohttp_web.TCPSite | None = None
        self.loop = asyncio.new_event_loop()
        self.runner = aiohttp_web.AppRunner(self.app)
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.runner.setup())
            self.loop.run_until_complete(self._listen())
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        assert started.wait(10), "the fake socket.io server did not start"

    async def _listen(self) -> None:
        self.site = aiohttp_web.TCPSite(self.runner, "127.0.0.1", self.port)
        await self.site.start()

    async def _connected(self, sid: str, *_: object) -> None:
        self.connected.add(sid)

    async def _disconnected(self, sid: str, *_: object) -> None:
        self.connected.discard(sid)

    def _run(self, coroutine) -> object:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def emit_to_all(self, event: str, data: object) -> None:
        """Send `event` to every connected page, unprompted (a professional's message, a typing signal)."""
        for sid in list(self.connected):
            self._run(self.sio.emit(event, data, to=sid))

    def go_down(self) -> None:
        """Drop every connection and stop listening: the page is offline until `come_back`."""
        async def down() -> None:
            for sid in list(self.connected):
                await self.sio.disconnect(sid)
            if self.site is not None:
                await self.site.stop()
        self._run(down())

    def come_back(self) -> None:
        """Listen again on the same port; the page's socket.io client reconnects by itself."""
        self._run(self._listen())

    async def session_request(self, sid: str, data: dict | None) -> None:
        asked = (data or {}).get("session_id")
        session_id = asked if isinstance(asked, str) and re.fullmatch(r"[0-9a-f]{32}", asked) else secrets.token_hex(16)
        await self.sio.emit("session_confirm", session_id, to=sid)

    async def user_uttered(self, sid: str, data: dict) -> None:
        message = str((data or {}).get("message") or "")
        self.received.append(message)
        for event in self.replies.get(message, [{"text": "En ymmärtänyt."}]):
            await self.sio.emit("bot_uttered", event, to=sid)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
