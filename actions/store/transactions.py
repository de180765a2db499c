"""One database transaction for the stores: committed, or rolled back on any error; a database that
cannot be reached is `StoreUnavailable` (nothing was written), so callers can tell residents honestly."""
from __future__ import annotations

import datetime as dt
import hashlib
from contextlib import contextmanager, suppress
from typing import Callable, ContextManager, Iterator

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.metrics import count_store_error


def utc_now() -> dt.datetime:
    """The stores' default clock (tests give them one they can move)."""
    return dt.datetime.now(dt.timezone.utc)


def stored_hash(secret: str) -> str:
    """What a store keeps of a secret that travels elsewhere (a staff session's bearer token, an
    identified session's key, a login's browser binding): its SHA-256, never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Store:
    """Base of the stores: a session factory, a clock, and one transaction per call."""

    def __init__(self, sessions: sessionmaker, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    def now(self) -> dt.datetime:
        return self._clock()

    def _transaction(self) -> ContextManager[Session]:
        return transaction(self._sessions)


class StoreUnavailable(RuntimeError):
    """The database cannot be reached; nothing was written."""


def _rollback(session: Session) -> None:
    """Roll back; with the database gone the rollback itself may fail, and nothing was written anyway."""
    with suppress(DBAPIError):
        session.rollback()


@contextmanager
def transaction(sessions: sessionmaker) -> Iterator[Session]:
    """One transaction; rolled back on any error, and an unreachable database is StoreUnavailable."""
    session = sessions()
    try:
        yield session
        session.commit()
    except IntegrityError:
        _rollback(session)
        raise
    except (OperationalError, DBAPIError) as error:
        _rollback(session)
        if isinstance(error, OperationalError) or error.connection_invalidated:
            count_store_error()
            raise StoreUnavailable(str(error.orig)) from error
        raise
    except BaseException:
        _rollback(session)
        raise
    finally:
        session.close()
