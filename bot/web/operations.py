"""The operators' door: `/health` for the load balancer and `/metrics` for Prometheus.

`/health` checks the database (one query) and the Rasa server (its web chat channel's health
route) and says only "ok" or "unavailable" for each: 200 when both answer, 503 otherwise. It is
open, like any load balancer's probe, and tells nothing but that. `/metrics` answers only with the
metrics token (`bot.metrics.metrics_token`). Every answer of the web app is counted and timed here
too (response middleware), by door.
"""
from __future__ import annotations

import time
from typing import Any

import aiohttp
from sanic import response
from sanic.request import Request
from sqlalchemy import text

from bot.blocking import blocking
from bot.metrics import NO_STORE, metrics_response, metrics_token, record_reply
from bot.web.routes import Door, Route
from bot.web.runtime import runtime_of

RASA_HEALTH_TIMEOUT = aiohttp.ClientTimeout(total=3)


def _database_ok(runtime: Any) -> bool:
    try:
        with runtime.sessions()() as session:
            session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure is "unavailable"; the cause is in the store's own log
        return False


async def _rasa_ok(rasa_url: str) -> bool:
    try:
        async with aiohttp.ClientSession(timeout=RASA_HEALTH_TIMEOUT) as client, \
                client.get(rasa_url.rstrip("/") + "/webhooks/webchat/") as answer:
            return answer.status == 200
    except (aiohttp.ClientError, OSError, TimeoutError):
        return False


async def health(request: Request) -> response.HTTPResponse:
    runtime = runtime_of(request)
    checks = {"database": await blocking(_database_ok, runtime),
              "rasa": await _rasa_ok(runtime.settings.handoff.rasa_url)}
    healthy = all(checks.values())
    return response.json({"status": "ok" if healthy else "unavailable",
                          **{name: "ok" if ok else "unavailable" for name, ok in checks.items()}},
                         status=200 if healthy else 503, headers=NO_STORE)


async def metrics(request: Request) -> response.HTTPResponse:
    return metrics_response(request.headers.get("authorization"), request.app.ctx.metrics_token)


async def start_timer(request: Request) -> None:
    request.ctx.started = time.perf_counter()


async def count_reply(request: Request, answer: response.HTTPResponse) -> None:
    """One answer of the web app, by door (the route's blueprint; "other" for no route)."""
    route = getattr(request, "route", None)
    door = route.name.split(".")[1] if route is not None and route.name.count(".") >= 2 else "other"
    record_reply(door, getattr(request.ctx, "started", None))


def install_operations(app: Any) -> None:
    """Time every request; the metrics token is read once, when the app is made."""
    app.ctx.metrics_token = metrics_token()
    app.register_middleware(start_timer, "request")
    app.register_middleware(count_reply, "response")


OPERATIONS = Door("operations", "", routes=(
    Route("GET", "/health", health),
    Route("GET", "/metrics", metrics),
))
