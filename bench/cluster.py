"""The production set on one machine: N Rasa replicas + M actions replicas + the web app behind nginx.

PostgreSQL holds the conversations (Rasa's SQL tracker store) and the tickets (the store of
`ASSISTANT_DATABASE_URL`), Redis the conversation locks and the shared socket.io rooms; nginx
(`bot/deploy/nginx.conf.template`, its own prefix and logs in the work directory) is the single
front. Used by `scripts/run-production`, the fault benchmark (`bench/faults.py`), the load
benchmark and `tests/test_production.py`; the Rasa servers use `bot/deploy/endpoints.production.yml`.

    cluster = Cluster(MODEL, api=True).start()
    post_json(f"{cluster.url}/webhooks/rest/webhook", {"sender": "x", "message": "hei"})
    cluster.stop_rasa(0); cluster.start_rasa(0)
    cluster.stop()
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bench.stack import PROJECT_DIR, VENV_BIN, free_port, wait_until_up

DEPLOY_DIR = PROJECT_DIR / "bot" / "deploy"
ENDPOINTS = DEPLOY_DIR / "endpoints.production.yml"
NGINX_TEMPLATE = DEPLOY_DIR / "nginx.conf.template"
ADMIN_DATABASE_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def render_nginx_config(template: str, values: dict[str, str]) -> str:
    """Fill the template's {{name}} placeholders; a placeholder left unfilled is an error."""
    for name, value in values.items():
        template = template.replace("{{" + name + "}}", value)
    if "{{" in template:
        start = template.index("{{")
        raise ValueError(f"nginx template placeholder not filled: {template[start:template.index('}}', start) + 2]}")
    return template


def server_lines(ports: list[int]) -> str:
    """nginx `server` lines for local upstreams (a dead one is skipped for 5 s after one failure)."""
    return "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in ports)


def _admin_execute(statement: str) -> None:
    import sqlalchemy

    engine = sqlalchemy.create_engine(ADMIN_DATABASE_URL, future=True, isolation_level="AUTOCOMMIT",
                                      connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text(statement))
    finally:
        engine.dispose()


