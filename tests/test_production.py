"""The production set running (bench/cluster.py): two Rasa and two actions replicas behind nginx, on
PostgreSQL and Redis. Any replica serves any message of a conversation; a dead actions replica is
skipped. Skipped, with the reason, when PostgreSQL, Redis or nginx is not on this machine."""
from __future__ import annotations

import json
import shutil
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from bench.stack import post_json
from tests.conftest import PROJECT_DIR, _postgres_reachable
from tests.helpers import hang_up

MODEL = PROJECT_DIR / "models" / "assistant.tar.gz"
REDIS_URL = "redis://127.0.0.1:6379/7"


def _missing() -> str | None:
    if not MODEL.exists():
        return "no trained model: run scripts/train (scripts/test does)"
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        return "nginx not installed (Debian package nginx; scripts/setup installs it)"
    reason = _postgres_reachable()
    if reason:
        return reason
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis not reachable at 127.0.0.1:6379: {error}"
    return None


pytestmark = [pytest.mark.model, pytest.mark.postgres]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from bench.cluster import Cluster

    running = Cluster(MODEL, rasa_replicas=2, actions_replicas=2, with_web=False, redis_url=REDIS_URL, api=True,
                      workdir=tmp_path_factory.mktemp("cluster")).start()
    yield running
    running.stop()


def say(url: str, sender: str, message: str) -> list[dict]:
    return post_json(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": message})  # type: ignore[return-value]


def text_of(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def is_notice(replies: list[dict]) -> bool:
    return any("service_fault" in (r.get("custom") or {}) for r in replies)


def test_a_form_continues_whichever_replica_takes_each_message(cluster):
    resident = uuid.uuid4().hex
    first, second = cluster.rasa_urls
    assert "Mitä asiasi koskee?" in text_of(say(first, resident, "voisiko joku soittaa minulle"))
    assert "Kenen asiasta" in text_of(say(second, resident, "sosiaalipalveluista"))
    assert "omin sanoin" in text_of(say(first, resident, "mun oma asia"))
    replies = say(second, resident, "Tarvitsisin apua toimeentulotuen hakemisessa, kun rahat ei riitä vuokraan")
    assert "kiireellinen" in text_of(replies).lower()
    with urllib.request.urlopen(cluster.api_url(0, f"/conversations/{resident}/tracker"), timeout=30) as answer:
        tracker = json.load(answer)
    said = [e["text"] for e in tracker["events"] if e.get("event") == "user"]
    assert said[-4:] == ["voisiko joku soittaa minulle", "sosiaalipalveluista", "mun oma asia",
                         "Tarvitsisin apua toimeentulotuen hakemisessa, kun rahat ei riitä vuokraan"]


def test_a_stopped_actions_replica_is_skipped_by_the_proxy(cluster):
    resident = uuid.uuid4().hex
    say(cluster.url, resident, "hei")
    cluster.stop_actions(0)
    try:
        for question in ("miten varaan aikuisena ajan hammaslääkärille", "mikä on flunssan hoito",
                         "voisiko joku soittaa minulle"):
            replies = say(cluster.url, resident, question)
            assert replies and not is_notice(replies), replies
    finally:
        cluster.start_actions(0)


def test_the_front_tells_honestly_when_no_actions_server_answers(cluster):
    resident = uuid.uuid4().hex
    cluster.stop_actions(0)
    cluster.stop_actions(1)
    try:
        replies = say(cluster.url, resident, "mikä on flunssan hoito")
        assert is_notice(replies) and "tekninen häiriö" in text_of(replies) and "112" in text_of(replies)
    finally:
        cluster.start_actions(0)
        cluster.start_actions(1)
    # nginx tries a failed server again after its fail_timeout (5 s): then the conversation continues
    for _ in range(20):
        replies = say(cluster.url, resident, "mikä on flunssan hoito")
        if not is_notice(replies):
            break
        time.sleep(1)
    assert replies and not is_notice(replies)


def test_a_professional_message_reaches_a_resident_connected_to_the_other_replica(cluster):
    """The console's relay call may land on any replica; the resident's socket is on one of them:
    the socket.io rooms are shared through Redis."""
    import asyncio

    import socketio

    from bot.handoff import TOKEN_HEADER

    async def converse() -> list[dict]:
        client = socketio.AsyncClient()
        received: list[dict] = []
        confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
        client.on("session_confirm", lambda session_id: confirmed.set_result(session_id))
        client.on("bot_uttered", lambda data: received.append(data))
        await client.connect(cluster.rasa_urls[0], socketio_path="/socket.io", transports=["polling"])
        await client.emit("session_request", {"session_id": None})
        session_id = await asyncio.wait_for(confirmed, 10)
        await client.emit("user_uttered", {"message": "hei", "session_id": session_id})
        for _ in range(200):  # the greeting: the conversation now exists
            if received:
                break
            await asyncio.sleep(0.1)
        request = urllib.request.Request(
            f"{cluster.rasa_urls[1]}/webhooks/webchat/relay/message",
            json.dumps({"conversation_id": session_id, "text": "Hei, olen Maija asiakasohjauksesta.",
                        "name": "Maija"}).encode(),
            {"Content-Type": "application/json", TOKEN_HEADER: cluster.internal_token})
        await asyncio.get_running_loop().run_in_executor(None, lambda: urllib.request.urlopen(request, timeout=30))
        for _ in range(100):
            if any("Maija asiakasohjauksesta" in (m.get("text") or "") for m in received):
                break
            await asyncio.sleep(0.1)
        await hang_up(client)
        return received

    received = asyncio.run(converse())
    relayed = [m for m in received if "Maija asiakasohjauksesta" in (m.get("text") or "")]
    assert relayed and relayed[0]["custom"]["handoff"] == {"from": "professional", "name": "Maija"}


class _WidgetSocket:
    """The web chat widget's socket as the resident's browser keeps it: on every (re)connection it
    asks for its own conversation again, and a message waits until that conversation is confirmed
    open. `dropped` tells that the connection was lost since it was last set False."""

    def __init__(self) -> None:
        import asyncio

        import bench.load_residents  # noqa: F401 - the websocket client's shim for the pinned aiohttp
        import socketio

        self.client = socketio.AsyncClient(reconnection_delay=0.5, reconnection_delay_max=1)
        self.received: list[dict] = []
        self.session: str | None = None
        self.dropped = False
        self.confirmed = asyncio.Event()
        self.client.on("connect", self._on_connect)
        self.client.on("disconnect", self._on_disconnect)
        self.client.on("session_confirm", self._on_confirm)
        self.client.on("bot_uttered", self.received.append)

    async def _on_connect(self) -> None:
        await self.client.emit("session_request", {"session_id": self.session})

    def _on_confirm(self, session_id: str) -> None:
        self.session = session_id
        self.confirmed.set()

    def _on_disconnect(self) -> None:
        self.dropped = True
        self.confirmed.clear()  # messages wait until the conversation is open again

    async def say(self, text: str, expected: str) -> str:
        """Send `text` once the conversation is open; the bot's answer, which must contain `expected`."""
        import asyncio

        await asyncio.wait_for(self.confirmed.wait(), 120)
        before = len(self.received)
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session})
        for _ in range(600):
            answer = "\n".join(m.get("text") or "" for m in self.received[before:])
            if expected in answer:
                return answer
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {expected!r} after {text!r}: {self.received[before:]}")

    async def wait_for_drop(self, seconds: float) -> None:
        """A socket on a killed replica drops at once: give it `seconds` to show."""
        import asyncio

        for _ in range(int(seconds * 10)):
            if self.dropped:
                return
            await asyncio.sleep(0.1)


