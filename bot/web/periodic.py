"""The web app's background rounds (handoff housekeeping, notification delivery, retention): one loop
that runs a round every so often for as long as the server runs. A failed round is logged, never fatal;
the loop ends quietly when the server's worker threads are shutting down."""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

logger = logging.getLogger(__name__)


async def every(interval_seconds: float, one_round: Callable[[], Awaitable[object]], name: str, *,
                first_wait_seconds: float = 0.0, expected: tuple[type[Exception], ...] = ()) -> None:
    """Run `one_round` after `first_wait_seconds`, then every `interval_seconds`. An `expected` error
    (the database away, say) is a warning line: the next round tries again; anything else is logged with
    its traceback."""
    await asyncio.sleep(first_wait_seconds)
    while True:
        try:
            await one_round()
        except expected as error:
            logger.warning("%s skipped a round: %s", name, error)
        except RuntimeError as error:  # the worker threads are gone: the server is stopping
            if "shutdown" in str(error):
                return
            logger.exception("%s failed", name)
        except Exception:  # the loop must survive anything one round does
            logger.exception("%s failed", name)
        await asyncio.sleep(interval_seconds)
