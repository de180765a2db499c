"""Files only the service's own user may read: var/ and the folders under it (mode 0700), and the
databases, keys and secrets in them (mode 0600).

Each is created with its mode (`os.mkdir`/`os.open` with the mode), never made first and narrowed
afterwards, so there is no moment in which another user of the machine could read it. Folders and
files that exist already are left as they are: a path may be a shared one (/tmp, an operator's
folder), and `scripts/setup` narrows the project's own var/. The process umask can only narrow
these modes further; the scripts set `umask 077` for what other programs create (Rasa's SQLite
tracker store, nginx's files).
"""
from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_DIRECTORY_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_directory(path: Path) -> Path:
    """The folder, with every missing folder on the way made with mode 0700."""
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it just now
            os.mkdir(folder, PRIVATE_DIRECTORY_MODE)
    return path


def write_private_file(path: Path, content: bytes) -> None:
    """Write the file, created with mode 0600 in a private folder; an existing file is narrowed to 0600
    before the new content is written, and overwritten."""
    path = Path(path)
    private_directory(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    os.fchmod(descriptor, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def shared_secret(path: Path, make: int = 32) -> str:
    """A random secret kept in a 0600 file, made by the first process that asks and read by the others.

    `make`: the number of random bytes of a new secret (URL-safe text).
    """
    path = Path(path)
    private_directory(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            value = path.read_text(encoding="utf-8").strip()
            if value:
                return value
            time.sleep(0.05)
        raise RuntimeError(f"{path} is empty; delete it and restart") from None
    value = secrets.token_urlsafe(make)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(value)
    return value


def private_sqlite_file(database_url: str) -> Path | None:
    """The SQLite file of this SQLAlchemy URL made (empty, mode 0600, in a private folder) before SQLite
    makes it with the umask's mode; None for other databases and in-memory SQLite."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:") \
            or url.database.startswith("file:"):
        return None
    path = Path(url.database)
    private_directory(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))  # SQLite takes an empty file as empty
    return path
