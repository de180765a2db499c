"""The web app's background loop (bot/web/periodic.py): a failed round never ends it, a shutdown does."""
from __future__ import annotations

import asyncio
import logging

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


def test_the_first_round_waits_its_turn_then_each_round_the_interval(monkeypatch) -> None:
    waits: list[float] = []
    rounds: list[int] = []

    async def recorded_sleep(seconds: float) -> None:
        waits.append(seconds)

    async def one_round() -> None:
        rounds.append(len(waits))  # how many waits came before this round
        if len(rounds) == 3:
            raise RuntimeError("cannot schedule new futures after shutdown")

    monkeypatch.setattr("bot.web.periodic.asyncio.sleep", recorded_sleep)
    asyncio.run(every(10, one_round, "kokeilu", first_wait_seconds=60))

    assert waits == [60, 10, 10] and rounds == [1, 2, 3]  # the first wait, then one interval between rounds
