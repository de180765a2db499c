"""Settings, read once from the environment, typed, in one place."""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import quote, urlsplit

from bot.constants import (ENV_CHAT_ACK_SECONDS, ENV_DATABASE_URL, ENV_IDENTIFIED_MINUTES, ENV_LIBRARY_DIR,
                           ENV_PUBLIC_SOCKET_URL,
                           ENV_PUBLIC_URL, ENV_RASA_URL, ENV_REGION_PROFILE, ENV_SAML_IDP_METADATA,
                           ENV_SAML_SP_CERT, ENV_SAML_SP_ENTITY_ID, ENV_SAML_SP_KEY, ENV_SESSION_SECRET, ENV_TEST_IDP,
                           ENV_WEBCHAT_HOST, ENV_WEBCHAT_PORT)
from bot.constants import (ENV_ANALYTICS_DAYS, ENV_IDENTIFIED_TRANSCRIPT_DAYS, ENV_RETENTION_INTERVAL_HOURS,
                           ENV_TRACKER_DB, ENV_TRACKER_URL, ENV_TRANSCRIPT_DAYS)
from bot.constants import ENV_PERSON_KEY_SECRET, ENV_TRUSTED_PROXIES
from bot.handoff import HandoffSettings
from guidance_library.loader import DEFAULT_PATHS_DIR, DEFAULT_PROFILE, LibrarySources

PROJECT_DIR = Path(__file__).resolve().parent.parent
ProxyNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_DIR / 'var' / 'assistant.db'}"
VAR_DIR = PROJECT_DIR / "var"
MIN_PERSON_KEY_SECRET_CHARS = 32
ENV_EMBED_ORIGINS = "ASSISTANT_EMBED_ORIGINS"  # the region's sites that may frame the chat (docs/embedding.md)


