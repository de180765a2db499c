"""Signed tokens of identified chat sessions (JWT, HS256), shared by the web app and the socket.io channel.

The web app issues a token after a verified identification; the channel accepts a bound
conversation only with a token whose signature, audience and expiry hold, whose conversation is
the one asked for, and whose session row is still open (so logout and expiry are enforced on the
server, not only by the token's own `exp`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import jwt

from bot.private_files import shared_secret
from bot.settings import IdentificationSettings, Secret

ALGORITHM = "HS256"
AUDIENCE = "sote-opastaja-webchat"
ISSUER = "sote-opastaja"
SECRET_FILE = "session_secret"


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says: its session key, conversation and the person's name (shown to them)."""

    session_key: str
    conversation_id: str
    name: str = ""


class TokenRefused(ValueError):
    """A token that is not valid; `reason` is for the operators' log (never the token itself)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def session_secret(settings: IdentificationSettings) -> Secret:
    """The configured secret, or one generated once into var/ (development) and shared by the processes."""
    if settings.session_secret is not None:
        return settings.session_secret
    return Secret(shared_secret(Path(settings.var_dir) / SECRET_FILE, make=48))


class SessionTokens:
    """Issue and check identified-session tokens."""

    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    def issue(self, session_key: str, conversation_id: str, expires_at: dt.datetime, name: str = "") -> str:
        """A token for the session (the name is for the resident's own page; the identity code is never in it)."""
        now = dt.datetime.now(dt.timezone.utc)
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": session_key, "cid": conversation_id, "name": name,
                  "iat": int(now.timestamp()), "exp": int(expires_at.timestamp())}
        return jwt.encode(claims, self._secret.reveal(), algorithm=ALGORITHM)

    def read(self, token: object) -> TokenClaims:
        """The claims of a well-signed, unexpired token of this service; TokenRefused otherwise."""
        if not isinstance(token, str) or not token or len(token) > 2000:
            raise TokenRefused("no token")
        try:
            claims = jwt.decode(token, self._secret.reveal(), algorithms=[ALGORITHM], audience=AUDIENCE,
                                issuer=ISSUER, options={"require": ["exp", "sub", "aud", "iss"]})
        except jwt.ExpiredSignatureError as error:
            raise TokenRefused("token expired") from error
        except jwt.InvalidTokenError as error:
            raise TokenRefused(f"invalid token ({type(error).__name__})") from error
        session_key, conversation_id = claims.get("sub"), claims.get("cid")
        if not isinstance(session_key, str) or not isinstance(conversation_id, str):
            raise TokenRefused("invalid token (claims)")
        name = claims.get("name")
        return TokenClaims(session_key, conversation_id, name if isinstance(name, str) else "")
