"""The web app runs the retention (actions/store/retention.py) itself every few hours, first a
minute after start, on the app's one database engine. Several web replicas may run it at once: its
deletes are idempotent."""
from __future__ import annotations

import asyncio
import contextlib
import logging

from sanic import Sanic
from sqlalchemy.exc import SQLAlchemyError

from actions.store.retention import RetentionResult, apply_retention
from actions.store.transactions import StoreUnavailable
from actions.store.transcripts import TranscriptStore
from bot.blocking import blocking
from bot.settings import Settings
from bot.web.periodic import every
from bot.web.runtime import WebRuntime

logger = logging.getLogger(__name__)
FIRST_RUN_DELAY_SECONDS = 60


def run_once(runtime: WebRuntime) -> RetentionResult:
    """One run: the app's own database, and Rasa's tracker store (its own engine, closed after)."""
    transcripts = TranscriptStore.from_url(runtime.settings.privacy.tracker_url)
    try:
        return apply_retention(runtime.sessions(), transcripts, runtime.settings.privacy)
    finally:
        transcripts.dispose()


async def _retention_loop(runtime: WebRuntime) -> None:
    await every(runtime.settings.privacy.interval_hours * 3600, lambda: blocking(run_once, runtime), "retention",
                first_wait_seconds=FIRST_RUN_DELAY_SECONDS, expected=(StoreUnavailable, SQLAlchemyError))


def schedule_retention(app: Sanic, settings: Settings) -> None:
    """Start the retention loop with the server (if `interval_hours` > 0) and stop it with the server."""
    if settings.privacy.interval_hours <= 0:
        return

    @app.listener("after_server_start")
    async def start(app_: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        app_.ctx.retention_task = asyncio.get_running_loop().create_task(_retention_loop(app_.ctx.runtime))

    @app.listener("before_server_stop")
    async def stop(app_: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        task = getattr(app_.ctx, "retention_task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
