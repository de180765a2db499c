"""Professional accounts and their sessions (team API and console).

Passwords are stored as argon2id hashes (argon2-cffi's `PasswordHasher`, the RFC 9106 low-memory
profile) with a per-password salt. Hashes of older releases (scrypt) still verify, and any hash
that is not argon2id with the current parameters is replaced at the next successful sign-in.
Sessions are random bearer tokens of which only the SHA-256 is stored, and they expire both after
a period of inactivity and at an absolute limit. Repeated wrong passwords lock out the address
they came from, for that account and for a while, never the account itself: nobody can lock a
professional out by typing wrong passwords on purpose.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from actions.store.models import ROLES, Account, AccountSession
from actions.store.transactions import Store, stored_hash, utc_now
from bot.bidi_controls import without_bidi_controls

PASSWORD_HASHER = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4; its parameters are stored in each hash
IDLE_TIMEOUT = dt.timedelta(minutes=30)
ABSOLUTE_TIMEOUT = dt.timedelta(hours=10)
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
REMEMBERED_ADDRESSES = 10_000  # (address, username) pairs with wrong passwords kept in memory at most
MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """An account cannot be created as asked (field and reason)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


def hash_password(password: str) -> str:
    """An argon2id hash of the password (salt and parameters inside: `$argon2id$v=19$m=...`)."""
    return PASSWORD_HASHER.hash(password)


def verify_password(password: str, stored: str) -> bool:
    """Whether the password matches the stored hash: argon2id, or scrypt from older releases."""
    if stored.startswith("$argon2"):
        try:
            return PASSWORD_HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    return _verify_scrypt(password, stored)


def needs_rehash(stored: str) -> bool:
    """True for a hash to replace at the next sign-in: scrypt, or argon2 with other parameters."""
    return not stored.startswith("$argon2id$") or PASSWORD_HASHER.check_needs_rehash(stored)


def _verify_scrypt(password: str, stored: str) -> bool:
    """The hashes of older releases: `scrypt$N$r$p$salt$digest` (base64)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class SignedIn:
    """A valid session: the account and the session's bearer token."""

    account: Account
    token: str
    expires_at: dt.datetime


@dataclass
class _Failures:
    count: int
    last_at: dt.datetime
    locked_until: dt.datetime | None = None


