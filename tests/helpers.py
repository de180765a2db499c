"""What several test modules share: the trained model's skip mark, the conversation-task actions'
runtime on a clock of the test's own, an HTTP answer as the staff-door tests read it, one way to
send a request, cheap password hashes for the many sign-ins, and a race of threads started
together."""
from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher

from actions.store import accounts as accounts_module
from tests.conftest import PROJECT_DIR, build_runtime

MODEL = PROJECT_DIR / "models" / "assistant.tar.gz"
# The tests that run the trained assistant: marked `model`, skipped until scripts/train has made it.
NEEDS_MODEL = [pytest.mark.model,
               pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run scripts/train (scripts/test does)")]
THURSDAY_10 = dt.datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))  # office hours


@pytest.fixture()
def clock() -> dict:
    """The time the actions see, which a test moves (`clock["now"] = ...`); Thursday 10.00 to begin with."""
    return {"now": THURSDAY_10}


@pytest.fixture()
def runtime(tmp_path, live_library, analyzer, clock):
    """The actions' runtime over the real library, on an empty store of its own and the test's `clock`."""
    return build_runtime(f"sqlite:///{tmp_path / 'store.db'}", clock=lambda: clock["now"], live=live_library,
                         analyzer=analyzer)


@dataclass
class Answer:
    """One HTTP answer: status, headers and body text."""

    status: int
    headers: Any
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


def send(request: urllib.request.Request, opener: urllib.request.OpenerDirector | None = None) -> Answer:
    """Send `request` (through `opener`, e.g. one that keeps cookies). An error status is an answer
    like any other, not an exception: the tests assert on it."""
    try:
        with (opener.open if opener else urllib.request.urlopen)(request, timeout=30) as response:
            return Answer(response.status, response.headers, response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read().decode())


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch) -> None:
    """Argon2id at a lower cost while testing (the cost is stored in each hash, so checking still works).
    Autouse in the test modules that import it."""
    monkeypatch.setattr(accounts_module, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def all_at_once(work: Callable[[Any], Any], arguments: Iterable[Any]) -> list[Any]:
    """`work(argument)` for each argument in a thread of its own, all released together by a barrier
    (the race the test is about). Per argument, in order: what `work` returned, or the exception it
    raised, for the test to assert on."""
    arguments = list(arguments)
    outcomes: list[Any] = [None] * len(arguments)
    barrier = threading.Barrier(len(arguments))

    def run(index: int, argument: Any) -> None:
        barrier.wait()
        try:
            outcomes[index] = work(argument)
        except Exception as error:  # noqa: BLE001 - an outcome like any other
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, argument)) for i, argument in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@dataclass
class StaffStores:
    """The staff doors' stores on one test database, the tickets and handoffs on a clock the test moves
    (`clock["now"]`); the accounts on it too with `accounts_on_the_clock`, else on real time."""

    engine: Any
    clock: dict
    tickets: Any
    accounts: Any
    handoffs: Any


def staff_stores(database_url: str, now: dt.datetime, *, accounts_on_the_clock: bool) -> StaffStores:
    from actions.store.accounts import AccountStore
    from actions.store.database import make_engine, make_session_factory
    from actions.store.handoffs import HandoffStore
    from actions.store.office_hours import OfficeHours
    from actions.store.tickets import TicketStore

    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    clock = {"now": now}
    moved = lambda: clock["now"]  # noqa: E731 - one clock for every store that follows it
    accounts = AccountStore(sessions, clock=moved) if accounts_on_the_clock else AccountStore(sessions)
    return StaffStores(engine, clock, TicketStore(sessions, OfficeHours(), clock=moved), accounts,
                       HandoffStore(sessions, clock=moved))


async def hang_up(client: Any) -> None:
    """Close a socket.io client's connection at once. A polling client's own `disconnect()` waits for its
    long poll to come back, which the server holds until its ping interval (25 s) has passed."""
    await client.eio.disconnect(abort=True)
