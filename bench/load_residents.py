"""Simulated residents for the load benchmark: what they say, and how they talk over each channel.

A conversation is a generator: it yields the next message and is sent the bot messages of that
turn (dicts with "text" and "buttons"), so a resident can press a button the bot offered (a path
to choose, the "Oliko tästä apua?" feedback) as a person would. The REST and socket.io clients
run one conversation each and record every turn (bench/load_report.py).
"""
from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import socketio
import yaml

from bench.load_report import EMPTY, TIMEOUT, Conversation, Turn

Script = Generator[str, list[dict], None]

if not hasattr(aiohttp, "ClientWSTimeout"):
    # python-engineio 4.15's websocket client builds aiohttp.ClientWSTimeout (aiohttp >= 3.10), but
    # Rasa 3.6 pins aiohttp 3.9, whose ws_connect takes the close timeout as a plain number.
    aiohttp.ClientWSTimeout = lambda ws_close=10.0, **_: ws_close  # type: ignore[attr-defined]

GREETINGS = ["hei", "moi", "Hei!", "päivää", "moikka", "hyvää huomenta"]
THANKS = ["kiitos", "kiitos avusta", "okei kiitti", "kiitos, tämä auttoi"]
GOODBYES = ["heippa", "moi moi", "kiitos ja hei"]


@dataclass(frozen=True)
class Phrases:
    """Resident questions from the development set (written apart from the library's examples)."""

    guidance: list[str]
    out_of_scope: list[str]
    emergency: list[str]

    @classmethod
    def load(cls, devset: Path) -> "Phrases":
        """Read bench/devset.yml."""
        data = yaml.safe_load(devset.read_text(encoding="utf-8"))
        return cls([item["text"] for item in data["guidance"]], list(data["out_of_scope"]), list(data["emergency"]))


def _buttons(replies: list[dict]) -> list[dict]:
    return [button for reply in replies for button in reply.get("buttons") or [] if button.get("payload")]


def finnish_conversation(rng: random.Random, phrases: Phrases, channel: str) -> Script:
    """A resident of ours: greeting, a question, maybe a follow-up or a path button, feedback or thanks."""
    # the web widget opens a new conversation with the /greet payload; REST users type a greeting
    replies = yield "/greet" if channel == "socketio" else rng.choice(GREETINGS)
    roll = rng.random()
    pool = phrases.emergency if roll < 0.03 else phrases.out_of_scope if roll < 0.13 else phrases.guidance
    replies = yield rng.choice(pool)
    choices = [b for b in _buttons(replies) if not b["payload"].startswith("/feedback")]
    if choices and rng.random() < 0.6:
        replies = yield rng.choice(choices)["payload"]
    elif rng.random() < 0.3:
        replies = yield rng.choice(phrases.guidance)
    feedback = [b for b in _buttons(replies) if b["payload"].startswith("/feedback")]
    if feedback and rng.random() < 0.7:
        replies = yield rng.choice(feedback)["payload"]
    elif rng.random() < 0.5:
        replies = yield rng.choice(THANKS)
    if rng.random() < 0.5:
        yield rng.choice(GOODBYES)


def moodbot_conversation(rng: random.Random, _phrases: Phrases | None = None, _channel: str = "") -> Script:
    """A user of stock Rasa's demo bot (`rasa init`): greeting, a mood, maybe "did that help?", goodbye."""
    replies = yield rng.choice(["hi", "hello", "hey there", "good morning"])
    if rng.random() < 0.15:
        replies = yield rng.choice(["are you a bot?", "am I talking to a human?"])
    replies = yield rng.choice(["I am sad", "I feel very bad", "not good", "I'm great", "I am feeling very good"])
    if any("help" in (reply.get("text") or "") for reply in replies):
        replies = yield rng.choice(["yes", "no", "yes it did", "not really"])
    yield rng.choice(["bye", "goodbye", "see you later"])


@dataclass
class Pace:
    """How a resident waits: think time after the last bot message, reply timeout, socket.io quiet window."""

    think: float = 1.0      # mean seconds between the last reply and the next message (uniform 0.5x-1.5x)
    timeout: float = 30.0   # no (first) reply within this is an error, and the resident gives up
    settle: float = 0.3     # socket.io: a turn is over after this long without a bot message

    def think_time(self, rng: random.Random) -> float:
        """A think time drawn for one turn."""
        return self.think * rng.uniform(0.5, 1.5)


