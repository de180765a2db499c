"""The one way a strongly identified resident is named in the own space's tables: the person key.

`person_key(identity_code, secret)` is HMAC-SHA256 of the Finnish identity code under a server secret,
as 64 hex characters. The tables of issue 18 (messages, outbox, terms, programmes, results) keep this
key and never the identity code: a copy of the database alone does not tell whose rows they are, and
the key cannot be recomputed from a guessed identity code without the secret.

The secret is read once, like the project's other secrets (`bot/session_tokens.session_secret`), into the
settings (`IdentificationSettings.person_key_secret`: `ASSISTANT_PERSON_KEY_SECRET`, checked when a process
starts, and required with Suomi.fi's metadata), else a random one made once into `var/person_key_secret`
(mode 0600) and shared by the local processes (development, the test identity provider). Unlike the session secret, **it must never change**: rows stored
under one secret are not found under another. Set it in production (every replica the same value,
kept like the database's own backups), and back up `var/person_key_secret` with `var/assistant.db`.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path
from typing import Mapping

from bot.personal_data import is_identity_code
from bot.private_files import shared_secret
from bot.settings import VAR_DIR, IdentificationSettings, Secret, person_key_secret_from_env

SECRET_FILE = "person_key_secret"
_KEY = re.compile(r"[0-9a-f]{64}")


class NotAPersonKey(ValueError):
    """A value given as a person key is not one (an empty or made-up value names nobody)."""


def secret_of(settings: IdentificationSettings, var_dir: Path = VAR_DIR) -> Secret:
    """The process's person keys' secret: the configured one, or the one made once into the project's var/
    (development; not the identification's own `var_dir`, which tests point elsewhere) and shared by the
    local processes. Called once when a process starts."""
    if settings.person_key_secret is not None:
        return settings.person_key_secret
    return Secret(shared_secret(Path(var_dir) / SECRET_FILE, make=48))


def person_key_secret(env: Mapping[str, str] | None = None, var_dir: Path = VAR_DIR) -> Secret:
    """The secret as configured in `env` (default: the environment), else var/'s (tools and tests; the
    processes use `secret_of` their settings). Shorter than 32 characters fails here, loudly."""
    return secret_of(IdentificationSettings(person_key_secret=person_key_secret_from_env(env)), var_dir)


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
