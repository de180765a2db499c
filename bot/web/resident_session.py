"""The strongly identified resident as the web app's doors see them: the session cookie, its token's
claims, the live session row behind it, and the check that refuses a request another site's page sent.

Shared by strong identification (`bot/web/identification.py`: the session view, logout, erasure) and
the resident's own space (`bot/web/own_space.py`). Who the resident is comes only from here: the
HttpOnly cookie's signed token names a server-side session, and only a session that has neither
ended nor expired, and is still bound to the token's conversation, counts.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sanic.request import Request

from actions.store.models import IdentifiedSession
from bot.blocking import blocking
from bot.session_tokens import TokenRefused
from bot.web.runtime import runtime_of

COOKIE = "sote_identified"  # the identified session's token: HttpOnly, path /auth, SameSite=Lax


async def cookie_claims(request: Request) -> tuple[str | None, Any]:
    """The session cookie's token and its claims (None if there is none, it is refused, or
    identification is not in use here)."""
    token = request.cookies.get(COOKIE)
    if runtime_of(request).saml is None or not token:
        return token, None
    try:
        return token, (await blocking(runtime_of(request).identification)).tokens.read(token)
    except TokenRefused:
        return token, None


async def live_session(request: Request) -> IdentifiedSession | None:
    """The live identified session of the cookie's token, or None (no cookie, a refused or expired
    token, a session that ended or expired, or one no longer bound to the token's conversation)."""
    _token, claims = await cookie_claims(request)
    if claims is None:
        return None
    parts = await blocking(runtime_of(request).identification)
    active = await blocking(parts.store.active_session, claims.session_key)
    if active is None or active.conversation_id != claims.conversation_id:
        return None
    return active


def cross_site(request: Request, public_url: str) -> str | None:
    """Why the request looks sent by another site's page, or None.

    The Origin decides when the browser sent one. Our chat page's `Referrer-Policy: no-referrer`
    makes browsers send `Origin: null` on its own form posts, so `null` (like no Origin) falls back
    to Sec-Fetch-Site (anything but same-origin or a direct navigation is refused) and the Referer.
    A request with none of these (an old browser) passes: the cookies' SameSite still holds there.
    """
    ours = {origin_of(public_url), f"{request.scheme}://{request.host}".lower()}
    origin = (request.headers.get("origin") or "").strip().lower()
    if origin and origin != "null":
        return None if origin in ours else f"Origin {origin[:100]!r}"
    fetch_site = (request.headers.get("sec-fetch-site") or "").strip().lower()
    if fetch_site in ("cross-site", "same-site"):
        return f"Sec-Fetch-Site {fetch_site}"
    referer = request.headers.get("referer")
    if referer and origin_of(referer) not in ours:
        return f"Referer of {origin_of(referer)[:100]!r}"
    return None


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower case; "(none)" for anything without both."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else "(none)"