class FailedSignIns:
    """Wrong passwords per (client address, username), kept in this process's memory only.

    `MAX_FAILED_LOGINS` in a row from one address lock that address out of that username for
    `LOCKOUT`; a count older than `LOCKOUT` starts again. Other addresses are not affected, so the
    professional can still sign in while someone elsewhere guesses. Each web process counts for
    itself (the proxy's per-address rate limit bounds the guessing across processes), and at most
    `REMEMBERED_ADDRESSES` pairs are kept, the least recently failed forgotten first.
    """

    def __init__(self, clock: Callable[[], dt.datetime], capacity: int = REMEMBERED_ADDRESSES) -> None:
        self._clock = clock
        self._capacity = capacity
        self._pairs: OrderedDict[tuple[str, str], _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def locked(self, address: str, username: str) -> bool:
        with self._lock:
            entry = self._pairs.get((address, username))
            return entry is not None and entry.locked_until is not None and entry.locked_until > self._clock()

    def failed(self, address: str, username: str) -> None:
        now = self._clock()
        with self._lock:
            entry = self._pairs.pop((address, username), None)
            if entry is None or entry.last_at + LOCKOUT <= now or (entry.locked_until or now) < now:
                entry = _Failures(0, now)
            entry.count += 1
            entry.last_at = now
            if entry.count >= MAX_FAILED_LOGINS and entry.locked_until is None:
                entry.locked_until = now + LOCKOUT
            self._pairs[(address, username)] = entry
            while len(self._pairs) > self._capacity:
                self._pairs.popitem(last=False)

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._pairs.pop((address, username), None)


class AccountStore(Store):
    """Accounts, sign-in and sessions."""

    def __init__(self, sessions: sessionmaker, clock: Callable[[], dt.datetime] = utc_now) -> None:
        super().__init__(sessions, clock)
        self._failures = FailedSignIns(clock)
        self._dummy_hash: str | None = None

    def _unknown_user_hash(self) -> str:
        """A hash to check a password against when the username is unknown, so both cases take as long."""
        if self._dummy_hash is None:
            self._dummy_hash = hash_password(secrets.token_hex(8))
        return self._dummy_hash

    def create(self, username: str, display_name: str, role: str, password: str) -> Account:
        username = (username or "").strip().lower()
        if not username or len(username) > 80 or not username.replace(".", "").replace("-", "").isalnum():
            raise AccountError("username", "letters, digits, dots and hyphens, at most 80")
        if role not in ROLES:
            raise AccountError("role", f"must be one of {', '.join(ROLES)}")
        if len(password or "") < MIN_PASSWORD_LENGTH:
            raise AccountError("password", f"at least {MIN_PASSWORD_LENGTH} characters")
        display_name = without_bidi_controls(display_name or "").strip() or username  # shown to residents
        account = Account(username=username, display_name=display_name[:200], role=role,
                          password_hash=hash_password(password), active=True, failed_logins=0,
                          created_at=self._clock())
        with self._sessions() as session:
            session.add(account)
            try:
                session.commit()
            except IntegrityError as error:
                raise AccountError("username", "already taken") from error
        return account

    def sign_in(self, username: str, password: str, address: str = "") -> SignedIn | None:
        """A new session for the right password; None otherwise, counted against `address` (the
        client's) and this username, which are locked out together after repeated failures."""
        now = self._clock()
        username = (username or "").strip().lower()
        locked = self._failures.locked(address, username)
        with self._sessions() as session:
            account = session.execute(select(Account).where(Account.username == username)).scalar_one_or_none()
            if account is None:
                verify_password(password or "", self._unknown_user_hash())
                self._failures.failed(address, username)
                return None
            if not verify_password(password or "", account.password_hash) or locked or not account.active:
                if not locked:
                    self._failures.failed(address, username)
                return None
            self._failures.succeeded(address, username)
            if needs_rehash(account.password_hash):
                account.password_hash = hash_password(password)
            token = secrets.token_urlsafe(32)
            expires = now + ABSOLUTE_TIMEOUT
            session.add(AccountSession(token_hash=stored_hash(token), account_id=account.id, created_at=now,
                                       last_seen_at=now, expires_at=expires))
            session.commit()
            return SignedIn(account, token, expires)

    def account_for(self, token: str) -> Account | None:
        """The account of a live session (and the session's idle clock restarts); None if expired."""
        if not token:
            return None
        now = self._clock()
        with self._sessions() as session:
            row = session.execute(select(AccountSession, Account).join(Account)
                                  .where(AccountSession.token_hash == stored_hash(token))).one_or_none()
            if row is None:
                return None
            live_session, account = row
            if (live_session.ended_at is not None or live_session.expires_at <= now
                    or live_session.last_seen_at + IDLE_TIMEOUT <= now or not account.active):
                return None
            live_session.last_seen_at = now
            session.commit()
            return account

    def list_accounts(self) -> list[Account]:
        """Every account, by username."""
        with self._sessions() as session:
            return list(session.execute(select(Account).order_by(Account.username)).scalars())

    def by_username(self, username: str) -> Account | None:
        with self._sessions() as session:
            return session.execute(select(Account).where(Account.username == (username or "").strip().lower())
                                   ).scalar_one_or_none()

    def usernames(self, account_ids: Iterable[int]) -> dict[int, str]:
        """Usernames of these account ids (e.g. the authors of a ticket's notes)."""
        wanted = sorted(set(account_ids))
        if not wanted:
            return {}
        with self._sessions() as session:
            rows = session.execute(select(Account.id, Account.username).where(Account.id.in_(wanted)))
            return dict(rows.all())  # not dict(rows): a Result has keys(), so dict() would take it for a mapping

    def sign_out(self, token: str) -> None:
        with self._sessions() as session:
            session.execute(update(AccountSession).where(AccountSession.token_hash == stored_hash(token))
                            .values(ended_at=self._clock()))
            session.commit()
