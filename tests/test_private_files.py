"""var/ and what is in it are the service user's alone: the folder 0700, its databases, keys and
secrets 0600, each so from the moment it is created (under a permissive umask, and with every
chmod made a no-op: a mode set afterwards would leave a moment when others could read)."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from actions.store.database import make_engine
from actions.store.transcripts import TranscriptStore
from bot.handoff import development_token
from bot.session_tokens import session_secret
from bot.settings import IdentificationSettings
from bot.web.saml_setup import self_signed_pair
from tests.conftest import PROJECT_DIR


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask_and_no_chmod(monkeypatch):
    """The usual umask 022, and no way to narrow a mode after creation."""
    previous = os.umask(0o022)
    monkeypatch.setattr(os, "chmod", lambda *args, **kwargs: None)
    monkeypatch.setattr(os, "fchmod", lambda *args, **kwargs: None)
    monkeypatch.setattr(Path, "chmod", lambda *args, **kwargs: None)
    yield
    os.umask(previous)


def test_the_saml_keys_are_made_private_in_a_private_var(tmp_path) -> None:
    var = tmp_path / "var"
    pair = self_signed_pair(var / "saml", "sp", "sote-opastaja-sp")
    assert mode(pair.key) == 0o600
    assert mode(var) == 0o700
    assert mode(var / "saml") == 0o700
    assert pair.key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_the_development_secrets_are_made_private(tmp_path) -> None:
    token = development_token(tmp_path / "var")
    assert development_token(tmp_path / "var") == token  # made once, shared
    assert mode(tmp_path / "var" / "internal_token") == 0o600 and mode(tmp_path / "var") == 0o700

    secret = session_secret(IdentificationSettings(var_dir=tmp_path / "other" / "var"))
    assert session_secret(IdentificationSettings(var_dir=tmp_path / "other" / "var")).reveal() == secret.reveal()
    assert mode(tmp_path / "other") == 0o700 and mode(tmp_path / "other" / "var") == 0o700
    assert mode(tmp_path / "other" / "var" / "session_secret") == 0o600


def test_sqlite_databases_are_made_private_before_sqlite_opens_them(tmp_path) -> None:
    database = tmp_path / "var" / "assistant.db"
    engine = make_engine(f"sqlite:///{database}")  # migrates: the file is written
    engine.dispose()
    assert mode(database) == 0o600 and mode(tmp_path / "var") == 0o700

    tracker = tmp_path / "tracker" / "tracker.db"  # Rasa's store, reached by retention and erasure
    TranscriptStore.from_url(f"sqlite:///{tracker}").dispose()
    assert mode(tracker) == 0o600 and mode(tracker.parent) == 0o700


def test_an_existing_shared_folder_is_left_as_it_is(tmp_path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    make_engine(f"sqlite:///{shared / 'x.db'}", migrate_schema=False).dispose()
    assert mode(shared) == 0o755 and mode(shared / "x.db") == 0o600


def test_the_scripts_make_var_private_and_start_the_servers_under_umask_077() -> None:
    setup = (PROJECT_DIR / "scripts" / "setup").read_text(encoding="utf-8")
    assert "install -d -m 0700 var" in setup
    assert "mkdir -p var" not in setup
    for name in ("run", "run-production"):
        script = (PROJECT_DIR / "scripts" / name).read_text(encoding="utf-8").splitlines()
        umask = script.index("umask 077")
        assert umask > script.index("scripts/train")  # the venv and the model stay readable as before
        starts = [i for i, line in enumerate(script) if "python -m" in line or "rasa run" in line]
        assert starts and umask < min(starts), name
