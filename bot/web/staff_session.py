"""Signing staff in to a page of theirs (the console, the management view): the session cookie and
the checks every sign-in and change share. The session itself is an `AccountStore` token."""
from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from sanic import response
from sanic.request import Request

from bot.web import team_input as read
from bot.web.team_errors import Forbidden, Unauthenticated
from bot.web.team_stores import TeamStores

CSRF_HEADER = "X-CSRF-Token"


def client_address(request: Request) -> str:
    """The address a request came from (wrong passwords are counted per address): the one a trusted
    proxy reports (X-Forwarded-For from ASSISTANT_TRUSTED_PROXIES, `bot/web/trusted_proxy.py`), else
    the connection's own, so a client that reaches the app directly cannot name another address."""
    return request.remote_addr or request.ip


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: an HMAC of its session token (the page keeps it in memory)."""
    return hmac.new(session_token.encode(), b"console-csrf", hashlib.sha256).hexdigest()


def same_origin(request: Request) -> bool:
    """False for a request another site's page sent (an Origin of another host)."""
    origin = request.headers.get("origin")
    if not origin:
        return True  # not sent by every browser on same-origin requests; the CSRF token still decides
    return urlsplit(origin).netloc == request.host


def csrf_ok(request: Request, token: str) -> bool:
    """A change: same origin, and the CSRF header matches the session."""
    return same_origin(request) and bool(token) and hmac.compare_digest(
        (request.headers.get(CSRF_HEADER) or "").encode(), csrf_token(token).encode())


def set_session_cookie(request: Request, answer: response.HTTPResponse, name: str, token: str, path: str) -> None:
    """HttpOnly, SameSite=Strict, limited to the page's path, Secure over https; empty token: cleared."""
    answer.cookies[name] = token
    cookie = answer.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = path
    cookie["secure"] = request.scheme == "https"
    if not token:
        cookie["max-age"] = 0


async def sign_in(request: Request, team: TeamStores, roles: tuple[str, ...], blocking) -> tuple[str, object]:
    """Check the JSON sign-in of the page and the account's role; returns (token, account)."""
    if not same_origin(request) or "json" not in (request.headers.get("content-type") or ""):
        raise Forbidden("Sign in from the page itself.", code="csrf")  # no login CSRF by form posts
    body = read.json_body(request, ("username", "password"))
    username = read.text(body, "username", max_length=80)
    password = read.text(body, "password", max_length=1024)
    signed = await blocking(team.accounts.sign_in, username, password, client_address(request))
    if signed is None:
        raise Unauthenticated("Wrong username or password, or the account is locked or inactive.",
                              code="invalid_credentials")
    if signed.account.role not in roles:
        await blocking(team.accounts.sign_out, signed.token)
        raise Forbidden(f"This page is for the role {' or '.join(roles)}.")
    return signed.token, signed.account


async def signed_in_account(request: Request, cookie: str, team: TeamStores, roles: tuple[str, ...], *,
                            change: bool, page: str, blocking) -> object:
    """The account of the request's live session, if its role is one of `roles`; a change also needs
    the CSRF token and no cross-site Origin."""
    token = request.cookies.get(cookie) or ""
    if change and not csrf_ok(request, token):
        raise Forbidden("Missing or wrong CSRF token.", code="csrf")
    account = await blocking(team.accounts.account_for, token) if token else None
    if account is None:
        raise Unauthenticated(f"Sign in to the {page}.")
    if account.role not in roles:
        raise Forbidden(f"The {page} is for the role {' or '.join(roles)}.")
    return account
