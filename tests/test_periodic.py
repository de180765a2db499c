"""The web app's background loop (bot/web/periodic.py): a failed round never ends it, a shutdown does."""
from __future__ import annotations

import asyncio
import logging

import pytest

from bot.web.periodic import every


class Unavailable(Exception):
    pass


def test_a_failed_round_is_logged_and_the_next_one_runs_until_the_server_shuts_down(caplog) -> None:
    outcomes = [Unavailable("tietokanta poissa"), ValueError("odottamaton"), None,
                RuntimeError("cannot schedule new futures after shutdown")]
    rounds: list[int] = []

    async def one_round() -> None:
        rounds.append(len(rounds))
        outcome = outcomes[len(rounds) - 1]
        if outcome is not None:
            raise outcome

    with caplog.at_level(logging.INFO, logger="bot.web.periodic"):
        asyncio.run(asyncio.wait_for(every(0, one_round, "kokeilu", expected=(Unavailable,)), timeout=5))

    assert rounds == [0, 1, 2, 3]  # the shutdown ended the loop; nothing else did
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in warnings] == ["kokeilu skipped a round: tietokanta poissa"]
    assert len(errors) == 1 and errors[0].exc_info is not None  # the unexpected one, with its traceback


def test_the_first_round_waits_its_turn() -> None:
    started: list[float] = []

    async def one_round() -> None:
        started.append(asyncio.get_running_loop().time())
        raise RuntimeError("after shutdown")

    async def run() -> float:
        begin = asyncio.get_running_loop().time()
        await every(10, one_round, "kokeilu", first_wait_seconds=0.2)
        return begin

    begin = asyncio.run(run())
    assert started and started[0] - begin >= 0.2
    with pytest.raises(asyncio.TimeoutError):  # without a shutdown the loop goes on
        asyncio.run(asyncio.wait_for(every(0.01, lambda: asyncio.sleep(0), "kokeilu"), timeout=0.2))