@dataclass
class Cluster:
    """A running production set on free local ports (see the module docstring)."""

    model: Path
    rasa_replicas: int = 2
    actions_replicas: int = 2
    with_web: bool = True
    database_url: str | None = None   # None: a fresh PostgreSQL database it creates (and drops on stop) on 127.0.0.1
    redis_url: str = "redis://127.0.0.1:6379/7"
    workdir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    front_port: int = 0               # 0: a free port (scripts/run-production passes its own)
    # False: the front without its per-address request limits (a benchmark's many residents all come
    # from 127.0.0.1; the limits themselves are tested in tests/test_proxy_limits.py)
    client_limits: bool = True
    # True: Rasa's HTTP API on, with a random token (the tests and benchmarks read trackers with it).
    # Off by default, as in production: scripts/run-production runs without it (a token on the command
    # line would be readable by every local user).
    api: bool = False

    def __post_init__(self) -> None:
        self._tag = secrets.token_hex(4)
        self.api_token = secrets.token_urlsafe(24)  # Rasa's HTTP API (tests and benchmarks only)
        self._created_database: str | None = None
        self._own_workdir = self.workdir is None
        self._rasa_ports = [free_port() for _ in range(self.rasa_replicas)]
        self._actions_ports = [free_port() for _ in range(self.actions_replicas)]
        self._web_port = free_port()
        self._front_port = self.front_port or free_port()
        self._actions_front_port = free_port()
        self._rasa_api_port = free_port()
        self._rasa: list[subprocess.Popen | None] = [None] * self.rasa_replicas
        self._actions: list[subprocess.Popen | None] = [None] * self.actions_replicas
        self._others: list[subprocess.Popen] = []
        self._env: dict[str, str] = {}

    # --- addresses ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The nginx front: /webhooks/rest/webhook, /socket.io/, /status and the web app's pages."""
        return f"http://127.0.0.1:{self._front_port}"

    @property
    def rasa_urls(self) -> list[str]:
        """Each Rasa replica directly (bypassing nginx)."""
        return [f"http://127.0.0.1:{port}" for port in self._rasa_ports]

    @property
    def actions_urls(self) -> list[str]:
        """Each actions replica directly (bypassing nginx)."""
        return [f"http://127.0.0.1:{port}" for port in self._actions_ports]

    def api_url(self, index: int, path: str) -> str:
        """The URL of an HTTP API route on replica `index`, with the cluster's token (the API is
        on here for the tests and benchmarks only; the production manifests run Rasa without it)."""
        assert self.api, "Cluster(api=True) runs Rasa with its HTTP API"
        return f"{self.rasa_urls[index]}{path}{'&' if '?' in path else '?'}token={self.api_token}"

    @property
    def internal_token(self) -> str:
        """The shared secret of the relay routes (the web app's console uses it), made at start."""
        return self._env["ASSISTANT_INTERNAL_TOKEN"]

    @property
    def tracker_database_url(self) -> str:
        """The SQLAlchemy URL of the database (tickets and Rasa's tracker store share it here)."""
        assert self.database_url is not None, "start() first"
        return self.database_url

    # --- life cycle ----------------------------------------------------------------------------
    def start(self, timeout: float = 300.0) -> "Cluster":
        """Create the database if needed, start every process (Rasa replicas in parallel), wait for all."""
        for tool in ("nginx",):
            if shutil.which(tool) is None and not Path("/usr/sbin/nginx").exists():
                raise RuntimeError("nginx not found: install the Debian package nginx (scripts/setup does)")
        if self.workdir is None:
            (PROJECT_DIR / "var").mkdir(exist_ok=True)
            self.workdir = Path(tempfile.mkdtemp(prefix="cluster-", dir=PROJECT_DIR / "var"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.database_url is None:
            name = f"sote_cluster_{self._tag}"
            _admin_execute(f"CREATE DATABASE {name}")
            self._created_database = name
            self.database_url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
        self._env = self._environment()
        try:
            self._start_nginx()
            for index in range(self.actions_replicas):
                self.start_actions(index, wait=False)
            for index in range(self.rasa_replicas):
                self.start_rasa(index, wait=False)
            if self.with_web:
                self._others.append(self._spawn("web", [str(VENV_BIN / "python"), "-m", "bot.web"],
                                                {"ASSISTANT_WEBCHAT_PORT": str(self._web_port)}))
            running = [p for p in [*self._rasa, *self._actions, *self._others] if p is not None]
            waits = [f"{url}/" for url in self.rasa_urls] + [f"{url}/health" for url in self.actions_urls]
            if self.with_web:
                waits.append(f"http://127.0.0.1:{self._web_port}/")
            with ThreadPoolExecutor(len(waits)) as pool:
                for future in [pool.submit(wait_until_up, url, timeout, running) for url in waits]:
                    future.result()
            wait_until_up(f"{self.url}/status", 30, running)  # through nginx to a Rasa replica
        except BaseException:
            self.stop()
            raise
        return self

    def stop_rasa(self, index: int, kill: bool = False) -> None:
        """Stop Rasa replica `index` (SIGTERM and wait; `kill=True`: SIGKILL, as a crash)."""
        self._rasa[index] = self._end(self._rasa[index], kill)

    def start_rasa(self, index: int, wait: bool = True, timeout: float = 300.0) -> None:
        """(Re)start Rasa replica `index` on its own port; by default wait until it has loaded the model."""
        port = self._rasa_ports[index]
        command = [str(VENV_BIN / "rasa"), "run", *(["--enable-api", f"--auth-token={self.api_token}"] if self.api else []),
                   "--interface", "127.0.0.1", "--port", str(port),
                   "--model", str(self.model), "--endpoints", str(ENDPOINTS),
                   "--credentials", str(PROJECT_DIR / "bot" / "credentials.yml")]
        self._rasa[index] = self._spawn(f"rasa-{index}", command, {})
        if wait:
            wait_until_up(f"{self.rasa_urls[index]}/", timeout, [self._rasa[index]])  # up = model loaded

    def stop_actions(self, index: int, kill: bool = False) -> None:
        """Stop actions replica `index` (SIGTERM and wait; `kill=True`: SIGKILL)."""
        self._actions[index] = self._end(self._actions[index], kill)

    def start_actions(self, index: int, wait: bool = True, timeout: float = 120.0) -> None:
        """(Re)start actions replica `index` on its own port."""
        port = self._actions_ports[index]
        command = [str(VENV_BIN / "python"), "-m", "actions.server", "--port", str(port)]
        self._actions[index] = self._spawn(f"actions-{index}", command, {})
        if wait:
            wait_until_up(f"{self.actions_urls[index]}/health", timeout, [self._actions[index]])

    def all_running(self) -> bool:
        """Whether every process started (and not stopped on purpose) is still running."""
        return all(p is None or p.poll() is None for p in [*self._rasa, *self._actions, *self._others])

    def stop(self) -> None:
        """Stop every process, then drop the database it created (the work directory stays for its logs)."""
        processes = [*self._rasa, *self._actions, *self._others]
        for process in processes:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in processes:
            if process is not None:
                self._end(process, kill=False)
        self._rasa = [None] * self.rasa_replicas
        self._actions = [None] * self.actions_replicas
        self._others = []
        if self._created_database:
            try:
                _admin_execute(f"DROP DATABASE IF EXISTS {self._created_database} WITH (FORCE)")
            finally:
                self._created_database = None
                self.database_url = None

    # --- internals -----------------------------------------------------------------------------
    def _environment(self) -> dict[str, str]:
        db = urllib.parse.urlsplit(self.database_url.replace("postgresql+psycopg2://", "postgresql://", 1))
        redis = urllib.parse.urlsplit(self.redis_url)
        return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
                "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self._actions_front_port}/webhook",
                "TRACKER_DB_HOST": db.hostname or "127.0.0.1", "TRACKER_DB_PORT": str(db.port or 5432),
                "TRACKER_DB_NAME": db.path.lstrip("/"), "TRACKER_DB_USER": urllib.parse.unquote(db.username or ""),
                "TRACKER_DB_PASSWORD": urllib.parse.unquote(db.password or ""),
                "LOCK_REDIS_HOST": redis.hostname or "127.0.0.1", "LOCK_REDIS_PORT": str(redis.port or 6379),
                "LOCK_REDIS_DB": redis.path.lstrip("/") or "0", "LOCK_REDIS_PASSWORD": redis.password or "",
                "LOCK_REDIS_KEY_PREFIX": f"sote{self._tag}",
                "ASSISTANT_SOCKETIO_REDIS_URL": self.redis_url, "ASSISTANT_SOCKETIO_CHANNEL": f"sote-{self._tag}",
                "ASSISTANT_DATABASE_URL": self.database_url,
                "ASSISTANT_INTERNAL_TOKEN": secrets.token_urlsafe(32),
                "ASSISTANT_ACTIONS_TOKEN": secrets.token_urlsafe(32),
                "ASSISTANT_SESSION_SECRET": secrets.token_urlsafe(48),
                "TICKET_LOCK_LIFETIME": "20",  # a crashed replica's conversation lock frees in 20 s, not 60
                "ASSISTANT_WEBCHAT_HOST": "127.0.0.1", "ASSISTANT_PUBLIC_URL": self.url,
                "ASSISTANT_TRUSTED_PROXIES": "127.0.0.1",  # nginx, on this machine, tells the browser's scheme
                "ASSISTANT_PUBLIC_SOCKET_URL": self.url, "RASA_URL": f"http://127.0.0.1:{self._rasa_api_port}",
                **self.extra_env}

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "a")  # noqa: SIM115 - kept open for the process's life
        return subprocess.Popen(command, cwd=PROJECT_DIR, env={**self._env, **env}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    @staticmethod
    def _end(process: subprocess.Popen | None, kill: bool) -> None:
        if process is None:
            return
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def _start_nginx(self) -> None:
        runtime = self.workdir / "nginx"
        runtime.mkdir(exist_ok=True)
        self.workdir.chmod(0o711)  # started as root, nginx's workers (user nobody) reach their temporary files
        runtime.chmod(0o755)
        config = render_nginx_config(NGINX_TEMPLATE.read_text(encoding="utf-8"), {
            "runtime_dir": str(runtime), "public_listen": f"127.0.0.1:{self._front_port}",
            "actions_listen": f"127.0.0.1:{self._actions_front_port}",
            "rasa_api_listen": f"127.0.0.1:{self._rasa_api_port}",
            "rasa_servers": server_lines(self._rasa_ports), "actions_servers": server_lines(self._actions_ports),
            "web_servers": server_lines([self._web_port])})
        if not self.client_limits:
            config = re.sub(r"^\s*limit_req zone=.*\n", "", config, flags=re.MULTILINE)
        (runtime / "nginx.conf").write_text(config, encoding="utf-8")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        command = [nginx, "-p", str(runtime), "-c", str(runtime / "nginx.conf"), "-e", str(runtime / "error.log"),
                   "-g", "daemon off;"]
        check = subprocess.run([*command[:-2], "-t"], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused its configuration: {check.stderr.strip()}")
        self._others.append(self._spawn("nginx", command, {}))
        deadline = time.monotonic() + 10
        while not (runtime / "nginx.pid").exists():
            if time.monotonic() > deadline or self._others[-1].poll() is not None:
                raise RuntimeError(f"nginx did not start: see {runtime / 'error.log'}")
            time.sleep(0.1)


def main() -> None:
    """`python -m bench.cluster`: start the set, print its addresses, stop everything on Ctrl-C."""
    import argparse

    parser = argparse.ArgumentParser(description="The production set on one machine (scripts/run-production).")
    parser.add_argument("--model", type=Path, default=PROJECT_DIR / "models" / "assistant.tar.gz")
    parser.add_argument("--rasa", type=int, default=2, help="Rasa server replicas")
    parser.add_argument("--actions", type=int, default=2, help="actions server replicas")
    parser.add_argument("--port", type=int, default=8000, help="the front's port (nginx)")
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL; default: a fresh database, dropped at exit")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    args = parser.parse_args()
    cluster = Cluster(args.model, rasa_replicas=args.rasa, actions_replicas=args.actions,
                      database_url=args.database_url, redis_url=args.redis_url, front_port=args.port)
    print(f"[run-production] Starting {args.rasa} Rasa + {args.actions} actions replicas, the web app and nginx "
          "(loading the model takes a minute)...", flush=True)
    cluster.start()
    try:
        print(f"[run-production] Ready: open {cluster.url}/ (Ctrl-C stops)", flush=True)
        print(f"[run-production] Rasa replicas: {', '.join(cluster.rasa_urls)}; actions: "
              f"{', '.join(cluster.actions_urls)}; logs: {cluster.workdir}", flush=True)
        while cluster.all_running():
            time.sleep(1)
        print("[run-production] A process exited; stopping the rest.", flush=True)
    except KeyboardInterrupt:
        print("\n[run-production] Stopping...", flush=True)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
