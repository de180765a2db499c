"""The web app sends the notification outbox itself (`actions/store/delivery.py`): every few seconds one
round of `deliver_due`, in a worker thread (`bot.blocking.blocking`: SMTP and the SMS gateway block), on
the app's one database engine, with the senders configured by ASSISTANT_SMTP_* / ASSISTANT_SMS_GATEWAY_*
(`NotificationSettings`). With no sender configured, or `ASSISTANT_NOTIFY_INTERVAL_SECONDS=0`, it does
not run: the notifications wait in the outbox (and are sent by whichever process does run it).

Several web replicas may run it at once: each row is claimed by one runner. After each round the
outbox's counts go to the `sote_notification_outbox` gauge (queued, retrying, given up), so a failing
mail server shows on the operators' dashboards; each failure is also a log line without the address.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass, field
from typing import Mapping

from sanic import Sanic
from sqlalchemy.exc import SQLAlchemyError

from actions.store.delivery import DeliveryReport, deliver_due
from actions.store.notification_senders import Sender, senders_from_settings
from actions.store.notification_settings import NotificationSettings
from actions.store.notification_texts import load_notification_texts
from actions.store.outbox import OutboxStore
from actions.store.transactions import StoreUnavailable
from bot.blocking import blocking
from bot.constants import ENV_NOTIFY_INTERVAL
from bot.metrics import set_outbox_counts
from bot.web.periodic import every
from bot.web.runtime import WebRuntime

logger = logging.getLogger(__name__)
DEFAULT_INTERVAL_SECONDS = 30


@dataclass(frozen=True)
class DeliverySettings:
    """How often the web app delivers (0: never) and where to (the notification channels)."""

    interval_seconds: float = DEFAULT_INTERVAL_SECONDS
    notifications: NotificationSettings = field(default_factory=NotificationSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "DeliverySettings":
        """Read from the environment; a bad interval or a half-configured channel fails here, loudly."""
        env = os.environ if env is None else env
        interval = env.get(ENV_NOTIFY_INTERVAL) or str(DEFAULT_INTERVAL_SECONDS)
        if not interval.isdigit():
            raise ValueError(f"{ENV_NOTIFY_INTERVAL} must be a whole number of seconds (0: off), got {interval!r}")
        return cls(int(interval), NotificationSettings.from_env(env))


def run_once(outbox: OutboxStore, senders: Mapping[str, Sender], settings: NotificationSettings) -> DeliveryReport:
    """One round: send what is due, then count the outbox for the gauge (blocking)."""
    report = deliver_due(outbox, senders, policy=settings.policy)
    counts = outbox.counts()
    set_outbox_counts(counts.waiting, counts.retrying, counts.given_up)
    return report


async def delivery_round(runtime: WebRuntime, senders: Mapping[str, Sender],
                         settings: NotificationSettings) -> DeliveryReport | None:
    """One round on the app's stores (None when they have no outbox); a database that cannot be reached
    is logged and tried again next round."""
    try:
        team = await blocking(runtime.stores)
        if team.outbox is None:
            return None
        report = await blocking(run_once, team.outbox, senders, settings)
    except (StoreUnavailable, SQLAlchemyError) as error:
        logger.warning("notification delivery skipped a round: %s", error)
        return None
    if report.sent or report.retrying or report.given_up:
        logger.info("notifications: %d sent, %d to retry, %d given up", report.sent, report.retrying,
                    report.given_up)
    return report


async def _delivery_loop(runtime: WebRuntime, delivery: DeliverySettings, senders: Mapping[str, Sender]) -> None:
    await every(delivery.interval_seconds, lambda: delivery_round(runtime, senders, delivery.notifications),
                "notification delivery", first_wait_seconds=delivery.interval_seconds)


def notification_channels(delivery: DeliverySettings) -> tuple[str, ...]:
    """The channels a notice can go by: those with a sender configured (SMTP: email, the SMS gateway: sms),
    none when the delivery does not run (interval 0). The own space offers only these."""
    if delivery.interval_seconds <= 0:
        return ()
    settings = delivery.notifications
    return tuple(channel for channel, sender in (("email", settings.smtp), ("sms", settings.sms)) if sender is not None)


def schedule_delivery(app: Sanic, delivery: DeliverySettings | None = None) -> bool:
    """Start the delivery loop with the server and stop it with the server; False (nothing scheduled)
    when no sender is configured or the interval is 0. The channels it delivers by are on
    `app.ctx.notification_channels` (`notification_channels`)."""
    delivery = delivery or DeliverySettings.from_env()
    app.ctx.notification_channels = notification_channels(delivery)
    if delivery.interval_seconds <= 0:
        return False
    senders = senders_from_settings(delivery.notifications, load_notification_texts())
    if not senders:
        return False
    logger.info("notifications: delivered every %s s by %s", delivery.interval_seconds, ", ".join(sorted(senders)))

    async def start(app_: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        app_.ctx.delivery_task = asyncio.get_running_loop().create_task(
            _delivery_loop(app_.ctx.runtime, delivery, senders))

    async def stop(app_: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        task = getattr(app_.ctx, "delivery_task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.register_listener(start, "after_server_start")
    app.register_listener(stop, "before_server_stop")
    return True
