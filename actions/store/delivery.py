"""Delivering the outbox: `deliver_due` sends what is due, retries failures, and gives up in the end.

Run by whoever sends (the web app's background loop, through `bot.blocking.blocking`, or a job):

    texts = load_notification_texts()
    settings = NotificationSettings.from_env()
    deliver_due(OutboxStore(sessions), senders_from_settings(settings, texts), policy=settings.policy)

Each due row is claimed for this run only, sent by its channel's sender and marked sent; a
`SendFailed`, any other error while sending, or a channel without a sender is tried again after the
back-off, and given up after `policy.max_attempts` tries, or at once when it is permanent. Failures stay visible to operators:
`OutboxStore.counts()` for a gauge, and a log line per failure that names the row, the channel and
the short reason, never the address.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Mapping

from actions.store.notification_senders import Sender, SendFailed
from actions.store.outbox import DEFAULT_POLICY, OutboxStore, RetryPolicy
from bot.personal_data import redact_identifiers

logger = logging.getLogger(__name__)
ROUND_LIMIT = 50  # rows one round claims at most (the next round takes the rest)


@dataclass(frozen=True)
class DeliveryReport:
    """What one round did."""

    sent: int = 0
    retrying: int = 0
    given_up: int = 0


def deliver_due(outbox: OutboxStore, senders: Mapping[str, Sender], now: dt.datetime | None = None,
                policy: RetryPolicy = DEFAULT_POLICY, limit: int = ROUND_LIMIT) -> DeliveryReport:
    """Send the notifications due at `now` (default: the outbox's clock); returns the round's counts.

    One row is claimed, sent and marked at a time: a claim's lease (`policy.lease`) covers one send,
    however slow the server, so another replica's runner never claims a row this one is still
    sending; and a row is marked only while this runner's claim holds."""
    store = outbox.at(now) if now is not None else outbox
    sent = retrying = given_up = 0
    for _ in range(max(1, limit)):
        claimed = store.claim_due(1, policy)
        if not claimed:
            break
        item = claimed[0]
        sender = senders.get(item.channel)
        try:
            try:
                if sender is None:
                    raise SendFailed(f"no {item.channel} sender configured")
                sender.send(item.address, item.template)
            except SendFailed:
                raise
            except Exception as error:  # a fault in a sender or a text (a bug, a gone template): counted like
                # a failure, so the row is given up in the end instead of being claimed again for ever. Only
                # the error's type is kept: its message may hold the address.
                logger.error("notification %d (%s): unexpected %s while sending", item.id, item.channel,
                             type(error).__name__)
                raise SendFailed(f"unexpected error: {type(error).__name__}") from None
        except SendFailed as failure:
            reason = redact_identifiers(failure.reason)
            after = store.mark_failed(item.id, reason, policy, permanent=failure.permanent, attempt=item.attempts)
            if after.given_up_at is not None:
                given_up += 1
                logger.warning("notification %d (%s) given up after %d attempts: %s", item.id, item.channel,
                               after.attempts, reason)
            else:
                retrying += 1
                logger.info("notification %d (%s) failed (attempt %d), tried again at %s: %s", item.id,
                            item.channel, after.attempts, after.next_attempt_at.isoformat(), reason)
            continue
        if not store.mark_sent(item.id, attempt=item.attempts):
            logger.warning("notification %d (%s) was claimed by another runner while it was being sent",
                           item.id, item.channel)
        sent += 1
    return DeliveryReport(sent, retrying, given_up)
