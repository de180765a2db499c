"""What the HTTP tests of the staff doors share: an answer as they read it, one way to send a
request, and cheap password hashes for the many sign-ins."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher

from actions.store import accounts as accounts_module


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
