"""The actions server as a door: loopback only, and nothing runs without the Rasa server's secret."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
import sqlalchemy

from bench.stack import free_port, wait_until_up
from tests.conftest import PROJECT_DIR

TOKEN = "actions-test-secret-0123456789"
FORGED_TRACKER = {
    "next_action": "action_contact_request",
    "sender_id": "forged-conversation",
    "version": "3.6.21",
    "domain": {},
    "tracker": {"sender_id": "forged-conversation", "slots": {"identity": {"code": "131052-308T", "name": "Joku"}},
                "latest_message": {"text": "kyllä", "intent": {"name": "affirm"}, "entities": []},
                "events": [], "paused": False, "followup_action": None, "active_loop": {},
                "latest_action_name": "action_listen"},
}


def call(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-Actions-Token"] = token
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data, headers, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def outside_address() -> str | None:
    """An address of this machine that is not loopback (None when it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent, the kernel picks the route's address
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.fixture(scope="module")
def actions_server(tmp_path_factory):
    port = free_port()
    workdir = tmp_path_factory.mktemp("actions")
    env = {**os.environ, "ASSISTANT_ACTIONS_TOKEN": TOKEN,
           "ASSISTANT_DATABASE_URL": f"sqlite:///{workdir / 'assistant.db'}"}
    log = open(workdir / "actions.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen([sys.executable, "-m", "actions.server", "--port", str(port)], cwd=PROJECT_DIR,
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", 120, [process])
        yield {"url": f"http://127.0.0.1:{port}", "port": port, "workdir": workdir}
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_the_runtime_is_built_before_the_server_listens(actions_server):
    """The database is migrated (and the library loaded) at start, not on the first resident's message."""
    engine = sqlalchemy.create_engine(f"sqlite:///{actions_server['workdir'] / 'assistant.db'}")
    assert "alembic_version" in sqlalchemy.inspect(engine).get_table_names()
    engine.dispose()
    assert "runtime ready in" in (actions_server["workdir"] / "actions.log").read_text(encoding="utf-8")


def test_health_answers_without_the_secret(actions_server):
    assert call(actions_server["url"] + "/health") == (200, {"status": "ok"})


@pytest.mark.parametrize("token", [None, "", "wrong-secret", TOKEN + "x"])
def test_a_made_up_tracker_without_the_secret_runs_nothing(actions_server, token):
    status, body = call(actions_server["url"] + "/webhook", FORGED_TRACKER, token)
    assert status == 401 and body == {"error": "unauthenticated"}
    assert call(actions_server["url"] + "/actions", None, token)[0] == 401


def test_with_the_secret_the_request_reaches_rasa_sdk(actions_server):
    status, body = call(actions_server["url"] + "/webhook", {**FORGED_TRACKER, "next_action": "no_such_action"}, TOKEN)
    assert status == 404 and body["action_name"] == "no_such_action"
    status, listed = call(actions_server["url"] + "/actions", None, TOKEN)
    assert status == 200 and {"name": "action_contact_request"} in listed


def test_a_failing_action_does_not_echo_the_tracker(actions_server):
    broken = {**FORGED_TRACKER, "tracker": None, "domain": {"slots": {"identity": "131052-308T"}}}
    status, body = call(actions_server["url"] + "/webhook", broken, TOKEN)
    assert status == 500 and body == {"error": "request failed"}  # rasa-sdk's own handler echoes the request


def test_it_listens_on_loopback_only(actions_server):
    address = outside_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    with pytest.raises(OSError):
        socket.create_connection((address, actions_server["port"]), timeout=3).close()


def test_it_refuses_to_start_without_the_secret():
    env = {key: value for key, value in os.environ.items() if key != "ASSISTANT_ACTIONS_TOKEN"}
    done = subprocess.run([sys.executable, "-m", "actions.server", "--port", str(free_port())], cwd=PROJECT_DIR,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "ASSISTANT_ACTIONS_TOKEN is not set" in done.stderr
