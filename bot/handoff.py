"""Live handoff, the parts every process shares: the slot, the Finnish notices, the settings and
the internal token.

The conversation's `handoff` slot mirrors the database's handoff row for the dialogue policy:
`{"id": 12, "status": "waiting"}` while queued, `{"id": 12, "status": "taken", "name": "Maija"}`
while a professional holds it, None otherwise. The actions server sets it when the resident joins
the queue; the Rasa server's relay routes (`bot/channels/webchat.py`), called by the web app's
console, change it on take-over, hand-back, loss of the professional's connection and expiry.
"""
from __future__ import annotations

import hmac
import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.constants import (ENV_HANDOFF_ALWAYS_OPEN, ENV_HANDOFF_HEARTBEAT_SECONDS, ENV_HANDOFF_WAIT_SECONDS,
                           ENV_INTERNAL_TOKEN, ENV_RASA_URL)
from bot.private_files import shared_secret

PROJECT_VAR = Path(__file__).resolve().parent.parent / "var"
TOKEN_FILE = "internal_token"
RELAY_PREFIX = "/webhooks/webchat/relay"
TOKEN_HEADER = "X-Internal-Token"

# -- the slot ---------------------------------------------------------------------------------------
WAITING, TAKEN = "waiting", "taken"

# -- what the resident is told (the channel sends these; the actions their own, in actions/handoff.py)
TAKEN_NOTICE = ("Ammattilainen {name} on nyt mukana keskustelussa. Chat-opas on tauolla sillä aikaa, "
                "ja viestisi menevät hänelle.")
RETURNED_NOTICE = ("Olet taas chat-oppaan kanssa. Ammattilainen on poistunut keskustelusta. "
                   "Voit jatkaa kysymistä, tai pyytää ihmistä uudelleen.")
REQUEUED_NOTICE = ("Ammattilaisen yhteys katkesi. Olet taas jonossa, ja seuraava vapaa ammattilainen jatkaa "
                   "keskustelua. Hätätilanteessa soita 112.")
EXPIRED_NOTICE = ("Valitettavasti kukaan ammattilainen ei ehtinyt vastata sinulle nyt. Olet taas chat-oppaan "
                  "kanssa. Voit jättää yhteydenottopyynnön, niin asiakasohjauksesta otetaan sinuun yhteyttä. "
                  "Hätätilanteessa soita 112.")
LEAVE_REQUEST_BUTTON = {"title": "Jätä yhteydenottopyyntö", "payload": "/request_contact"}
PROFESSIONAL_ROLE = "professional"


@dataclass(frozen=True)
class HandoffSettings:
    """How the live queue runs: where Rasa is, the relay's secret, waiting and heartbeat limits."""

    rasa_url: str = "http://127.0.0.1:5005"
    internal_token: str = field(default="", repr=False)  # "" = read or made in var/ on first use
    max_wait_seconds: int = 300
    heartbeat_timeout_seconds: int = 30
    always_open: bool = False  # the team staffs the live chat around the clock (and the browser tests)

    @classmethod
    def from_env(cls) -> "HandoffSettings":
        """Read from the environment; non-numeric limits fail here."""
        env = os.environ
        numbers = {}
        for name, default in ((ENV_HANDOFF_WAIT_SECONDS, "300"), (ENV_HANDOFF_HEARTBEAT_SECONDS, "30")):
            value = env.get(name) or default
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"{name} must be a whole number of seconds, got {value!r}")
            numbers[name] = int(value)
        return cls(rasa_url=(env.get(ENV_RASA_URL) or "http://127.0.0.1:5005").rstrip("/"),
                   internal_token=env.get(ENV_INTERNAL_TOKEN, ""),
                   max_wait_seconds=numbers[ENV_HANDOFF_WAIT_SECONDS],
                   heartbeat_timeout_seconds=numbers[ENV_HANDOFF_HEARTBEAT_SECONDS],
                   always_open=env.get(ENV_HANDOFF_ALWAYS_OPEN, "") == "1")

    def token(self, var_dir: Path = PROJECT_VAR) -> str:
        """The shared secret of the relay routes (env, else var/internal_token, made once)."""
        return self.internal_token or development_token(var_dir)


def development_token(var_dir: Path = PROJECT_VAR) -> str:
    """A random token kept in var/ (mode 0600) so that the local processes share it without set-up."""
    return shared_secret(var_dir / TOKEN_FILE)


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented token with the expected one."""
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())