def test_a_web_chat_conversation_moves_to_the_other_replica_when_its_own_dies(cluster):
    """The widget's socket (through nginx) loses its Rasa replica: it reconnects, asks for its own
    conversation again and the form goes on where it was. Each replica is killed in turn, so the one
    holding the socket is killed once whichever nginx chose. The last one killed is not started again
    (a replica's start loads the model for a minute or more): this is the module's last test."""
    import asyncio

    async def converse() -> list[str]:
        socket = _WidgetSocket()
        await socket.client.connect(cluster.url, socketio_path="/socket.io", transports=["websocket"])
        answers = [await socket.say("voisiko joku soittaa minulle", "Mitä asiasi koskee?")]
        session = socket.session
        dropped_before = False
        steps = (("sosiaalipalveluista", "Kenen asiasta"), ("mun oma asia", "omin sanoin"))
        for index, step in enumerate(steps):
            socket.dropped = False
            cluster.stop_rasa(index, kill=True)
            await socket.wait_for_drop(5)
            answers.append(await socket.say(*step))
            dropped_before = dropped_before or socket.dropped
            if index < len(steps) - 1:  # the next step kills the other replica: this one must serve again
                await asyncio.get_running_loop().run_in_executor(None, cluster.start_rasa, index)
        assert dropped_before, "the socket never lost its replica"
        assert socket.session == session  # the same conversation all along
        await socket.client.disconnect()
        return answers

    answers = asyncio.run(converse())
    assert len(answers) == 3 and "omin sanoin" in answers[-1]
