"""Where notifications go out: the SMTP server, the SMS gateway, the own space's address, the retries.

Read once from the environment (`NotificationSettings.from_env`), typed; a half-configured channel
fails here, loudly, and secrets (the SMTP password, the gateway's token) are `Secret`s that never
show in a repr or a log line. With neither channel configured nothing is sent: the notifications
wait in the outbox and are given up after the retries, visible to operators.

| variable | meaning |
|---|---|
| `ASSISTANT_SMTP_HOST` | the SMTP server (unset: no e-mail notifications) |
| `ASSISTANT_SMTP_PORT` | its port (default 587 with STARTTLS, else 25) |
| `ASSISTANT_SMTP_FROM` | the sender address (required with a host) |
| `ASSISTANT_SMTP_STARTTLS` | `1`: STARTTLS before anything else (required for a login) |
| `ASSISTANT_SMTP_USERNAME`, `ASSISTANT_SMTP_PASSWORD` | login (optional; both or neither) |
| `ASSISTANT_SMS_GATEWAY_URL` | the SMS gateway's send address (unset: no SMS); https, or http to this machine only |
| `ASSISTANT_SMS_GATEWAY_TOKEN` | its bearer token (required with a URL) |
| `ASSISTANT_NOTIFY_READ_URL` | where the notification tells the resident to read (default: the public address + /omat-asiat) |
| `ASSISTANT_NOTIFY_MAX_ATTEMPTS` | tries before a notification is given up (default 8, about four hours) |
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Mapping
from urllib.parse import urlsplit

from actions.store.outbox import DEFAULT_POLICY, RetryPolicy, email_address
from bot.constants import (ENV_NOTIFY_MAX_ATTEMPTS, ENV_NOTIFY_READ_URL, ENV_PUBLIC_URL, ENV_SMS_TOKEN, ENV_SMS_URL,
                           ENV_SMTP_FROM, ENV_SMTP_HOST, ENV_SMTP_PASSWORD, ENV_SMTP_PORT, ENV_SMTP_STARTTLS,
                           ENV_SMTP_USERNAME, ENV_WEBCHAT_PORT)
from bot.settings import Secret
OWN_SPACE_PATH = "/omat-asiat"  # the own space's page in the web app (the default read address)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SEND_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class SmtpSettings:
    """One SMTP server (real SMTP, stdlib smtplib)."""

    host: str
    from_address: str
    port: int = 25
    from_name: str = ""  # the display name of "Asiakasohjaus <no-reply@...>" (may be empty)
    starttls: bool = False
    username: str | None = None
    password: Secret | None = None
    timeout_seconds: float = SEND_TIMEOUT_SECONDS


@dataclass(frozen=True)
class SmsGatewaySettings:
    """An SMS gateway that takes a JSON POST with a bearer token."""

    url: str
    token: Secret
    timeout_seconds: float = SEND_TIMEOUT_SECONDS


@dataclass(frozen=True)
class NotificationSettings:
    """The channels (None: not configured), the address the notifications point to, the retries."""

    smtp: SmtpSettings | None = None
    sms: SmsGatewaySettings | None = None
    read_url: str = f"http://localhost:8080{OWN_SPACE_PATH}"
    policy: RetryPolicy = field(default=DEFAULT_POLICY)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "NotificationSettings":
        """Read from the environment; a channel set up by half fails here with the variable's name."""
        env = os.environ if env is None else env
        public = (env.get(ENV_PUBLIC_URL) or f"http://localhost:{env.get(ENV_WEBCHAT_PORT) or 8080}").rstrip("/")
        attempts = env.get(ENV_NOTIFY_MAX_ATTEMPTS) or str(DEFAULT_POLICY.max_attempts)
        if not attempts.isdigit() or int(attempts) < 1:
            raise ValueError(f"{ENV_NOTIFY_MAX_ATTEMPTS} must be a whole number (at least 1), got {attempts!r}")
        return cls(smtp=_smtp(env), sms=_sms(env), read_url=env.get(ENV_NOTIFY_READ_URL) or public + OWN_SPACE_PATH,
                   policy=RetryPolicy(max_attempts=int(attempts)))


def _smtp(env: Mapping[str, str]) -> SmtpSettings | None:
    host = (env.get(ENV_SMTP_HOST) or "").strip()
    if not host:
        return None
    name, address = parseaddr(env.get(ENV_SMTP_FROM) or "")  # "Asiakasohjaus <no-reply@...>" or a bare address
    sender = email_address(address)
    if sender is None or not sender.isascii():
        raise ValueError(f"{ENV_SMTP_HOST} is set: {ENV_SMTP_FROM} must be the sender's e-mail address "
                         f"(e.g. \"Asiakasohjaus <no-reply@alue.fi>\" or no-reply@alue.fi)")
    starttls = (env.get(ENV_SMTP_STARTTLS) or "") == "1"
    port = env.get(ENV_SMTP_PORT) or ("587" if starttls else "25")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{ENV_SMTP_PORT} must be a port number, got {port!r}")
    username, password = env.get(ENV_SMTP_USERNAME) or None, env.get(ENV_SMTP_PASSWORD) or None
    if (username is None) != (password is None):
        raise ValueError(f"{ENV_SMTP_USERNAME} and {ENV_SMTP_PASSWORD} go together")
    if username is not None and not starttls:
        raise ValueError(f"an SMTP login needs {ENV_SMTP_STARTTLS}=1 (the password is never sent unencrypted)")
    return SmtpSettings(host=host, from_address=sender, from_name=name.strip(), port=int(port), starttls=starttls, username=username,
                        password=Secret(password) if password else None)


def _sms(env: Mapping[str, str]) -> SmsGatewaySettings | None:
    url = (env.get(ENV_SMS_URL) or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS)):
        raise ValueError(f"{ENV_SMS_URL} must be an https address (http only to this machine)")
    token = env.get(ENV_SMS_TOKEN) or ""
    if not token:
        raise ValueError(f"{ENV_SMS_URL} is set: {ENV_SMS_TOKEN} must be too")
    return SmsGatewaySettings(url=url, token=Secret(token))
