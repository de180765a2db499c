"""Settings, read once from the environment, typed, in one place."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bot.constants import (ENV_DATABASE_URL, ENV_LIBRARY_DIR, ENV_PUBLIC_SOCKET_URL, ENV_REGION_PROFILE,
                           ENV_WEBCHAT_HOST, ENV_WEBCHAT_PORT)
from guidance_library.loader import DEFAULT_PATHS_DIR, DEFAULT_PROFILE, LibrarySources

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_DIR / 'var' / 'assistant.db'}"


@dataclass(frozen=True)
class Settings:
    """Process settings (all have embedded defaults: nothing outside is needed to chat)."""

    database_url: str = DEFAULT_DATABASE_URL
    webchat_port: int = 8080
    webchat_host: str = "127.0.0.1"
    public_socket_url: str | None = None  # None: the page uses its own host name, port 5005

    @classmethod
    def from_env(cls) -> "Settings":
        """Read the settings from environment variables."""
        port = os.environ.get(ENV_WEBCHAT_PORT, "8080")
        if not port.isdigit():
            raise ValueError(f"{ENV_WEBCHAT_PORT} must be a port number, got {port!r}")
        return cls(database_url=os.environ.get(ENV_DATABASE_URL) or DEFAULT_DATABASE_URL,
                   webchat_port=int(port),
                   webchat_host=os.environ.get(ENV_WEBCHAT_HOST) or "127.0.0.1",
                   public_socket_url=os.environ.get(ENV_PUBLIC_SOCKET_URL) or None)


def library_sources() -> LibrarySources:
    """Library location, overridable with GUIDANCE_LIBRARY_DIR / GUIDANCE_REGION_PROFILE.

    Read by both the Rasa server (ranking) and the actions server (answers), so they agree.
    """
    return LibrarySources(paths_dir=Path(os.environ.get(ENV_LIBRARY_DIR) or DEFAULT_PATHS_DIR),
                          profile=Path(os.environ.get(ENV_REGION_PROFILE) or DEFAULT_PROFILE))
