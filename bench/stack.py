"""Start and stop the assistant's servers (actions + Rasa) on free local ports.

Used by the end-to-end tests and the benchmarks; the same commands as scripts/run, except that
Rasa's HTTP API is on (for `/model/parse` and reading trackers), protected by a token made for
this stack alone. The actions server demands its own shared secret, also made per stack.
"""
from __future__ import annotations

import json
import os
import random
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


WORKER_PORT_RANGE = (20000, 32000)  # split between pytest-xdist's workers (below the kernel's own range)
_handed_out: set[int] = set()


def worker_ports() -> tuple[int, int] | None:
    """This pytest-xdist worker's share of WORKER_PORT_RANGE (start, end), or None."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if not (worker.startswith("gw") and worker[2:].isdigit() and count.isdigit()):
        return None
    index, workers = int(worker[2:]), int(count)
    if not 0 <= index < workers:
        return None
    width = (WORKER_PORT_RANGE[1] - WORKER_PORT_RANGE[0]) // workers
    return WORKER_PORT_RANGE[0] + index * width, WORKER_PORT_RANGE[0] + (index + 1) * width


def free_port() -> int:
    """A TCP port nobody listens on right now, and not handed out before by this process.

    A server binds its port only once it has started (Rasa: after loading the model, a minute later), so
    two pytest-xdist workers asking the kernel for a free port could both be given the same one in
    between. Each worker therefore draws from a share of its own of 20000-31999 (below the kernel's own
    range for outgoing connections); outside pytest-xdist, or for a worker numbered beyond the count (one
    started again after a crash), the kernel chooses."""
    span = worker_ports()
    if span is not None:
        for _ in range(500):
            port = random.randrange(*span)
            if port in _handed_out:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _handed_out.add(port)
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    _handed_out.add(port)
    return port


def post_json(url: str, payload: dict, timeout: float = 60.0) -> object:
    """POST JSON, return the decoded answer."""
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def wait_until_up(url: str, timeout: float, processes: list[subprocess.Popen]) -> None:
    """Poll `url` until it answers 200; fail early if a process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"server exited early with code {process.returncode}: {process.args}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up in {timeout:.0f} s")


@dataclass
class Stack:
    """A running actions server + Rasa server."""

    model: Path
    project_dir: Path = PROJECT_DIR
    rasa_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    workdir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    with_actions: bool = True
    with_web: bool = False          # also the web app (resident page, team API, console)
    web_port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen] = field(default_factory=list)
    api_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))      # Rasa's HTTP API
    actions_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # Rasa -> actions server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start(self, timeout: float = 300.0) -> "Stack":
        """Start both servers and wait until Rasa has loaded the model."""
        workdir = self.workdir or self.project_dir / "var"
        workdir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
               "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.actions_port}/webhook",
               "TRACKER_DB": str(workdir / f"tracker-{self.rasa_port}.db"),
               "ASSISTANT_DATABASE_URL": f"sqlite:///{workdir / f'assistant-{self.rasa_port}.db'}",
               "ASSISTANT_WEBCHAT_PORT": str(self.web_port), "ASSISTANT_WEBCHAT_HOST": "127.0.0.1",
               "ASSISTANT_PUBLIC_SOCKET_URL": self.url, "RASA_URL": self.url,
               "ASSISTANT_ACTIONS_TOKEN": self.actions_token,
               **self.extra_env}
        log = open(workdir / f"stack-{self.rasa_port}.log", "w")  # noqa: SIM115 - closed with the processes
        if self.with_actions:
            self.processes.append(subprocess.Popen(
                [str(VENV_BIN / "python"), "-m", "actions.server", "--port", str(self.actions_port)],
                cwd=self.project_dir, env=env, stdout=log, stderr=subprocess.STDOUT))
        endpoints = self.project_dir / "endpoint.yml"
        # "--auth-token=<token>": a random token may begin with "-", which would read as an option
        command = [str(VENV_BIN / "rasa"), "run", "--enable-api", f"--auth-token={self.api_token}",
                   "--interface", "127.0.0.1", "--port", str(self.rasa_port), "--model", str(self.model)]
        if endpoints.exists():
            command += ["--endpoints", str(endpoints)]
        credentials = self.project_dir / "bot" / "credentials.yml"
        if credentials.exists():
            command += ["--credentials", str(credentials)]
        self.processes.append(subprocess.Popen(command, cwd=self.project_dir, env=env, stdout=log,
                                               stderr=subprocess.STDOUT))
        if self.with_web:
            self.processes.append(subprocess.Popen([str(VENV_BIN / "python"), "-m", "bot.web"], cwd=self.project_dir,
                                                   env=env, stdout=log, stderr=subprocess.STDOUT))
        wait_until_up(f"{self.url}/", timeout, self.processes)  # Rasa listens once the model is loaded
        if self.with_web:
            wait_until_up(f"{self.web_url}/", 60, self.processes)
        if self.with_actions:
            wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", 60, self.processes)
        return self

    def say(self, sender: str, message: str) -> list[dict]:
        """One resident message through the REST channel."""
        return post_json(f"{self.url}/webhooks/rest/webhook", {"sender": sender, "message": message})  # type: ignore[return-value]

    def parse(self, text: str) -> dict:
        """/model/parse (with the API token)."""
        return post_json(self.api("/model/parse"), {"text": text})  # type: ignore[return-value]

    def api(self, path: str) -> str:
        """The URL of an HTTP API route, with this stack's token."""
        return f"{self.url}{path}{'&' if '?' in path else '?'}token={self.api_token}"

    def tracker(self, conversation_id: str) -> dict:
        """The conversation's tracker through the HTTP API (with the token)."""
        with urllib.request.urlopen(self.api(f"/conversations/{conversation_id}/tracker"), timeout=30) as answer:
            return json.load(answer)

    def stop(self) -> None:
        """Stop everything this stack started."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()
