"""Prometheus metrics, the same five on each of the three processes (the Rasa server, the actions
server, the web app): replies, reply time, emergency answers, the live queue's length and store
errors; and the notification outbox's counts where the outbox is delivered (the web app's delivery
task). Each process serves its own at a `/metrics` route that answers only with the metrics token.

Labels are small fixed sets (the process, a door or channel, an emergency category, a store), never
anything a resident wrote or a conversation id.
"""
from __future__ import annotations

import functools
import os
import time
from contextlib import contextmanager
from typing import Any, Awaitable, Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sanic import response

from bot.handoff import HandoffSettings, token_matches

ENV_METRICS_TOKEN = "ASSISTANT_METRICS_TOKEN"
NO_STORE = {"Cache-Control": "no-store"}
REPLY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REPLIES = Counter("sote_replies_total", "Answers given: a resident's turn (Rasa), an action run (actions), "
                  "an HTTP request answered (web app)", ["process", "door"])
REPLY_SECONDS = Histogram("sote_reply_seconds", "Time to answer, by process and door", ["process", "door"],
                          buckets=REPLY_BUCKETS)
EMERGENCIES = Counter("sote_emergencies_total", "Emergency answers given, by category", ["process", "category"])
QUEUE_LENGTH = Gauge("sote_handoff_queue_length", "Conversations waiting for or held by a professional, as last read",
                     ["process"])
STORE_ERRORS = Counter("sote_store_errors_total", "Database calls that failed because the database could not be "
                       "reached", ["process"])
OUTBOX = Gauge("sote_notification_outbox", "Notifications (e-mail, SMS) by state, as last counted: queued = not "
               "sent yet, retrying = of those, failed at least once, given_up = not sent after the last try",
               ["process", "state"])
OUTBOX_STATES = ("queued", "retrying", "given_up")

_process = {"name": "unknown"}  # each process names itself at start (`set_process`)


def set_process(name: str) -> None:
    """Name this process in every metric's `process` label ("rasa", "actions", "web")."""
    _process["name"] = name


def process() -> str:
    return _process["name"]


def record_reply(door: str, started: float | None) -> None:
    """Count one answer of `door` and, with its `time.perf_counter()` start, its time."""
    REPLIES.labels(process(), door).inc()
    if started is not None:
        REPLY_SECONDS.labels(process(), door).observe(time.perf_counter() - started)


@contextmanager
def timed_reply(door: str) -> Iterator[None]:
    """Count one answer of `door` and its time (also when it fails: the resident waited as long)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        record_reply(door, start)


def timed_turns(handler: Callable[[Any], Awaitable[Any]], door: str) -> Callable[[Any], Awaitable[Any]]:
    """A channel's `on_new_message` that counts and times every resident's turn of `door`."""
    @functools.wraps(handler)
    async def timed(message: Any) -> Any:
        with timed_reply(door):
            return await handler(message)
    return timed


def count_emergency(category: str) -> None:
    EMERGENCIES.labels(process(), category[:40] or "unknown").inc()


def set_queue_length(length: int) -> None:
    QUEUE_LENGTH.labels(process()).set(length)


def set_outbox_counts(queued: int, retrying: int, given_up: int) -> None:
    """The outbox's counts after a delivery round (`OutboxStore.counts`): an alert watches given_up."""
    for state, value in zip(OUTBOX_STATES, (queued, retrying, given_up)):
        OUTBOX.labels(process(), state).set(value)


def count_store_error() -> None:
    STORE_ERRORS.labels(process()).inc()


def metrics_token() -> str:
    """The scraper's bearer token: ASSISTANT_METRICS_TOKEN, else the processes' internal token."""
    return os.environ.get(ENV_METRICS_TOKEN) or HandoffSettings.from_env().token()


def metrics_response(authorization: str | None, token: str) -> response.HTTPResponse:
    """The answer to a `/metrics` request (any of the three processes): the text exposition format
    with the right bearer token, else 401 and nothing."""
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token_matches(given.strip(), token):
        return response.json({"error": "unauthenticated"}, status=401, headers=NO_STORE)
    return response.raw(generate_latest(), content_type=CONTENT_TYPE_LATEST, headers=NO_STORE)
