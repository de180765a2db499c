"""The public front's per-address limits and body sizes (bot/deploy/nginx.conf.template) on a real
nginx, in front of one stand-in answering for every upstream. Each test speaks from its own
loopback address (127.0.0.x), as separate clients would. Skipped when nginx is not installed
(scripts/setup installs it)."""
from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR

TEMPLATE = PROJECT_DIR / "bot" / "deploy" / "nginx.conf.template"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx not installed (Debian package nginx; scripts/setup)")


class Upstream(BaseHTTPRequestHandler):
    """Every upstream at once (Rasa, the web app): 200 and an empty JSON list for anything."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _answer  # noqa: N815 - http.server's names

    def log_message(self, *args) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Answer:
    status: int
    text: str

    @property
    def json(self):
        return json.loads(self.text)


@dataclass(frozen=True)
class Front:
    port: int

    def call(self, method: str, path: str, body: bytes | None = None, client: str = "127.0.0.1") -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10, source_address=(client, 0))
        try:
            connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
            answer = connection.getresponse()
            return Answer(answer.status, answer.read().decode())
        finally:
            connection.close()

    def post(self, path: str, payload: object, client: str) -> Answer:
        return self.call("POST", path, json.dumps(payload).encode(), client)


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    runtime = tmp_path_factory.mktemp("nginx")
    port = _free_port()
    server = f"server 127.0.0.1:{upstream.server_port};"
    values = {"runtime_dir": str(runtime), "public_listen": f"127.0.0.1:{port}",
              "actions_listen": f"127.0.0.1:{_free_port()}", "rasa_api_listen": f"127.0.0.1:{_free_port()}",
              "rasa_servers": server, "actions_servers": server, "web_servers": server}
    config = re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], TEMPLATE.read_text(encoding="utf-8"))
    (runtime / "nginx.conf").write_text(config, encoding="utf-8")
    command = [NGINX, "-p", str(runtime), "-c", str(runtime / "nginx.conf"), "-e", str(runtime / "error.log")]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield Front(port)
    process.terminate()
    process.wait(timeout=10)
    upstream.shutdown()


def burst(front: Front, count: int, method: str, path: str, payload: object | None, client: str) -> list[Answer]:
    body = json.dumps(payload).encode() if payload is not None else None
    return [front.call(method, path, body, client) for _ in range(count)]


def test_staff_sign_in_lets_an_office_in_and_stops_guessing_from_one_address(front):
    tries = burst(front, 40, "POST", "/console/api/session", {"username": "maija", "password": "arvaus"}, "127.0.0.2")
    statuses = [answer.status for answer in tries]
    assert statuses[:21] == [200] * 21, statuses  # 21 sign-ins at once: an office starting its day
    assert 21 <= statuses.count(200) <= 23 and statuses[-5:] == [429] * 5, statuses
    assert tries[-1].json["error"] == "too_many_requests"
    for door in ("/team/api/session", "/management/api/session",  # one count for every staff sign-in door
                 "/console/api/session/", "/team/api/session/"):    # the app takes a trailing slash too
        assert front.post(door, {"username": "maija", "password": "arvaus"}, "127.0.0.2").status == 429
    assert front.call("GET", "/console/api/session", client="127.0.0.2").status == 200  # not a sign-in
    assert front.call("GET", "/", client="127.0.0.2").status == 200  # the resident's page
    assert front.post("/team/api/session", {"username": "maija", "password": "oikein"}, "127.0.0.3").status == 200


def test_rest_messages_are_limited_per_address_with_room_for_a_chatting_resident(front):
    message = {"sender": "a" * 32, "message": "hei"}
    answers = burst(front, 40, "POST", "/webhooks/rest/webhook", message, "127.0.0.4")
    statuses = [answer.status for answer in answers]
    assert statuses[:21] == [200] * 21 and statuses[-5:] == [429] * 5, statuses
    busy = answers[-1].json
    assert "Odota hetki" in busy[0]["text"] and "112" in busy[0]["text"]
    assert busy[0]["custom"] == {"service_fault": "rate_limit"}
    assert front.post("/webhooks/rest/webhook", message, "127.0.0.5").status == 200  # another address


def test_a_rest_body_fits_one_message_and_no_more(front):
    longest = json.dumps({"sender": "b" * 32, "message": "\U0001f622" * 2000}).encode()  # two \u escapes each
    assert 24_000 < len(longest) < 32 * 1024
    assert front.call("POST", "/webhooks/rest/webhook", longest, "127.0.0.6").status == 200
    oversized = front.post("/webhooks/rest/webhook", {"sender": "b" * 32, "message": "x" * 40_000}, "127.0.0.6")
    assert oversized.status == 413 and "liian pitkä" in oversized.json[0]["text"]
    assert oversized.json[0]["custom"] == {"service_fault": "too_long"}


def test_identification_and_socketio_are_limited_per_address(front):
    logins = [answer.status for answer in burst(front, 45, "POST", "/auth/login", {}, "127.0.0.7")]
    assert logins[:31] == [200] * 31 and logins[-5:] == [429] * 5, logins
    polls = [answer.status for answer in burst(front, 110, "GET", "/socket.io/?EIO=4&transport=polling", None,
                                               "127.0.0.8")]
    assert polls[:101] == [200] * 101 and polls[-3:] == [429] * 3, polls
    assert front.call("GET", "/socket.io/?EIO=4&transport=polling", client="127.0.0.9").status == 200
    # the own space's API has a zone of its own: a page's calls never meet the identification's limit
    own = [answer.status for answer in burst(front, 45, "GET", "/auth/own/summary", None, "127.0.0.10")]
    assert own[:41] == [200] * 41 and own[-3:] == [429] * 3, own