def _texts(replies: list[dict]) -> list[str]:
    return [reply["text"] for reply in replies if reply.get("text")]


async def rest_conversation(http: aiohttp.ClientSession, url: str, script: Script, pace: Pace,
                            rng: random.Random, stop_at: float) -> Conversation:
    """One conversation through POST {url}/webhooks/rest/webhook with its own sender id."""
    conversation = Conversation(uuid.uuid4().hex)
    timeout = aiohttp.ClientTimeout(total=pace.timeout)
    text = next(script)
    while True:
        turn = Turn(text, time.perf_counter())
        conversation.turns.append(turn)
        replies: list[dict] = []
        try:
            async with http.post(f"{url}/webhooks/rest/webhook", timeout=timeout,
                                 json={"sender": conversation.conversation_id, "message": text}) as response:
                if response.status != 200:
                    turn.error = f"http {response.status}"
                else:
                    replies = await response.json()
        except asyncio.TimeoutError:
            turn.error = TIMEOUT
        except aiohttp.ClientError as error:
            turn.error = f"connection: {type(error).__name__}"
        now = time.perf_counter()
        turn.latency = now - turn.sent_at
        turn.replies = _texts(replies)
        turn.arrivals = [now] * len(turn.replies)
        if turn.error is None and not turn.replies:
            turn.error = EMPTY
        if turn.error is not None:
            return conversation
        await asyncio.sleep(pace.think_time(rng))
        if time.perf_counter() >= stop_at:
            return conversation
        try:
            text = script.send([{"text": r.get("text"), "buttons": r.get("buttons")} for r in replies])
        except StopIteration:
            return conversation


def _normalised(data: object) -> dict:
    """A bot_uttered payload as {"text", "buttons"} (ours sends buttons, stock Rasa quick_replies)."""
    data = data if isinstance(data, dict) else {"text": str(data)}
    return {"text": data.get("text"), "buttons": data.get("buttons") or data.get("quick_replies")}


async def _next(inbox: asyncio.Queue, wait: float) -> tuple[float, dict] | None:
    try:
        return await asyncio.wait_for(inbox.get(), max(wait, 0.0))
    except asyncio.TimeoutError:
        return None


async def socketio_conversation(url: str, path: str, script: Script, pace: Pace, rng: random.Random,
                                stop_at: float, id_from_socket: bool = False) -> Conversation:
    """One conversation over socket.io as the web widget holds it: connect (websocket transport),
    session_request, session_confirm with the server's id, then user_uttered -> bot_uttered events.

    socket.io has no end-of-turn signal: the turn's last bot message is the last one that came
    before the resident sent again, and the resident sends only after a quiet time of at least
    `pace.settle`. `id_from_socket`: the conversation id is the socket's id (stock Rasa's channel
    without session persistence) instead of the confirmed session id.
    """
    client = socketio.AsyncClient(reconnection=False)
    inbox: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
    client.on("bot_uttered", lambda data: inbox.put_nowait((time.perf_counter(), _normalised(data))))
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    conversation = Conversation("")
    try:
        await client.connect(url, socketio_path=path, transports=["websocket"], wait_timeout=pace.timeout)
        await client.emit("session_request", {"session_id": None})
        session_id = await asyncio.wait_for(confirmed, pace.timeout)
    except (asyncio.TimeoutError, socketio.exceptions.ConnectionError) as error:
        conversation.error = f"connection: {type(error).__name__}"
        await client.disconnect()
        return conversation
    conversation.conversation_id = client.get_sid("/") if id_from_socket else session_id
    try:
        text = next(script)
        while True:
            turn = Turn(text, time.perf_counter())
            conversation.turns.append(turn)
            await client.emit("user_uttered", {"message": text, "session_id": session_id})
            first = await _next(inbox, pace.timeout)
            if first is None:
                turn.error = TIMEOUT
                return conversation
            received = [first]
            quiet = max(pace.settle, pace.think_time(rng))
            while (more := await _next(inbox, received[-1][0] + quiet - time.perf_counter())) is not None:
                received.append(more)
            turn.latency = received[-1][0] - turn.sent_at
            replies = [reply for _, reply in received]
            turn.replies = _texts(replies)
            turn.arrivals = [at for at, reply in received if reply.get("text")]
            if not turn.replies:
                turn.error = EMPTY
                return conversation
            if time.perf_counter() >= stop_at:
                return conversation
            try:
                text = script.send(replies)
            except StopIteration:
                return conversation
    finally:
        await client.disconnect()