class Secret:
    """A secret value that never shows in a repr, a log line or an error message."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class IdentificationSettings:
    """Strong identification: the SAML service provider, its identity provider and the session tokens.

    Production: `idp_metadata` is the Suomi.fi metadata file the operator downloaded, `sp_key` and
    `sp_cert` the service's own key pair. Development and tests: `test_idp` mounts the local test
    identity provider and keys are generated under var/saml/.
    """

    public_url: str | None = None          # None: http://localhost:{webchat_port}
    rasa_url: str = "http://127.0.0.1:5005"  # the Rasa server's relay routes (bot/channels/relay.py)
    session_secret: Secret | None = None   # None: generated once into var/session_secret
    session_minutes: int = 60
    test_idp: bool = False
    idp_metadata: Path | None = None
    sp_key: Path | None = None
    sp_cert: Path | None = None
    sp_entity_id: str | None = None
    var_dir: Path = VAR_DIR
    # the person keys' secret (actions.store.person_key); None: made once into var/ (development, the test
    # identity provider). Required with Suomi.fi's metadata: every replica must name a person alike
    person_key_secret: Secret | None = None

    @property
    def enabled(self) -> bool:
        return self.test_idp or self.idp_metadata is not None

    @classmethod
    def from_env(cls) -> "IdentificationSettings":
        """Read from the environment; a production set-up missing its key or certificate fails here."""
        env = os.environ
        minutes = env.get(ENV_IDENTIFIED_MINUTES, "60")
        if not minutes.isdigit() or int(minutes) < 1:
            raise ValueError(f"{ENV_IDENTIFIED_MINUTES} must be a whole number of minutes, got {minutes!r}")
        paths = {name: Path(env[name]) if env.get(name) else None
                 for name in (ENV_SAML_IDP_METADATA, ENV_SAML_SP_KEY, ENV_SAML_SP_CERT)}
        if paths[ENV_SAML_IDP_METADATA] and not (paths[ENV_SAML_SP_KEY] and paths[ENV_SAML_SP_CERT]):
            raise ValueError(f"{ENV_SAML_IDP_METADATA} is set: {ENV_SAML_SP_KEY} and {ENV_SAML_SP_CERT} must be too")
        for name, path in paths.items():
            if path is not None and not path.is_file():
                raise ValueError(f"{name}: no such file {path}")
        person_secret = person_key_secret_from_env(env)
        if paths[ENV_SAML_IDP_METADATA] and person_secret is None:
            raise ValueError(f"{ENV_SAML_IDP_METADATA} is set (strong identification in production): "
                             f"{ENV_PERSON_KEY_SECRET} must be set too, the same on every replica and never changed")
        return cls(public_url=(env.get(ENV_PUBLIC_URL) or "").rstrip("/") or None,
                   rasa_url=(env.get(ENV_RASA_URL) or "http://127.0.0.1:5005").rstrip("/"),
                   session_secret=Secret(env[ENV_SESSION_SECRET]) if env.get(ENV_SESSION_SECRET) else None,
                   session_minutes=int(minutes), test_idp=env.get(ENV_TEST_IDP, "") == "1",
                   idp_metadata=paths[ENV_SAML_IDP_METADATA], sp_key=paths[ENV_SAML_SP_KEY],
                   sp_cert=paths[ENV_SAML_SP_CERT], sp_entity_id=env.get(ENV_SAML_SP_ENTITY_ID) or None,
                   person_key_secret=person_secret)


def person_key_secret_from_env(env: Mapping[str, str] | None = None) -> Secret | None:
    """ASSISTANT_PERSON_KEY_SECRET (None when unset); shorter than 32 characters fails here, naming it."""
    configured = (os.environ if env is None else env).get(ENV_PERSON_KEY_SECRET) or ""
    if not configured:
        return None
    if len(configured) < MIN_PERSON_KEY_SECRET_CHARS:
        raise ValueError(f"{ENV_PERSON_KEY_SECRET} must be at least {MIN_PERSON_KEY_SECRET_CHARS} characters")
    return Secret(configured)


def _whole_number(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    value = os.environ.get(name) or str(default)
    if not value.isdigit() or int(value) < minimum or (maximum is not None and int(value) > maximum):
        limits = f"at least {minimum}" + (f" and at most {maximum}" if maximum is not None else "")
        raise ValueError(f"{name} must be a whole number ({limits}), got {value!r}")
    return int(value)


def tracker_url_from_env() -> str:
    """Rasa's tracker store as an SQLAlchemy URL: ASSISTANT_TRACKER_URL; else the production
    endpoints' TRACKER_DB_* variables (bot/deploy/endpoints.production.yml); else the SQLite file
    TRACKER_DB of the embedded default."""
    env = os.environ
    if env.get(ENV_TRACKER_URL):
        return env[ENV_TRACKER_URL]
    if env.get("TRACKER_DB_HOST"):
        user = quote(env.get("TRACKER_DB_USER") or "", safe="")
        password = quote(env.get("TRACKER_DB_PASSWORD") or "", safe="")
        login = f"{user}:{password}@" if user and password else (f"{user}@" if user else "")
        return (f"postgresql+psycopg2://{login}{env['TRACKER_DB_HOST']}:{env.get('TRACKER_DB_PORT') or 5432}/"
                f"{env.get('TRACKER_DB_NAME') or 'rasa'}")
    if env.get(ENV_TRACKER_DB):
        return f"sqlite:///{env[ENV_TRACKER_DB]}"
    return PrivacySettings.tracker_url


@dataclass(frozen=True)
class PrivacySettings:
    """How long conversations and analytics are kept, and where Rasa keeps the conversations.

    Transcripts (Rasa's tracker store, the live-handoff summaries, the unanswered questions) go
    when the conversation has been silent for the period; analytics events when they are older.
    Contact-request tickets are the region's client records and follow its records rules instead.
    """

    tracker_url: str = f"sqlite:///{VAR_DIR / 'tracker.db'}"
    transcript_days: int = 30
    identified_transcript_days: int = 30
    analytics_days: int = 730
    interval_hours: int = 0  # the web app's own runs: off unless configured (from_env: every 24 h)

    @classmethod
    def from_env(cls) -> "PrivacySettings":
        """Read from the environment; a period that is not a whole number of days fails here."""
        return cls(tracker_url=tracker_url_from_env(),
                   transcript_days=_whole_number(ENV_TRANSCRIPT_DAYS, cls.transcript_days, 1),
                   identified_transcript_days=_whole_number(ENV_IDENTIFIED_TRANSCRIPT_DAYS,
                                                            cls.identified_transcript_days, 1),
                   analytics_days=_whole_number(ENV_ANALYTICS_DAYS, cls.analytics_days, 1),
                   interval_hours=_whole_number(ENV_RETENTION_INTERVAL_HOURS, 24))


@dataclass(frozen=True)
class Settings:
    """Process settings (all have embedded defaults: nothing outside is needed to chat)."""

    database_url: str = DEFAULT_DATABASE_URL
    webchat_port: int = 8080
    webchat_host: str = "127.0.0.1"
    public_socket_url: str | None = None  # None: the page uses its own host name, port 5005
    # how long the chat page waits for the server to acknowledge a message before it takes the connection
    # as dead, opens it again and sends the message once more (bot/web/static/chat-delivery.js). The
    # acknowledgement comes when the turn's answer is ready, so this must outlast the slowest turn: from
    # the environment 10-120 s (the page tests set a shorter one directly)
    chat_ack_seconds: int = 20
    identification: IdentificationSettings = IdentificationSettings()
    handoff: HandoffSettings = HandoffSettings()
    privacy: PrivacySettings = PrivacySettings()
    trusted_proxies: tuple[ProxyNetwork, ...] = ()  # whose X-Forwarded-Proto/-For the web app believes
    embed_origins: tuple[str, ...] = ()  # origins whose pages may frame the embedded chat (/upotus)

    @classmethod
    def from_env(cls) -> "Settings":
        """Read the settings from environment variables."""
        port = os.environ.get(ENV_WEBCHAT_PORT, "8080")
        if not port.isdigit():
            raise ValueError(f"{ENV_WEBCHAT_PORT} must be a port number, got {port!r}")
        return cls(database_url=os.environ.get(ENV_DATABASE_URL) or DEFAULT_DATABASE_URL,
                   webchat_port=int(port),
                   webchat_host=os.environ.get(ENV_WEBCHAT_HOST) or "127.0.0.1",
                   public_socket_url=os.environ.get(ENV_PUBLIC_SOCKET_URL) or None,
                   chat_ack_seconds=_whole_number(ENV_CHAT_ACK_SECONDS, cls.chat_ack_seconds, 10, 120),
                   identification=IdentificationSettings.from_env(),
                   handoff=HandoffSettings.from_env(),
                   privacy=PrivacySettings.from_env(),
                   trusted_proxies=trusted_proxies_from_env(),
                   embed_origins=embed_origins_from_env())

    @property
    def public_url(self) -> str:
        """The web app's address as browsers see it (SAML entity id and return addresses are made from it)."""
        return self.identification.public_url or f"http://localhost:{self.webchat_port}"


def trusted_proxies_from_env() -> tuple[ProxyNetwork, ...]:
    """ASSISTANT_TRUSTED_PROXIES: the reverse proxies' addresses or networks (comma or space separated,
    e.g. `127.0.0.1, 10.0.0.0/8`); default none. Something that is not one fails here."""
    networks = []
    for item in (os.environ.get(ENV_TRUSTED_PROXIES) or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise ValueError(f"{ENV_TRUSTED_PROXIES}: {item!r} is not an IP address or network") from error
    return tuple(networks)


def embed_origins_from_env() -> tuple[str, ...]:
    """ASSISTANT_EMBED_ORIGINS: the region's sites whose pages may show the chat in the launcher's frame,
    comma or space separated (e.g. `https://www.hyvinvointialue.fi, https://omasote.fi`); default none."""
    return parse_embed_origins(os.environ.get(ENV_EMBED_ORIGINS) or "", ENV_EMBED_ORIGINS)


def parse_embed_origins(value: str, name: str = ENV_EMBED_ORIGINS) -> tuple[str, ...]:
    """Origins as `scheme://host[:port]`, lower case, in the order given, each once. Anything else (a path,
    a query, a wildcard, a user name, another scheme than https, or http other than for localhost) fails
    here, naming `name`, so a mistyped origin stops the start instead of silently blocking the frame."""
    origins: list[str] = []
    for item in value.replace(",", " ").split():
        origin = _embed_origin(item)
        if origin is None:
            raise ValueError(f"{name}: {item!r} is not an origin: give scheme://host[:port] only (https; "
                             f"http only for localhost), no path, wildcard or trailing text")
        if origin not in origins:
            origins.append(origin)
    return tuple(origins)


def _embed_origin(item: str) -> str | None:
    if not _ORIGIN.fullmatch(item):
        return None
    parts = urlsplit(item)
    host = (parts.hostname or "").lower()
    if parts.scheme == "http" and host not in ("localhost", "127.0.0.1"):
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    if port == 0:  # no page is served from port 0: a typing slip, not an origin
        return None
    default = {"https": 443, "http": 80}[parts.scheme]  # as browsers write an origin: no default port
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


_ORIGIN = re.compile(r"https?://[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*"
                     r"(:[0-9]{1,5})?/?")


def library_sources() -> LibrarySources:
    """Library location, overridable with GUIDANCE_LIBRARY_DIR / GUIDANCE_REGION_PROFILE.

    Read by both the Rasa server (ranking) and the actions server (answers), so they agree.
    """
    return LibrarySources(paths_dir=Path(os.environ.get(ENV_LIBRARY_DIR) or DEFAULT_PATHS_DIR),
                          profile=Path(os.environ.get(ENV_REGION_PROFILE) or DEFAULT_PROFILE))
