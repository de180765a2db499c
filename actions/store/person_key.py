"""The one way a strongly identified resident is named in the own space's tables: the person key.

`person_key(identity_code, secret)` is HMAC-SHA256 of the Finnish identity code under a server secret,
as 64 hex characters. The tables of issue 18 (messages, outbox, terms, programmes, results) keep this
key and never the identity code: a copy of the database alone does not tell whose rows they are, and
the key cannot be recomputed from a guessed identity code without the secret.

The secret is read once, like the project's other secrets (`bot/session_tokens.session_secret`):
`ASSISTANT_PERSON_KEY_SECRET`, else a random one made once into `var/person_key_secret` (mode 0600)
and shared by the local processes. Unlike the session secret, **it must never change**: rows stored
under one secret are not found under another. Set it in production (every replica the same value,
kept like the database's own backups), and back up `var/person_key_secret` with `var/assistant.db`.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
from pathlib import Path
from typing import Mapping

from bot.personal_data import is_identity_code
from bot.private_files import shared_secret
from bot.settings import VAR_DIR, Secret

ENV_PERSON_KEY_SECRET = "ASSISTANT_PERSON_KEY_SECRET"
SECRET_FILE = "person_key_secret"
MIN_SECRET_CHARS = 32
_KEY = re.compile(r"[0-9a-f]{64}")


class NotAPersonKey(ValueError):
    """A value given as a person key is not one (an empty or made-up value names nobody)."""


def person_key_secret(env: Mapping[str, str] | None = None, var_dir: Path = VAR_DIR) -> Secret:
    """The configured secret, or one made once into var/ (development) and shared by the processes.

    A configured secret shorter than 32 characters fails here, loudly."""
    env = os.environ if env is None else env
    configured = env.get(ENV_PERSON_KEY_SECRET) or ""
    if configured:
        if len(configured) < MIN_SECRET_CHARS:
            raise ValueError(f"{ENV_PERSON_KEY_SECRET} must be at least {MIN_SECRET_CHARS} characters")
        return Secret(configured)
    return Secret(shared_secret(Path(var_dir) / SECRET_FILE, make=48))


def person_key(identity_code: str, secret: Secret) -> str:
    """The person key of a valid Finnish identity code (test-range codes of the test identity provider
    included); upper and lower case give the same key. Anything else is `NotAPersonKey`."""
    code = (identity_code or "").strip().upper()
    if not is_identity_code(code, allow_test_range=True):
        raise NotAPersonKey("not a Finnish identity code")
    return hmac.new(secret.reveal().encode(), code.encode(), hashlib.sha256).hexdigest()


def checked_key(key: str) -> str:
    """The key if it has the form of a person key, else `NotAPersonKey` (never a query for "" or None)."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise NotAPersonKey("not a person key")
    return key


def same_person(key: str, identity_code: str | None, secret: Secret) -> bool:
    """Whether the identity code (a ticket's; None for an anonymous one) is the person of this key."""
    if identity_code is None:
        return False
    try:
        return hmac.compare_digest(person_key(identity_code, secret), checked_key(key))
    except NotAPersonKey:
        return False
