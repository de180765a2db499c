"""The actions server: rasa-sdk's app, reachable only by the Rasa server.

    python -m actions.server [--port 5055] [--interface 127.0.0.1]

rasa-sdk's own entry point listens on every interface and runs any action for whoever posts a
tracker, so a made-up tracker could file a ticket. This entry point keeps rasa-sdk's routes and
adds what an internal door needs:

* every route but `GET /health` demands the shared secret `ASSISTANT_ACTIONS_TOKEN` in the header
  `X-Actions-Token` (compared in constant time), which the Rasa server sends from `endpoint.yml`;
  without the secret set the server does not start;
* it listens on 127.0.0.1 unless told otherwise (`--interface`, or `ASSISTANT_ACTIONS_HOST` in a
  container, where the network policy decides who reaches it);
* a failing action answers 500 with no echo of the tracker (rasa-sdk's handler returns the whole
  request body, personal data included) and logs only the error's class;
* bodies are bounded (`MAX_TRACKER_BYTES`);
* every log line of the process is redacted (`bot/log_redaction.py`), from before rasa-sdk imports
  the action modules.

The tracker alone is still not trusted with an identity: `actions/identity.py`.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import Optional

from sanic import Sanic, response
from sanic.request import Request

from bot.constants import ACTIONS_TOKEN_HEADER, ENV_ACTIONS_HOST, ENV_ACTIONS_TOKEN
from bot.handoff import token_matches
from bot.log_format import configure_logging, error_summary
from bot.log_redaction import install_log_redaction
from bot.metrics import metrics_response, metrics_token, record_reply, set_process
from bot.settings import Settings

logger = logging.getLogger(__name__)
DEFAULT_PORT = 5055
MAX_TRACKER_BYTES = 8 * 1024 * 1024  # a long conversation's tracker, with room to spare
OPEN_PATHS = frozenset({"/health", "/metrics"})  # /metrics checks the metrics token itself


class MissingToken(SystemExit):
    """The shared secret is not configured: refuse to start rather than serve unauthenticated."""


def guard(app: Sanic, token: str) -> Sanic:
    """Demand the shared secret on every route but /health; answer failures without echoing data."""
    if not token:
        raise MissingToken(f"{ENV_ACTIONS_TOKEN} is not set: the actions server will not start without the "
                           "shared secret the Rasa server sends (see endpoint.yml).")
    app.config.REQUEST_MAX_SIZE = MAX_TRACKER_BYTES

    @app.on_request
    async def authenticate(request: Request) -> Optional[response.HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        if token_matches(request.headers.get(ACTIONS_TOKEN_HEADER), token):
            return None
        logger.warning("actions server: %s %s refused (no valid %s) from %s", request.method, request.path,
                       ACTIONS_TOKEN_HEADER, request.ip)
        return response.json({"error": "unauthenticated"}, status=401)

    @app.exception(Exception)
    async def failure(request: Request, exception: Exception) -> response.HTTPResponse:
        status = int(getattr(exception, "status_code", 500) or 500)
        if status >= 500:
            logger.error("actions server: %s failed with %s", request.path, exception.__class__.__name__)
        return response.json({"error": "request failed" if status >= 500 else str(exception)}, status=status)

    return app


def create_app(token: str, package: str = "actions") -> Sanic:
    """rasa-sdk's app for the action package, guarded and measured; the process's log lines
    redacted first."""
    install_log_redaction()
    set_process("actions")
    from rasa_sdk.endpoint import create_app as create_sdk_app

    return measured(guard(create_sdk_app(package, cors_origins=None), token), metrics_token())


def measured(app: Sanic, metrics_token_value: str) -> Sanic:
    """Count and time every action run (by action name), and serve /metrics for the metrics token."""
    @app.on_request
    async def start_timer(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    @app.on_response
    async def count(request: Request, _answer: response.HTTPResponse) -> None:
        started = getattr(request.ctx, "started", None)
        if request.path != "/webhook" or started is None:
            return
        body = request.json if request.body else None
        action = body.get("next_action") if isinstance(body, dict) else None
        door = action if isinstance(action, str) and action.startswith("action_") and len(action) < 60 else "other"
        record_reply(door, started)

    @app.get("/metrics")
    async def metrics(request: Request) -> response.HTTPResponse:
        return metrics_response(request.headers.get("authorization"), metrics_token_value)

    return app


def warm_up() -> None:
    """Build the actions' runtime (the library, the database and its migrations, the analyser) before
    the server listens, so that the first resident does not wait for it: built on the first action
    call, it took 5 s on an idle machine and over 30 s on a busy one. A failure here is logged and
    the server starts anyway; the first action then meets the same error and answers it as before."""
    from actions.runtime import default_runtime

    started = time.perf_counter()
    try:
        default_runtime()
    except Exception as error:  # noqa: BLE001 - the action that needs the runtime reports it again
        logger.error("actions server: the runtime could not be built at start (%s); the actions will retry",
                     error_summary(error))
        return
    logger.info("actions server: runtime ready in %.1f s", time.perf_counter() - started)


def main(argv: Optional[list[str]] = None) -> None:
    """Run the guarded actions server (one worker)."""
    parser = argparse.ArgumentParser(description="The assistant's actions server (rasa-sdk), token-protected.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--interface", default=os.environ.get(ENV_ACTIONS_HOST) or "127.0.0.1")
    args = parser.parse_args(argv)
    configure_logging()
    install_log_redaction()
    try:
        Settings.from_env()  # a bad setting (the person keys' secret, ...) fails now, naming it, not in an action
        app = create_app(os.environ.get(ENV_ACTIONS_TOKEN, ""))
    except MissingToken as missing:
        print(f"[actions] {missing.code}", file=sys.stderr)
        raise SystemExit(2) from None
    except ValueError as bad:
        print(f"[actions] {bad}", file=sys.stderr)
        raise SystemExit(2) from None
    warm_up()
    logger.info("actions server on http://%s:%d (token required)", args.interface, args.port)
    app.run(host=args.interface, port=args.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
