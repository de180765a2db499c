"""Staff doors: signing staff in to a page of theirs (the console, the management view) and the one
check every staff route passes (`staff_only`: session, role, CSRF, access log), for the pages'
session cookies and the team API's bearer tokens alike. The session itself is an `AccountStore` token."""
from __future__ import annotations

import hashlib
import hmac
import functools
import logging
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from sanic import response
from sanic.request import Request

from actions.store.models import Account
from bot.blocking import blocking
from bot.web import team_input as read
from bot.web.routes import Handler
from bot.web.runtime import runtime_of
from bot.web.team_errors import Forbidden, Unauthenticated
from bot.web.team_stores import TeamStores

CSRF_HEADER = "X-CSRF-Token"
access_log = logging.getLogger("sote.staff_access")  # who used which staff route; no bodies


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


async def check_credentials(request: Request, team: TeamStores) -> Any:
    """The JSON sign-in's username and password checked (wrong ones counted per address); returns the
    store's signed-in session (token, expiry, account)."""
    body = read.json_body(request, ("username", "password"))
    username = read.text(body, "username", max_length=80)
    password = read.text(body, "password", max_length=1024)
    signed = await blocking(team.accounts.sign_in, username, password, client_address(request))
    if signed is None:
        raise Unauthenticated("Wrong username or password, or the account is locked or inactive.",
                              code="invalid_credentials")
    return signed


async def sign_in(request: Request, team: TeamStores, roles: tuple[str, ...]) -> tuple[str, Account]:
    """Check the JSON sign-in of a staff page and the account's role; returns (token, account)."""
    if not same_origin(request) or "json" not in (request.headers.get("content-type") or ""):
        raise Forbidden("Sign in from the page itself.", code="csrf")  # no login CSRF by form posts
    signed = await check_credentials(request, team)
    if signed.account.role not in roles:
        await blocking(team.accounts.sign_out, signed.token)
        raise Forbidden(f"This page is for the role {' or '.join(roles)}.")
    return signed.token, signed.account


@dataclass(frozen=True)
class StaffDoor:
    """A door for staff: who may pass and how the session is carried.

    `cookie` names the session cookie of a page of theirs (the console, the management view: a change
    also needs the CSRF header and no cross-site Origin); None means the team API's bearer token.
    """

    name: str                  # in messages and the access log: "console", "management view", "team API"
    roles: tuple[str, ...]
    cookie: str | None = None
    path: str = "/"            # the page's path: where its session cookie is sent

    def token(self, request: Request) -> str:
        if self.cookie is not None:
            return request.cookies.get(self.cookie) or ""
        return bearer_token(request)

    def unauthenticated(self) -> Unauthenticated:
        if self.cookie is None:
            return Unauthenticated("The session has expired or ended, or the token is unknown; sign in again.")
        return Unauthenticated(f"Sign in to the {self.name}.")

    def forbidden(self, roles: tuple[str, ...], role: str) -> Forbidden:
        if self.cookie is None:
            return Forbidden(f"This needs the role {' or '.join(roles)}; you are signed in as {role}.")
        return Forbidden(f"The {self.name} is for the role {' or '.join(roles)}.")


@dataclass(frozen=True)
class Staff:
    """What a staff handler gets besides the request: the stores, the signed-in account, its token."""

    team: TeamStores
    account: Account
    token: str
    door: StaffDoor


def bearer_token(request: Request) -> str:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Sign in first and send the token as 'Authorization: Bearer <token>'.")
    return token.strip()


def staff_only(door: StaffDoor, *, change: bool = False, roles: tuple[str, ...] | None = None
               ) -> Callable[[Handler], Handler]:
    """The one staff-door check: the handler runs as `handler(request, staff, **route_args)` only for
    a live session whose role is in `roles` (default: the door's); a change on a cookie door also
    needs the CSRF token and no cross-site Origin, checked before the stores are touched. Every
    request that passes is written to the access log (account, route, status; never a body)."""
    allowed = roles or door.roles

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: Request, *args: Any, **kwargs: Any) -> response.HTTPResponse:
            token = door.token(request)
            if change and door.cookie is not None and not csrf_ok(request, token):
                raise Forbidden("Missing or wrong CSRF token.", code="csrf")
            team = await blocking(runtime_of(request).stores)
            account = await blocking(team.accounts.account_for, token) if token else None
            if account is None:
                raise door.unauthenticated()
            if account.role not in allowed:
                raise door.forbidden(allowed, account.role)
            answer = await handler(request, Staff(team, account, token, door), *args, **kwargs)
            access_log.info("%s: account %s (%s) %s %s -> %s", door.name, account.id, account.role,
                            request.method, request.path, answer.status)
            return answer
        return checked
    return decorate


# -- a staff page's session routes (POST / GET / DELETE <page>/api/session) -----------------------
def session_view(account: Account, token: str) -> dict[str, Any]:
    """What the page keeps after sign-in: its CSRF token and who is signed in."""
    return {"csrf_token": csrf_token(token),
            "account": {"username": account.username, "display_name": account.display_name}}


async def page_sign_in(request: Request, door: StaffDoor) -> response.HTTPResponse:
    """Sign in to a staff page: the session cookie, and the CSRF token in the answer."""
    team = await blocking(runtime_of(request).stores)
    token, account = await sign_in(request, team, door.roles)
    answer = response.json(session_view(account, token), status=201)
    set_session_cookie(request, answer, door.cookie or "", token, door.path)
    return answer


async def page_session(_: Request, staff: Staff) -> response.HTTPResponse:
    return response.json(session_view(staff.account, staff.token))


async def page_sign_out(request: Request, staff: Staff) -> response.HTTPResponse:
    """End the session and clear its cookie."""
    await blocking(staff.team.accounts.sign_out, staff.token)
    answer = response.empty()
    set_session_cookie(request, answer, staff.door.cookie or "", "", staff.door.path)
    return answer
