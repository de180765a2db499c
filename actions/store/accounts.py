"""Professional accounts and their sessions (team API and console).

Passwords are stored as scrypt hashes (memory-hard, in the standard library) with a per-password
salt; sessions are random bearer tokens of which only the SHA-256 is stored, and they expire both
after a period of inactivity and at an absolute limit. Repeated wrong passwords lock the account
for a while.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Callable, Iterable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from actions.store.models import ROLES, Account, AccountSession

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
IDLE_TIMEOUT = dt.timedelta(minutes=30)
ABSOLUTE_TIMEOUT = dt.timedelta(hours=10)
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """An account cannot be created as asked (field and reason)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
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


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class SignedIn:
    """A valid session: the account and the session's bearer token."""

    account: Account
    token: str
    expires_at: dt.datetime


# A fixed hash to compare against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = hash_password(secrets.token_hex(8))


class AccountStore:
    """Accounts, sign-in and sessions."""

    def __init__(self, sessions: sessionmaker, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def create(self, username: str, display_name: str, role: str, password: str) -> Account:
        username = (username or "").strip().lower()
        if not username or len(username) > 80 or not username.replace(".", "").replace("-", "").isalnum():
            raise AccountError("username", "letters, digits, dots and hyphens, at most 80")
        if role not in ROLES:
            raise AccountError("role", f"must be one of {', '.join(ROLES)}")
        if len(password or "") < MIN_PASSWORD_LENGTH:
            raise AccountError("password", f"at least {MIN_PASSWORD_LENGTH} characters")
        account = Account(username=username, display_name=(display_name or username).strip()[:200], role=role,
                          password_hash=hash_password(password), active=True, failed_logins=0,
                          created_at=self._clock())
        with self._sessions() as session:
            session.add(account)
            try:
                session.commit()
            except IntegrityError as error:
                raise AccountError("username", "already taken") from error
        return account

    def sign_in(self, username: str, password: str) -> SignedIn | None:
        """A new session for the right password; None (and a failed-login count) otherwise."""
        now = self._clock()
        with self._sessions() as session:
            account = session.execute(select(Account).where(Account.username == (username or "").strip().lower())
                                      ).scalar_one_or_none()
            if account is None:
                verify_password(password or "", _DUMMY_HASH)
                return None
            locked = account.locked_until is not None and account.locked_until > now
            if not verify_password(password or "", account.password_hash) or locked or not account.active:
                if not locked:
                    failed = account.failed_logins + 1
                    values = {"failed_logins": failed}
                    if failed >= MAX_FAILED_LOGINS:
                        values = {"failed_logins": 0, "locked_until": now + LOCKOUT}
                    session.execute(update(Account).where(Account.id == account.id).values(**values))
                    session.commit()
                return None
            account.failed_logins = 0
            account.locked_until = None
            token = secrets.token_urlsafe(32)
            expires = now + ABSOLUTE_TIMEOUT
            session.add(AccountSession(token_hash=_token_hash(token), account_id=account.id, created_at=now,
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
                                  .where(AccountSession.token_hash == _token_hash(token))).one_or_none()
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
            return {account_id: username for account_id, username in rows}

    def sign_out(self, token: str) -> None:
        with self._sessions() as session:
            session.execute(update(AccountSession).where(AccountSession.token_hash == _token_hash(token))
                            .values(ended_at=self._clock()))
            session.commit()
